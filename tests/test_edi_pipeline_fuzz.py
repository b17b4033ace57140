"""Mutated X12 interchanges through the whole pipeline: never a crash, never a hang, never a lost raw message."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hub.allocation.ledger import set_node, set_on_hand
from hub.context import HubContext
from hub.partners.store import load_file, save_profile
from hub.pipeline.ingest import ingest_bytes
from hub.pipeline.runner import Pipeline
from hub.plugins.registry import Registry
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import make_engine, read_only
from hub.store.migrate import upgrade
from hub.store.tables import inbox

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "x12"
SEEDS = [
    (FIXTURES / name).read_bytes()
    for name in ("850-acme-three-lines.edi", "860-acme-po-4502.edi", "reject-bad-set-among-good.edi")
]


def _hub(folder: Path) -> Pipeline:
    folder.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{folder / 'hub.db'}")
    upgrade(engine)
    ctx = HubContext(engine=engine, registry=Registry.discover(), home=folder, environ=dict(os.environ))
    with engine.begin() as conn:
        for path in sorted((FIXTURES / "partners").glob("*.yaml")):
            save_profile(conn, ctx.tenant, load_file(path))
        add_connection(conn, ConnectionRecord(name="acme", adapter="x12", channel="acme", options={}))
        set_node(conn, ctx.tenant, "DAL1", priority=1, connection=None)
        for sku in ("SKU-1001", "SKU-1002", "SKU-1003", "SKU-1004"):
            set_on_hand(conn, ctx.tenant, "DAL1", sku, Decimal(1000))
    return Pipeline(ctx)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] = draw(st.sampled_from(b"*~>^0123456789AZ \n\x00\xff"))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=12))
        elif kind == "truncate":
            del data[at:]
        else:
            end = data.find(b"~", at)
            if end > 0:
                start = data.rfind(b"~", 0, at) + 1
                data[end + 1 : end + 1] = data[start : end + 1]
    return bytes(data)


def test_mutated_interchanges_are_processed_or_kept(tmp_path_factory) -> None:
    pipeline = _hub(tmp_path_factory.mktemp("fuzz"))
    seen: list[str] = []

    @settings(
        max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow], database=None
    )
    @given(mutated())
    def run(body: bytes) -> None:
        report = ingest_bytes(pipeline, body, connection="acme", filename="fuzz.edi", wait_seconds=0)
        assert report.status in {"accepted", "duplicate", "rejected"}, report
        with read_only(pipeline.ctx.engine) as conn:
            row = conn.execute(select(inbox.c.body, inbox.c.status).where(inbox.c.id == report.message_id)).one()
        assert bytes(row.body) == body  # the raw interchange is kept byte for byte, whatever became of it
        if report.status == "rejected":
            assert report.errors and all(e.get("code") for e in report.errors)
        seen.append(report.status)

    run()
    assert "rejected" in seen and len(seen) >= 60
