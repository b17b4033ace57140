"""An EDI drop folder: an sftp_wms connection with `parse_with` hands each stable file, unread, to an x12 connection,
on a local folder and over a real sshd; the scheduler's poll stores it for that connection, the x12 parser reads it."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.sftp_wms import ADAPTER
from hub.allocation.ledger import set_node, set_on_hand
from hub.context import HubContext
from hub.partners.store import load_file, save_profile
from hub.pipeline.runner import Pipeline
from hub.scheduler.polling import poll_connection
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.tables import inbox, orders
from tests.support.sshd import SshServer, sshd_server_fixture  # noqa: F401 - the session fixture

X12 = Path(__file__).resolve().parent.parent / "fixtures" / "x12"


@pytest.fixture(params=["local", "sftp"])
def drop(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, dict[str, Any], dict[str, str]]:
    """(the folder the partner drops into, connection options, secrets by env var)."""
    folder = f"edi-{tmp_path.name}"
    options: dict[str, Any] = {
        "parse_with": "acme",
        "stable_seconds": 0,
        "inbound_folder": f"{folder}/in",
        "archive_folder": f"{folder}/in/archive",
        "error_folder": f"{folder}/in/error",
    }
    if request.param == "local":
        return tmp_path / "drop" / folder / "in", {**options, "local_root": str(tmp_path / "drop")}, {}
    server: SshServer = request.getfixturevalue("sshd_server")
    secrets = {"EDI_SFTP_KEY": server.client_key.private_openssh}
    return server.root / folder / "in", {**options, **server.options(), "timeout_seconds": 10}, secrets


def _setup(ctx: HubContext, options: dict[str, Any], secrets: dict[str, str]) -> Pipeline:
    ctx.registry.register(ADAPTER)
    ctx.environ = {**ctx.environ, **secrets}
    refs = {"private_key": "EDI_SFTP_KEY"} if secrets else {}
    with ctx.engine.begin() as conn:
        save_profile(conn, ctx.tenant, load_file(X12 / "partners" / "acme-retail.yaml"))
        add_connection(
            conn, ConnectionRecord(name="acme", adapter="x12", channel="acme", options={"partner": "acme-retail"})
        )
        add_connection(
            conn,
            ConnectionRecord(
                name="acme-drop", adapter="sftp_wms", channel="acme-drop", options=options, secret_refs=refs
            ),
        )
        set_node(conn, ctx.tenant, "DAL1", priority=1, connection=None)
        for sku in ("SKU-1001", "SKU-1002", "SKU-1003"):
            set_on_hand(conn, ctx.tenant, "DAL1", sku, Decimal(100))
    return Pipeline(ctx)


def _count(ctx: HubContext, table: Any, *where: Any) -> int:
    with read_only(ctx.engine) as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_dropped_850_becomes_an_order_once(hub_ctx: HubContext, drop: Any) -> None:
    folder, options, secrets = drop
    p = _setup(hub_ctx, options, secrets)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(X12 / "850-acme-three-lines.edi", folder / "PO_4500017001.edi")
    (folder / "PO_next.edi.part").write_bytes(b"ISA*00*")  # being written: never read
    report = poll_connection(hub_ctx, "acme-drop")
    assert report.leased and report.messages == 1, report
    with read_only(hub_ctx.engine) as conn:
        (row,) = conn.execute(select(inbox.c.connection, inbox.c.transport, inbox.c.filename)).all()
    assert tuple(row) == ("acme", "sftp", "PO_4500017001.edi")  # stored for the x12 connection, unread
    p.drain()
    assert _count(hub_ctx, orders, orders.c.external_id == "4500017001") == 1
    poll_connection(hub_ctx, "acme-drop")  # the next poll archives the committed file
    assert not (folder / "PO_4500017001.edi").exists() and (folder / "archive" / "PO_4500017001.edi").exists()
    assert (folder / "PO_next.edi.part").exists()
    # the partner drops the same interchange again: stored raw, a duplicate interchange, nothing new
    shutil.copyfile(X12 / "850-acme-three-lines.edi", folder / "PO_4500017001-again.edi")
    assert poll_connection(hub_ctx, "acme-drop").messages == 1
    p.drain()
    assert _count(hub_ctx, orders) == 1
    assert _count(hub_ctx, inbox, inbox.c.status == "duplicate") == 1
