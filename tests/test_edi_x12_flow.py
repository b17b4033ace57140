"""X12 through the whole hub, on SQLite and PostgreSQL: 850 -> order -> 940 to the 3PL -> 945 -> shipment -> 856
and 810 to the retailer; duplicates, 860 changes, acknowledgments reconciled, control numbers gap-free."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.x12.tokenizer import iter_segments
from hub.allocation.ledger import set_node, set_on_hand
from hub.context import HubContext
from hub.outbox.worker import OutboxWorker
from hub.partners.store import load_file, save_profile
from hub.pipeline.ingest import FileReport, ingest_bytes
from hub.pipeline.runner import Pipeline
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.queries import get_order
from hub.store.tables import (
    control_numbers,
    inbox,
    order_lines,
    orders,
    sent_envelopes,
    shipments,
    stock_levels,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "x12"
SKUS = ("SKU-1001", "SKU-1002", "SKU-1003", "SKU-1004")


def _setup(ctx: HubContext) -> Pipeline:
    with ctx.engine.begin() as conn:
        for path in sorted((FIXTURES / "partners").glob("*.yaml")):
            save_profile(conn, ctx.tenant, load_file(path))  # as `hub partners add` would
        for name, partner in (("acme", "acme-retail"), ("bolt", "bolt-3pl")):
            options = {"partner": partner}
            add_connection(conn, ConnectionRecord(name=name, adapter="x12", channel=name, options=options))
        set_node(conn, ctx.tenant, "DAL1", priority=1, connection="bolt")
        for sku in SKUS:
            set_on_hand(conn, ctx.tenant, "DAL1", sku, Decimal(100))
    return Pipeline(ctx)


def _ingest(p: Pipeline, body: bytes | str, connection: str, name: str) -> FileReport:
    data = body.encode() if isinstance(body, str) else body
    return ingest_bytes(p, data, connection=connection, filename=name)


def _deliver(ctx: HubContext) -> None:
    results = OutboxWorker(ctx).drain(5)
    assert all(r.outcome.value == "delivered" for r in results), [(r.kind, r.error) for r in results]


def _sent(ctx: HubContext, connection: str, kind: str) -> list[list[list[str]]]:
    """The interchanges the hub wrote for a connection and kind, by interchange number, as lists of elements."""
    files = (ctx.home / "outbound" / connection).glob(f"{kind}-*.x12")
    read = [[[seg.tag, *seg.elements] for seg in iter_segments(f.read_bytes())] for f in files]
    return sorted(read, key=lambda segments: int(segments[0][13]))


def _first(segments: list[list[str]], tag: str, qualifier: str | None = None) -> list[str]:
    return next(s for s in segments if s[0] == tag and (qualifier is None or s[1] == qualifier))


def _interchange(sender: str, control: int, functional: str, version: str, sets: list[list[str]]) -> str:
    """An X12 interchange from `sender` to the hub with correct counts: each set is its segments after ST."""
    isa_version, repetition = ("00501", "^") if version >= "005010" else ("00401", "U")
    lines = [
        f"ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*{'HUB':<15}*240503*1030*{repetition}*{isa_version}"
        f"*{control:09d}*0*P*>",
        f"GS*{functional}*{sender}*HUB*20240503*1030*{control}*X*{version}",
    ]
    for number, (set_id, *body) in enumerate(sets, start=1):
        lines += [f"ST*{set_id}*{number:04d}", *body, f"SE*{len(body) + 2}*{number:04d}"]
    lines += [f"GE*{len(sets)}*{control}", f"IEA*1*{control:09d}"]
    return "~\n".join(lines) + "~\n"


def _945_for(release: list[list[str]], tracking: str, short: dict[str, int] | None = None) -> list[str]:
    """The 3PL's 945 answering our 940: echoes W05-02/W05-03 and N9*OQ; `short` units missing per SKU."""
    w05 = _first(release, "W05")
    body = [
        "945",
        f"W06*F*{w05[2]}*20240503*SH-{w05[2]}**{w05[3]}",
        "N1*SF*BOLT DALLAS*92*BOLT-DAL",
        f"N9*OQ*{_first(release, 'N9', 'OQ')[2]}",
        "G62*11*20240503*8*1415",
        "W27*U*UPSN*GROUND",
        "LX*1",
        f"MAN*CP*{tracking}",
    ]
    items = [s for s in release if s[0] == "W01"]
    numbers = [s[2] for s in release if s[0] == "N9" and s[1] == "LI"]
    for w01, line_no in zip(items, numbers, strict=True):
        ordered, sku = int(w01[1]), w01[5]
        missing = (short or {}).get(sku, 0)
        status = "PR" if missing else "CC"
        body += [f"W12*{status}*{ordered}*{ordered - missing}*{missing}*EA**VP*{sku}", f"N9*LI*{line_no}"]
    return [*body, f"W03*{sum(int(w01[1]) for w01 in items)}*18.5*KG"]


def _count(ctx: HubContext, table: object) -> int:
    with read_only(ctx.engine) as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()  # type: ignore[arg-type]


def test_850_to_940_to_945_to_856_and_810(hub_ctx: HubContext) -> None:
    p = _setup(hub_ctx)
    report = _ingest(p, (FIXTURES / "850-acme-three-lines.edi").read_bytes(), "acme", "850.edi")
    assert report.status == "accepted", report.errors
    [document] = report.documents
    assert (document["external_id"], document["status"]) == ("4500017001", "allocated")
    [ack] = report.acks
    assert (ack["kind"], ack["status"], ack["sent"]) == ("997", "accepted", True)
    assert "AK9*A*1*1*1~" in ack["content"]
    _deliver(hub_ctx)

    [release] = _sent(hub_ctx, "bolt", "order_release")
    assert _first(release, "N9", "OQ")[2] == document["id"]
    assert [(s[1], s[5]) for s in release if s[0] == "W01"] == [
        ("24", "SKU-1001"),
        ("24", "SKU-1002"),  # 2 cases of 12 ordered, sent to the 3PL in eaches
        ("10", "SKU-1003"),
    ]
    [ack_855] = _sent(hub_ctx, "acme", "order_ack")
    assert _first(ack_855, "BAK")[3] == "4500017001"

    shipping = _interchange("BOLT3PL", 9001, "SW", "005010", [_945_for(release, "1Z999AA10123456784")])
    report = _ingest(p, shipping, "bolt", "945.edi")
    assert report.status == "accepted", report.errors
    assert [a["kind"] for a in report.acks] == ["999"]
    _deliver(hub_ctx)

    with read_only(hub_ctx.engine) as conn:
        shown = get_order(conn, hub_ctx.tenant, document["id"])
    assert shown["status"] == "shipped"
    [shipment] = shown["shipments"]
    assert (shipment["carrier"], shipment["tracking_numbers"], shipment["node"]) == (
        "UPSN",
        ["1Z999AA10123456784"],
        "DAL1",
    )
    assert sorted((ln["sku"], Decimal(str(ln["quantity"]))) for ln in shipment["lines"]) == [
        ("SKU-1001", Decimal(24)),
        ("SKU-1002", Decimal(24)),
        ("SKU-1003", Decimal(10)),
    ]
    [asn] = _sent(hub_ctx, "acme", "shipment")
    assert _first(asn, "PRF")[1] == "4500017001"
    assert "1Z999AA10123456784" in {s[2] for s in asn if s[0] == "REF" and s[1] == "CN"} | {
        s[2] for s in asn if s[0] == "MAN"
    }
    [invoice] = _sent(hub_ctx, "acme", "invoice")
    assert _first(invoice, "BIG")[4] == "4500017001"
    # 24 x 4.50 + 2 CA x 54.00 + 10 x 7.25, in cents (TDS01 has an implied decimal point)
    assert _first(invoice, "TDS")[1] == str(int((24 * Decimal("4.50") + 2 * 54 + 10 * Decimal("7.25")) * 100))

    # interchange numbers per partner: 1, 2, 3 ... without a gap (997, 855, 856, 810 to acme; 940, 999 to bolt)
    acme = sorted(
        int(i[0][13]) for kind in ("ack", "order_ack", "shipment", "invoice") for i in _sent(hub_ctx, "acme", kind)
    )
    bolt = sorted(int(i[0][13]) for kind in ("ack", "order_release") for i in _sent(hub_ctx, "bolt", kind))
    assert acme == list(range(1, len(acme) + 1)) and len(acme) == 4
    assert bolt == [1, 2]


def test_partial_945_leaves_the_order_partially_shipped(hub_ctx: HubContext) -> None:
    p = _setup(hub_ctx)
    report = _ingest(p, (FIXTURES / "850-acme-three-lines.edi").read_bytes(), "acme", "850.edi")
    _deliver(hub_ctx)
    [release] = _sent(hub_ctx, "bolt", "order_release")
    shipping = _interchange("BOLT3PL", 9002, "SW", "005010", [_945_for(release, "1Z1", {"SKU-1003": 2})])
    assert _ingest(p, shipping, "bolt", "945.edi").status == "accepted"
    with read_only(hub_ctx.engine) as conn:
        shown = get_order(conn, hub_ctx.tenant, report.documents[0]["id"])
    assert shown["status"] == "partially_shipped"
    assert {ln["sku"]: Decimal(str(ln["quantity"])) for ln in shown["shipments"][0]["lines"]}["SKU-1003"] == 8


def test_resent_interchange_is_a_duplicate_answered_by_ta1_025(hub_ctx: HubContext) -> None:
    p = _setup(hub_ctx)
    first = _ingest(p, (FIXTURES / "dup-interchange-first.edi").read_bytes(), "acme", "first.edi")
    assert first.status == "accepted", first.errors
    before = (_count(hub_ctx, orders), _count(hub_ctx, order_lines))
    again = _ingest(p, (FIXTURES / "dup-interchange-resent.edi").read_bytes(), "acme", "resent.edi")
    assert again.status == "duplicate"
    assert (_count(hub_ctx, orders), _count(hub_ctx, order_lines)) == before
    [ta1] = again.acks
    assert ta1["kind"] == "TA1" and ta1["status"] == "rejected" and ta1["code"] == "025"
    assert "TA1*" in ta1["content"] and "*R*025~" in ta1["content"]


def test_same_po_in_a_new_interchange_creates_nothing(hub_ctx: HubContext) -> None:
    p = _setup(hub_ctx)
    text = (FIXTURES / "850-acme-three-lines.edi").read_text()
    assert _ingest(p, text, "acme", "850.edi").status == "accepted"
    renumbered = text.replace("000000101", "000000199").replace("*101*X*", "*199*X*")
    renumbered = renumbered.replace("GE*1*101~", "GE*1*199~")
    report = _ingest(p, renumbered, "acme", "850-again.edi")
    assert report.status == "duplicate", report
    assert [d["outcome"] for d in report.documents] == ["duplicate"]
    assert _count(hub_ctx, orders) == 1
    assert [a["kind"] for a in report.acks] == ["997"]  # a new interchange is acknowledged all the same


def test_860_changes_the_order_it_names(hub_ctx: HubContext) -> None:
    p = _setup(hub_ctx)
    created = _ingest(p, (FIXTURES / "850-acme-po-4502.edi").read_bytes(), "acme", "850.edi")
    assert created.status == "accepted", created.errors
    changed = _ingest(p, (FIXTURES / "860-acme-po-4502.edi").read_bytes(), "acme", "860.edi")
    assert changed.status == "accepted", changed.errors
    with read_only(hub_ctx.engine) as conn:
        shown = get_order(conn, hub_ctx.tenant, created.documents[0]["id"])
    lines = {ln["line_no"]: (ln["sku"], Decimal(ln["quantity"])) for ln in shown["lines"]}
    assert lines == {1: ("SKU-1001", Decimal(36)), 4: ("SKU-1004", Decimal(6))}, lines
    assert shown["revision"] == 2
    # the partner's line echoes follow the change: line 3 gone, line 4 added (what the 855/856 repeat)
    with read_only(hub_ctx.engine) as conn:
        attributes = conn.execute(select(orders.c.attributes)).scalar_one()
    assert sorted(attributes["edi"]["lines"]) == ["1", "4"]
    assert attributes["edi"]["lines"]["1"]["quantity"] == "36"


def test_997_from_the_partner_is_reconciled_with_what_was_sent(hub_ctx: HubContext) -> None:
    p = _setup(hub_ctx)
    _ingest(p, (FIXTURES / "850-acme-three-lines.edi").read_bytes(), "acme", "850.edi")
    _deliver(hub_ctx)
    [order_ack] = _sent(hub_ctx, "acme", "order_ack")
    group = _first(order_ack, "GS")[6]
    answer = _interchange(
        "ACMERETAIL", 7001, "FA", "004010", [["997", f"AK1*PR*{group}", "AK2*855*0001", "AK5*A", "AK9*A*1*1*1"]]
    )
    report = _ingest(p, answer, "acme", "997.edi")
    assert report.status == "accepted", report.errors
    assert report.acks == []  # an acknowledgment is never acknowledged
    with read_only(hub_ctx.engine) as conn:
        rows = {
            (r.counter, r.value): r.ack_status
            for r in conn.execute(select(sent_envelopes).where(sent_envelopes.c.scope == "x12:acme-retail"))
        }
    assert rows[("group", int(group))] == "accepted", rows
    assert rows[("group", 1)] is None  # the 997 the hub sent first is not acknowledged (acks never are)


def test_control_numbers_survive_a_restart(hub_ctx: HubContext, registry: object) -> None:
    p = _setup(hub_ctx)
    _ingest(p, (FIXTURES / "850-acme-three-lines.edi").read_bytes(), "acme", "850.edi")
    _deliver(hub_ctx)
    restarted = HubContext(engine=hub_ctx.engine, registry=hub_ctx.registry, home=hub_ctx.home, environ={})
    _ingest(Pipeline(restarted), (FIXTURES / "850-acme-po-4502.edi").read_bytes(), "acme", "850b.edi")
    _deliver(restarted)
    numbers = sorted(int(i[0][13]) for kind in ("ack", "order_ack") for i in _sent(hub_ctx, "acme", kind))
    assert numbers == [1, 2, 3, 4]
    with read_only(hub_ctx.engine) as conn:
        counters = {(r.scope, r.counter): r.value for r in conn.execute(select(control_numbers))}
    assert counters[("x12:acme-retail", "interchange")] == 4


def test_rejected_interchange_is_kept_and_reported_with_its_segment(hub_ctx: HubContext) -> None:
    p = _setup(hub_ctx)
    report = _ingest(p, (FIXTURES / "reject-iea-mismatch.edi").read_bytes(), "acme", "bad.edi")
    assert report.status == "rejected"
    [error] = report.errors  # once, with where it was: segment, position in the interchange, element
    assert (error["code"], error["segment"], error["position"], error["element"]) == ("001", "IEA", 19, "IEA02")
    assert [(a["kind"], a["code"]) for a in report.acks] == [("TA1", "001")]
    unknown = _ingest(p, (FIXTURES / "unknown-sender.edi").read_bytes(), "acme", "who.edi")
    assert unknown.status == "rejected" and unknown.errors[0]["code"] == "unknown_partner"
    assert _count(hub_ctx, orders) == 0 and _count(hub_ctx, shipments) == 0


def test_ingest_json_reports_acks_with_content(cli, home: Path) -> None:
    cli("partners", "add", "acme-retail", "--x12", "ZZ:ACMERETAIL", "--ack", "997", "--sku-qualifier", "VP")
    cli("connections", "add", "acme", "--adapter", "x12", "--option", "partner=acme-retail")
    result = cli("ingest", str(FIXTURES / "850-acme-three-lines.edi"), "--source", "acme", "--json", code=None)
    data = json.loads(result.stdout)
    [file] = data["files"]
    assert file["status"] == "accepted", file["errors"]
    assert file["acks"][0]["content"].startswith("ISA*")


def test_edi_posted_to_the_api_is_stored_processed_and_answered(hub_ctx: HubContext) -> None:
    from fastapi.testclient import TestClient

    from hub.api.app import create_app

    _setup(hub_ctx)
    client = TestClient(create_app(hub_ctx))
    body = (FIXTURES / "850-acme-three-lines.edi").read_bytes()
    answer = client.post("/messages/acme?filename=po.edi", content=body)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["status"] == "accepted" and data["documents"][0]["external_id"] == "4500017001"
    assert data["acks"][0]["kind"] == "997" and "AK1*PO*101~" in data["acks"][0]["content"]
    again = client.post("/messages/acme", content=body)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    bad = client.post("/messages/acme", content=(FIXTURES / "reject-truncated.edi").read_bytes())
    assert bad.status_code == 422 and bad.json()["status"] == "rejected"
    with read_only(hub_ctx.engine) as conn:
        kept = conn.execute(
            select(inbox.c.status, inbox.c.transport).where(inbox.c.id == bad.json()["message_id"])
        ).one()
    assert tuple(kept) == ("failed", "api")  # nothing lost: the raw interchange waits for an operator
    queued = client.post("/messages/acme?process=false", content=body)
    assert queued.status_code == 202 and queued.json()["status"] == "received"
    assert client.post("/messages/nowhere", content=body).status_code == 404


def test_transfer_goes_out_as_943_and_its_944_receives_the_incoming_stock(hub_ctx: HubContext) -> None:
    from hub.stock.incoming import list_incoming
    from hub.stock.transfers import TransferError, send_transfer

    p = _setup(hub_ctx)
    sent = send_transfer(
        hub_ctx, "DAL1", {"SKU-1001": Decimal(120), "SKU-1002": Decimal(60)}, date(2024, 5, 4), carrier="ABFS"
    )
    assert len(sent.incoming) == 2 and len(sent.id) <= 22
    _deliver(hub_ctx)
    [announce] = _sent(hub_ctx, "bolt", "transfer")
    assert _first(announce, "W06")[2] == sent.id
    assert [(s[1], s[5]) for s in announce if s[0] == "W04"] == [("120", "SKU-1001"), ("60", "SKU-1002")]
    # the 3PL received all of SKU-1001 and half of SKU-1002 (5 cases of 12)
    receipt = _interchange(
        "BOLT3PL",
        8001,
        "RE",
        "005010",
        [
            [
                "944",
                f"W17*F*20240504*RCV-1*{sent.id}",
                "N1*WH*BOLT DALLAS*92*BOLT-DAL",
                "W07*120*EA**VP*SKU-1001",
                "W07*5*CA**VP*SKU-1002",
                "W14*125",
            ]
        ],
    )
    report = _ingest(p, receipt, "bolt", "944.edi")
    assert report.status == "accepted", report.errors
    with read_only(hub_ctx.engine) as conn:
        still_open = list_incoming(conn, hub_ctx.tenant, node="DAL1")
        on_hand = dict(
            conn.execute(select(stock_levels.c.sku, stock_levels.c.on_hand).where(stock_levels.c.node == "DAL1")).all()
        )
    assert still_open == []  # 5 cases of 12 are the 60 each announced: both incoming rows are received
    assert Decimal(on_hand["SKU-1001"]) == 220 and Decimal(on_hand["SKU-1002"]) == 160
    with pytest.raises(TransferError, match="no node 'NOWHERE'"):
        send_transfer(hub_ctx, "NOWHERE", {"SKU-1001": Decimal(1)}, date(2024, 5, 4))
    with hub_ctx.engine.begin() as conn:
        set_node(conn, hub_ctx.tenant, "OWN", priority=5, connection=None)
    with pytest.raises(TransferError, match="has no connection"):
        send_transfer(hub_ctx, "OWN", {"SKU-1001": Decimal(1)}, date(2024, 5, 4))
    with hub_ctx.engine.begin() as conn:  # a warehouse reached by JSON files has no 943 sink
        add_connection(conn, ConnectionRecord(name="files", adapter="order_files", channel="files"))
        set_node(conn, hub_ctx.tenant, "FILES", priority=6, connection="files")
    with pytest.raises(TransferError, match="does not take transfers"):
        send_transfer(hub_ctx, "FILES", {"SKU-1001": Decimal(1)}, date(2024, 5, 4))
