"""EDIFACT through the whole hub, on SQLite and PostgreSQL: ORDERS -> order -> ORDERS to the 3PL -> its DESADV ->
shipment -> DESADV and INVOIC to the retailer; CONTRL both ways, duplicates and ORDCHG."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from adapters.edifact.tokenizer import iter_segments
from hub.allocation.ledger import set_node, set_on_hand
from hub.context import HubContext
from hub.outbox.worker import OutboxWorker
from hub.partners.store import load_file, save_profile
from hub.pipeline.ingest import FileReport, ingest_bytes
from hub.pipeline.runner import Pipeline
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.queries import get_order
from hub.store.tables import orders, sent_envelopes

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "edifact"
EANS = ("5410000000017", "5410000000024", "5410000000031", "5410000000048")


def _setup(ctx: HubContext) -> Pipeline:
    with ctx.engine.begin() as conn:
        for path in sorted((FIXTURES / "partners").glob("*.yaml")):
            save_profile(conn, ctx.tenant, load_file(path))
        for name, partner in (("nordmart", "nordmart-retail"), ("delta", "delta-3pl")):
            options = {"partner": partner}
            add_connection(conn, ConnectionRecord(name=name, adapter="edifact", channel=name, options=options))
        set_node(conn, ctx.tenant, "ANT1", priority=1, connection="delta")
        for sku in EANS:
            set_on_hand(conn, ctx.tenant, "ANT1", sku, Decimal(100))
    return Pipeline(ctx)


def _ingest(p: Pipeline, body: bytes | str, connection: str, name: str) -> FileReport:
    data = body.encode("latin-1") if isinstance(body, str) else body
    return ingest_bytes(p, data, connection=connection, filename=name)


def _deliver(ctx: HubContext) -> None:
    results = OutboxWorker(ctx).drain(5)
    assert all(r.outcome.value == "delivered" for r in results), [(r.kind, r.error) for r in results]


Seg = list[list[str]]  # a segment: its tag, then each element's components


def _sent(ctx: HubContext, connection: str, kind: str) -> list[list[Seg]]:
    """The interchanges the hub wrote for a connection and kind, by UNB reference, as segments."""
    files = (ctx.home / "outbound" / connection).glob(f"{kind}-*.edi")
    read = [[[[seg.tag], *seg.elements] for seg in iter_segments(f.read_bytes())] for f in files]
    return sorted(read, key=lambda segments: int(_first(segments, "UNB")[5][0]))


def _first(segments: list[Seg], tag: str, qualifier: str | None = None) -> Seg:
    return next(s for s in segments if s[0] == [tag] and (qualifier is None or s[1][0] == qualifier))


def _interchange(sender: str, reference: str, messages: list[list[str]]) -> str:
    """An interchange from `sender` to the hub with correct UNT/UNZ counts: each message is its segments
    after UNH, the first being the message type (e.g. "DESADV:D:96A:UN")."""
    lines = ["UNA:+.? '", f"UNB+UNOC:3+{sender}+HUB:ZZ+260303:1400+{reference}"]
    for number, (message_type, *body) in enumerate(messages, start=1):
        lines += [f"UNH+M{number}+{message_type}", *body, f"UNT+{len(body) + 2}+M{number}"]
    lines.append(f"UNZ+{len(messages)}+{reference}")
    return "'\n".join(lines[:1]) + "\n" + "'\n".join(lines[1:]) + "'\n"


def _desadv_for(release: list[Seg], tracking: str) -> list[str]:
    """The 3PL's DESADV answering our ORDERS: RFF+ON names our BGM 1004, every line despatched in full."""
    hub_order = _first(release, "BGM")[2][0]
    body = [
        "DESADV:D:96A:UN",
        "BGM+351+DSP-9001+9",
        "DTM+11:202603031130:203",
        f"RFF+ON:{hub_order}",
        "NAD+SF+5400000000123::9++Delta Antwerp",
        "TDT+20++30+31:EXPRESS+DHLPARCEL",
        "CPS+1",
        "CPS+2+1",
        "PAC+1++CT",
        f"RFF+CN:{tracking}",
    ]
    for index, segment in enumerate(release):
        if segment[0] == ["LIN"]:
            quantity = release[index + 2] if release[index + 2][0] == ["QTY"] else _next_qty(release, index)
            body += [f"LIN+{segment[1][0]}++{segment[3][0]}:{segment[3][1]}", f"QTY+12:{quantity[1][1]}:EA"]
    return [*body, f"CNT+2:{sum(1 for s in release if s[0] == ['LIN'])}"]


def _next_qty(segments: list[Seg], start: int) -> Seg:
    return next(s for s in segments[start:] if s[0] == ["QTY"])


def test_orders_to_3pl_orders_to_desadv_to_desadv_and_invoic(hub_ctx: HubContext) -> None:
    p = _setup(hub_ctx)
    report = _ingest(p, (FIXTURES / "orders-d96a-nordmart-po-7001.edi").read_bytes(), "nordmart", "orders.edi")
    assert report.status == "accepted", report.errors
    [document] = report.documents
    assert (document["external_id"], document["status"]) == ("PO7001", "allocated")
    [contrl] = report.acks
    assert contrl["kind"] == "CONTRL" and "UCI+NM000101+5412345000013:14+HUB:ZZ+7'" in contrl["content"]
    _deliver(hub_ctx)

    [release] = _sent(hub_ctx, "delta", "order_release")
    assert _first(release, "BGM")[2][0] == document["id"]
    assert _first(release, "RFF", "CR")[1] == ["CR", "PO7001"]
    assert [s[1][1] for s in release if s[0] == ["QTY"]] == ["24", "24", "5"]  # 2 cases of 12 sent as eaches
    [ordrsp] = _sent(hub_ctx, "nordmart", "order_ack")
    assert _first(ordrsp, "RFF", "ON")[1] == ["ON", "PO7001"]

    despatch = _interchange("DELTA3PL", "DL9001", [_desadv_for(release, "JVGL0555000123")])
    report = _ingest(p, despatch, "delta", "desadv.edi")
    assert report.status == "accepted", report.errors
    assert report.acks == []  # delta-3pl's profile says ack: none and its UNB asks for nothing
    _deliver(hub_ctx)

    with read_only(hub_ctx.engine) as conn:
        shown = get_order(conn, hub_ctx.tenant, document["id"])
    assert shown["status"] == "shipped"
    [shipment] = shown["shipments"]
    assert (shipment["carrier"], shipment["tracking_numbers"], shipment["node"]) == (
        "DHLPARCEL",
        ["JVGL0555000123"],
        "ANT1",
    )
    [desadv] = _sent(hub_ctx, "nordmart", "shipment")
    assert _first(desadv, "UNH")[2][0] == "DESADV"
    assert _first(desadv, "RFF", "ON")[1] == ["ON", "PO7001"]
    assert "JVGL0555000123" in {s[1][1] for s in desadv if s[0] == ["RFF"] and s[1][0] == "CN"}
    [invoic] = _sent(hub_ctx, "nordmart", "invoice")
    assert _first(invoic, "UNH")[2][0] == "INVOIC"
    totals = {s[1][0]: Decimal(s[1][1]) for s in invoic if s[0] == ["MOA"]}
    # 24 x 4.95 + 2 cases x 30 + 5 x 12.50 at the partner's prices
    assert totals["77"] == Decimal("241.30"), totals  # MOA+77 invoice amount
    # UNB references to nordmart run 1, 2, ... without a gap (CONTRL, ORDRSP, DESADV, INVOIC)
    numbers = sorted(
        int(_first(i, "UNB")[5][0])
        for kind in ("ack", "order_ack", "shipment", "invoice")
        for i in _sent(hub_ctx, "nordmart", kind)
    )
    assert numbers == [1, 2, 3, 4]


def test_resent_interchange_gets_contrl_uci_4_and_creates_nothing(hub_ctx: HubContext) -> None:
    p = _setup(hub_ctx)
    first = _ingest(p, (FIXTURES / "dup-interchange-first.edi").read_bytes(), "nordmart", "first.edi")
    assert first.status == "accepted", first.errors
    again = _ingest(p, (FIXTURES / "dup-interchange-resent.edi").read_bytes(), "nordmart", "again.edi")
    assert again.status == "duplicate"
    [contrl] = again.acks
    assert contrl["kind"] == "CONTRL" and contrl["status"] == "rejected"
    assert "+4+26+" in contrl["content"]
    with read_only(hub_ctx.engine) as conn:
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == 1


def test_ordchg_changes_the_order(hub_ctx: HubContext) -> None:
    p = _setup(hub_ctx)
    created = _ingest(p, (FIXTURES / "orders-d96a-nordmart-po-7001.edi").read_bytes(), "nordmart", "o.edi")
    changed = _ingest(p, (FIXTURES / "ordchg-nordmart-po-7001.edi").read_bytes(), "nordmart", "c.edi")
    assert changed.status == "accepted", changed.errors
    with read_only(hub_ctx.engine) as conn:
        shown = get_order(conn, hub_ctx.tenant, created.documents[0]["id"])
    lines = {ln["line_no"]: (ln["sku"], Decimal(ln["quantity"])) for ln in shown["lines"]}
    assert lines == {
        1: ("5410000000017", Decimal(36)),
        2: ("5410000000024", Decimal(24)),
        4: ("5410000000048", Decimal(6)),
    }


def test_partner_contrl_is_reconciled_with_what_was_sent(hub_ctx: HubContext) -> None:
    p = _setup(hub_ctx)
    _ingest(p, (FIXTURES / "orders-d96a-nordmart-po-7001.edi").read_bytes(), "nordmart", "o.edi")
    _deliver(hub_ctx)
    [ordrsp] = _sent(hub_ctx, "nordmart", "order_ack")
    reference = _first(ordrsp, "UNB")[5][0]
    answer = _interchange(
        "5412345000013:14", "NM000199", [["CONTRL:D:3:UN", f"UCI+{reference}+HUB:ZZ+5412345000013:14+7"]]
    )
    report = _ingest(p, answer, "nordmart", "contrl.edi")
    assert report.status == "accepted", report.errors
    assert report.acks == []  # a CONTRL is never answered
    with read_only(hub_ctx.engine) as conn:
        status = conn.execute(
            select(sent_envelopes.c.ack_status).where(
                sent_envelopes.c.scope == "edifact:nordmart-retail", sent_envelopes.c.value == int(reference)
            )
        ).scalar_one()
    assert status == "accepted"


def test_truncated_interchange_is_rejected_whole_with_uci_4(hub_ctx: HubContext) -> None:
    p = _setup(hub_ctx)
    report = _ingest(p, (FIXTURES / "reject-truncated.edi").read_bytes(), "nordmart", "cut.edi")
    assert report.status == "rejected"
    assert report.errors[0]["segment"] == "UNZ"
    [contrl] = report.acks
    assert contrl["status"] == "rejected" and "+4+13" in contrl["content"]


def test_aperak_naming_only_the_order_number_is_reconciled_with_the_newest_message_for_it(
    hub_ctx: HubContext,
) -> None:
    from datetime import UTC, datetime

    from hub.exceptions import list_exceptions
    from hub.model.documents import AckStatus, ReceivedAck
    from hub.outbox.received import AckForUnknownEnvelope, reconcile

    p = _setup(hub_ctx)
    _ingest(p, (FIXTURES / "orders-d96a-nordmart-po-7001.edi").read_bytes(), "nordmart", "o.edi")
    _deliver(hub_ctx)
    [ordrsp] = _sent(hub_ctx, "nordmart", "order_ack")
    aperak = ReceivedAck(
        source="nordmart-retail",
        external_id="APK-1",
        partner="nordmart-retail",
        kind="APERAK",
        counter="document",
        control_number="PO7001",
        status=AckStatus.REJECTED,
        errors=["price differs from the agreement"],
        received_at=datetime(2026, 3, 2, tzinfo=UTC),
    )
    with hub_ctx.engine.begin() as conn:
        outbox_id = reconcile(conn, hub_ctx.tenant, aperak)
        status = conn.execute(
            select(sent_envelopes.c.ack_status, sent_envelopes.c.kind).where(sent_envelopes.c.outbox_id == outbox_id)
        ).one()
        [exception] = list_exceptions(conn, hub_ctx.tenant, state="open", kind="edi_rejected")
    assert tuple(status) == ("rejected", "order_ack")
    assert "price differs" in exception.summary
    assert int(_first(ordrsp, "UNB")[5][0]) == exception.detail["control_number"]
    with hub_ctx.engine.begin() as conn:
        try:
            reconcile(conn, hub_ctx.tenant, aperak.model_copy(update={"control_number": "PO-NEVER-SENT"}))
        except AckForUnknownEnvelope as exc:
            assert "never sent" in str(exc)
        else:
            raise AssertionError("an APERAK about a document never sent must be refused")
