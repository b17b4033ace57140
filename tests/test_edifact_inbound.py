"""EDIFACT inbound mappings: ORDERS (D96A, D01B), ORDCHG, INVRPT, DESADV and received CONTRL/APERAK to
canonical documents, with the errors that name segment, element and component."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.edifact.envelope import Message, read_interchanges
from adapters.edifact.inbound.acks_in import map_aperak, map_contrl
from adapters.edifact.inbound.desadv import map_desadv
from adapters.edifact.inbound.errors import MessageMappingError, MessageValidationError
from adapters.edifact.inbound.invrpt import map_invrpt
from adapters.edifact.inbound.ordchg import map_ordchg
from adapters.edifact.inbound.orders import map_orders, map_orders_documents
from adapters.edifact.inbound.reading import MapSettings
from adapters.edifact.inbound.values import control_value, parse_moment
from hub.model import AckStatus, Cancellation, Order
from hub.partners.store import load_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "edifact"
NORDMART = load_file(FIXTURES / "partners" / "nordmart-retail.yaml")
BERG = load_file(FIXTURES / "partners" / "berg-supplier.yaml")
DELTA = load_file(FIXTURES / "partners" / "delta-3pl.yaml")


def messages_in(data: bytes | str) -> list[Message]:
    raw = data.encode("latin-1") if isinstance(data, str) else data
    return [e for e in read_interchanges(raw, filename="test.edi") if isinstance(e, Message)]


def fixture_message(name: str, index: int = 0) -> Message:
    return messages_in((FIXTURES / name).read_bytes())[index]


def one_message(identifier: str, body: list[str], *, sender: str = "BERGWHOLESALE") -> Message:
    rows = ["UNA:+.? '", f"UNB+UNOC:3+{sender}+HUB+260301:1200+900'", f"UNH+1+{identifier}'"]
    rows += [f"{row}'" for row in body]
    rows += [f"UNT+{len(body) + 2}+1'", "UNZ+1+900'"]
    (message,) = messages_in("\n".join(rows))
    return message


PO_HEAD = [
    "BGM+220+PO-77+9",
    "DTM+137:20260301:102",
    "NAD+ST+DC1::92++Store DC+Street 1+Venlo++5928PA+NL",
]
LINE = ["LIN+1++8712100000003:EN", "PIA+5+ABC1234:SA", "QTY+21:2:PCE", "PRI+AAA:3.5"]


# -- ORDERS -----------------------------------------------------------------------------------------------------


def test_orders_d96a_maps_order_with_ship_to_units_and_echo() -> None:
    order = map_orders(fixture_message("orders-d96a-nordmart-po-7001.edi"), NORDMART)
    assert (order.source, order.external_id, order.revision, order.currency) == ("nordmart-retail", "PO7001", 1, "EUR")
    assert order.placed_at == datetime(2026, 3, 1, tzinfo=UTC)
    ship = order.ship_to
    assert (ship.name, ship.line1, ship.city, ship.postal_code, ship.country_code, ship.phone) == (
        "Nordmart DC Gent",
        "Industrieweg 4",
        "Gent",
        "9000",
        "BE",
        "3292001122",
    )
    assert order.customer is not None
    assert (order.customer.name, order.customer.id, order.customer.qualifier) == (
        "Nordmart Retail NV",
        "5412345000013",
        "GLN",
    )
    assert [(ln.line_no, ln.sku, ln.quantity, ln.uom, ln.unit_price) for ln in order.lines] == [
        (1, "5410000000017", Decimal("24"), "EA", Decimal("4.95")),
        (2, "5410000000024", Decimal("24"), "EA", Decimal("2.5")),  # 2 CA of 12 at 30 a case
        (3, "5410000000031", Decimal("5"), "EA", Decimal("12.50")),  # gross price (PRI+AAB) when no AAA
    ]
    assert order.lines[1].description == "Tea towel 50x70 + grey"  # released "+" in the IMD
    edi = order.attributes["edi"]
    assert (edi["po_number"], edi["po_date"], edi["version"], edi["association"], edi["interchange"]) == (
        "PO7001",
        "20260301",
        "D96A",
        "EAN008",
        "NM000101",
    )
    assert edi["requested_delivery"] == "20260308" and edi["refs"] == {"CT": "FRAME-2026"}
    assert set(edi["parties"]) == {"BY", "SU", "DP"} and edi["parties"]["DP"]["id"] == "5412345000204"
    assert edi["lines"]["2"] == {
        "line_id": "2",
        "item_number": "5410000000024",
        "item_type": "EN",
        "quantity": "2",
        "uom": "CA",
        "unit_price": "30",
        "price_qualifier": "AAA",
        "ids": {"EN": "5410000000024", "IN": "NM-1002", "SA": "SUP-77"},
        "sku": "5410000000024",
        "description": "Tea towel 50x70 + grey",
    }


def test_orders_d01b_takes_the_sku_qualifier_and_nad_st() -> None:
    order = map_orders(fixture_message("orders-d01b-berg-po-8801.edi"), BERG)
    assert order.external_id == "8801" and order.placed_at == datetime(2026, 3, 1, 10, 15, tzinfo=UTC)
    assert [(ln.line_no, ln.sku, ln.quantity, ln.uom) for ln in order.lines] == [
        (10, "ABC1234", Decimal("10"), "PCE"),
        (20, "DEF345", Decimal("4"), "PCE"),
    ]
    assert order.ship_to.name == "Berg DC Venlo" and order.ship_to.country_code == "NL"
    assert order.currency == "EUR" and order.attributes["edi"]["version"] == "D01B"


def test_sku_defaults_to_the_lin_item_number_and_falls_back() -> None:
    message = one_message("ORDERS:D:01B:UN", [*PO_HEAD, *LINE])
    plain = BERG.model_copy(update={"sku_qualifier": None})
    assert map_orders(message, plain).lines[0].sku == "8712100000003"
    assert map_orders(message, BERG).lines[0].sku == "ABC1234"
    fallback = one_message("ORDERS:D:01B:UN", [*PO_HEAD, "LIN+1++8712100000003:EN", "PIA+5+77:IN", "QTY+21:2"])
    assert map_orders(fallback, BERG).lines[0].sku == "77"  # no SA: overrides.sku_fallback [IN]
    missing = one_message("ORDERS:D:01B:UN", [*PO_HEAD, "LIN+1++8712100000003:EN", "QTY+21:2"])
    with pytest.raises(MessageMappingError) as error:
        map_orders(missing, BERG)
    assert error.value.code == "sku_missing" and error.value.location.field == "LIN03"
    assert error.value.problem().code == "13" and error.value.problem().position == 5
    # no sku_qualifier, no LIN item number, but a PIA id: a typed error naming what the line has (atheris found
    # this one raising IndexError)
    no_number = one_message("ORDERS:D:01B:UN", [*PO_HEAD, "LIN+1", "PIA+5+77:IN", "QTY+21:2"])
    with pytest.raises(MessageMappingError) as error:
        map_orders(no_number, plain)
    assert error.value.code == "sku_missing" and "IN" in error.value.message


def test_replace_and_cancel_functions() -> None:
    replace = one_message("ORDERS:D:01B:UN", ["BGM+220+PO-77+5", *PO_HEAD[1:], *LINE])
    order = map_orders(replace, BERG)
    assert order.revision == int(
        (datetime(2026, 3, 1, 12, 0, tzinfo=UTC) - datetime(2000, 1, 1, tzinfo=UTC)).total_seconds() // 60
    )
    for function in ("1", "3"):
        cancel = one_message("ORDERS:D:01B:UN", [f"BGM+220+PO-77+{function}", "DTM+137:20260302:102"])
        (doc,) = map_orders_documents(cancel, BERG)
        assert isinstance(doc, Cancellation) and doc.order_external_id == "PO-77"
        assert doc.external_id == "PO-77:cancel" and doc.requested_at == datetime(2026, 3, 2, tzinfo=UTC)
    (original,) = map_orders_documents(one_message("ORDERS:D:01B:UN", [*PO_HEAD, *LINE]), BERG)
    assert isinstance(original, Order) and original.revision == 1


def test_ship_to_prefers_dp_then_st_and_is_required() -> None:
    dp_and_st = [
        "BGM+220+PO-9+9",
        "NAD+ST+S::92++Store+Street+Town++1000+BE",
        "NAD+DP+D::92++Depot+Road+City++2000+BE",
        *LINE,
    ]
    assert map_orders(one_message("ORDERS:D:96A:UN", dp_and_st), NORDMART).ship_to.name == "Depot"
    assert map_orders(one_message("ORDERS:D:96A:UN", dp_and_st), BERG).ship_to.name == "Store"  # [ST, DP]
    with pytest.raises(MessageMappingError) as error:
        map_orders(one_message("ORDERS:D:96A:UN", ["BGM+220+PO-9+9", *LINE]), NORDMART)
    assert error.value.code == "missing_ship_to" and error.value.problem().segment == "NAD"


@pytest.mark.parametrize(
    ("rows", "code", "field", "syntax_code"),
    [
        (["BGM+220++9", *PO_HEAD[1:], *LINE], "missing_po_number", "BGM02", "13"),
        ([*PO_HEAD, "LIN+1++X:EN", "QTY+21:abc"], "bad_quantity", "QTY01-2", "12"),
        ([*PO_HEAD, "LIN+1++X:EN", "QTY+21:0"], "bad_quantity", "QTY01-2", "12"),
        ([*PO_HEAD, "LIN+1++X:EN"], "missing_quantity", None, "13"),
        ([*PO_HEAD, "LIN+1++X:EN", "QTY+21:1", "PRI+AAA:-2"], "bad_price", "PRI01-2", "12"),
        (
            ["BGM+220+P+9", "DTM+137:20261399:102", "NAD+ST+S::92++S+R+T++1+BE", "LIN+1++X:EN", "QTY+21:1"],
            "bad_date",
            "DTM01-2",
            "12",
        ),
        (["BGM+220+P+9"], "no_lines", None, "13"),
        (
            ["BGM+220+P+9", "NAD+ST+S::92++S+R+T++1", "LIN+1++X:EN", "PIA+5+Y:SA", "QTY+21:1"],
            "bad_country",
            "NAD09",
            "13",
        ),
    ],
)
def test_orders_errors_name_segment_and_element(
    rows: list[str], code: str, field: str | None, syntax_code: str
) -> None:
    with pytest.raises(MessageMappingError) as error:
        map_orders(one_message("ORDERS:D:96A:UN", rows), BERG, MapSettings(file="po.edi"))
    assert error.value.code == code and error.value.location.field == field
    assert error.value.location.file == "po.edi" and error.value.problem().code == syntax_code


def test_model_violation_is_a_validation_error() -> None:
    rows = [*PO_HEAD, "CUX+2:EURO:9", *LINE]
    with pytest.raises(MessageValidationError) as error:
        map_orders(one_message("ORDERS:D:96A:UN", rows), BERG)
    assert error.value.code == "invalid_document" and "currency" in error.value.message


# -- ORDCHG -----------------------------------------------------------------------------------------------------


def test_ordchg_changes_deletes_and_adds_lines() -> None:
    change = map_ordchg(fixture_message("ordchg-nordmart-po-7001.edi"), NORDMART)
    assert (change.order_external_id, change.external_id, change.cancel) == ("PO7001", "PO7001:PO7001-C1", False)
    assert [(c.action, c.line_no, c.sku, c.quantity, c.unit_price) for c in change.changes] == [
        ("change", 1, "5410000000017", Decimal("36"), None),
        ("delete", 3, "5410000000031", None, None),
        ("add", 4, "5410000000048", Decimal("6"), Decimal("8.20")),
    ]
    assert change.requested_at == datetime(2026, 3, 2, tzinfo=UTC)
    assert change.attributes["edi"]["lines"]["1"]["quantity"] == "36"


def test_ordchg_cancel_and_ignored_actions() -> None:
    cancel = map_ordchg(one_message("ORDCHG:D:96A:UN", ["BGM+230+PO-5+1"]), BERG)
    assert cancel.cancel and cancel.changes == [] and cancel.order_external_id == "PO-5"
    rows = ["BGM+230+CHG-1+4", "RFF+ON:PO-5", "LIN+2+5+X:EN", "LIN+3+3+X:EN", "QTY+21:0"]
    change = map_ordchg(one_message("ORDCHG:D:96A:UN", rows), BERG)
    assert [(c.action, c.line_no) for c in change.changes] == [("delete", 3)]  # a new quantity of 0 deletes
    assert change.attributes["edi"]["ignored_lines"] == {"2": "5"}
    with pytest.raises(MessageMappingError) as error:
        map_ordchg(one_message("ORDCHG:D:96A:UN", ["BGM+230+C+4", "LIN+A1+3+X:EN", "QTY+21:2"]), BERG)
    assert error.value.code == "unknown_line" and error.value.location.field == "LIN01"


# -- INVRPT -----------------------------------------------------------------------------------------------------


def test_invrpt_maps_stock_levels_with_units_and_locations() -> None:
    levels = map_invrpt(fixture_message("invrpt-delta-stock.edi"), DELTA)
    assert [(s.node, s.sku, s.on_hand) for s in levels] == [
        ("ANT1", "5410000000017", Decimal("120")),
        ("ANT1", "5410000000024", Decimal("120")),  # 10 CA of 12
        ("ANT1", "5410000000031", Decimal("0")),
    ]
    assert levels[0].as_of == datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    unmapped = DELTA.model_copy(update={"overrides": {}})
    assert {s.node for s in map_invrpt(fixture_message("invrpt-delta-stock.edi"), unmapped)} == {"delta-3pl"}


def test_invrpt_quantity_qualifiers_come_from_the_profile() -> None:
    rows = ["BGM+35+S-1+9", "LIN+1++X:EN", "QTY+198:7"]
    with pytest.raises(MessageMappingError) as error:
        map_invrpt(one_message("INVRPT:D:96A:UN", rows, sender="DELTA3PL"), DELTA)
    assert error.value.code == "missing_quantity"
    tuned = DELTA.model_copy(update={"overrides": {"INVRPT": {"quantity": ["198"]}}})
    (level,) = map_invrpt(one_message("INVRPT:D:96A:UN", rows, sender="DELTA3PL"), tuned)
    assert level.on_hand == Decimal("7")


# -- DESADV -----------------------------------------------------------------------------------------------------


def test_desadv_maps_shipment_with_packages_and_tracking() -> None:
    (shipment,) = map_desadv(fixture_message("desadv-delta-po-7001.edi"), DELTA)
    assert (shipment.external_id, shipment.order_external_id, shipment.node) == ("DSP-55012", "PO7001", "ANT1")
    assert shipment.shipped_at == datetime(2026, 3, 3, 11, 30, tzinfo=UTC)
    assert [(ln.line_no, ln.sku, ln.quantity, ln.parcel_id) for ln in shipment.lines] == [
        (1, "5410000000017", Decimal("24"), "354000000000000017"),
        (2, "5410000000024", Decimal("12"), "354000000000000017"),  # 1 CA
        (3, "5410000000031", Decimal("5"), "354000000000000024"),
    ]
    tracking = [
        (p.parcel_id, p.tracking.carrier, p.tracking.number, p.tracking.service) for p in shipment.parcels if p.tracking
    ]
    assert tracking == [
        ("354000000000000017", "DHLPARCEL", "JVGL0555000123", "EXPRESS"),
        ("354000000000000024", "DHLPARCEL", "JVGL0555000124", "EXPRESS"),
    ]


def test_desadv_splits_by_line_order_reference_and_needs_one() -> None:
    rows = [
        "BGM+351+D-9+9",
        "DTM+11:20260303:102",
        "RFF+CN:TRK-1",
        "TDT+20++++UPS",
        "LIN+1++A:EN",
        "QTY+12:1",
        "RFF+ON:PO-1",
        "LIN+2++B:EN",
        "QTY+12:2",
        "RFF+ON:PO-2",
        "LIN+3++C:EN",
        "QTY+12:0",
        "RFF+ON:PO-2",
    ]
    first, second = map_desadv(one_message("DESADV:D:96A:UN", rows, sender="DELTA3PL"), DELTA)
    assert [(s.external_id, s.order_external_id, len(s.lines)) for s in (first, second)] == [
        ("D-9:PO-1", "PO-1", 1),
        ("D-9:PO-2", "PO-2", 1),  # a line despatching 0 is left out
    ]
    assert first.parcels[0].tracking is not None and first.parcels[0].tracking.number == "TRK-1"
    with pytest.raises(MessageMappingError) as error:
        map_desadv(one_message("DESADV:D:96A:UN", ["BGM+351+D-9+9", "LIN+1++A:EN", "QTY+12:1"]), DELTA)
    assert error.value.code == "missing_po"


# -- CONTRL / APERAK --------------------------------------------------------------------------------------------


def test_contrl_received_answers_our_interchanges() -> None:
    accepted = map_contrl(fixture_message("contrl-nordmart-answer.edi", 0), NORDMART)
    assert (accepted.kind, accepted.counter, accepted.control_number, accepted.status) == (
        "CONTRL",
        "interchange",
        "1",
        AckStatus.ACCEPTED,
    )
    partly = map_contrl(fixture_message("contrl-nordmart-answer.edi", 1), NORDMART)
    assert partly.control_number == "2" and partly.status == AckStatus.ACCEPTED_WITH_ERRORS
    assert partly.errors == ["message 2 (DESADV): UCM 4 code 12 (segment 5 code 12, element 2 code 12)"]
    assert partly.external_id == "NM000190:CONTRL:2" and partly.partner == "nordmart-retail"
    rejected = map_contrl(one_message("CONTRL:D:3:UN", ["UCI+000000017+HUB+BERGWHOLESALE+4+28"]), BERG)
    assert (rejected.control_number, rejected.status) == ("17", AckStatus.REJECTED)
    with pytest.raises(MessageMappingError):
        map_contrl(one_message("CONTRL:D:3:UN", ["UCI+17+HUB+BERGWHOLESALE+9"]), BERG)


def test_aperak_received_answers_our_message_or_a_document() -> None:
    aperak = map_aperak(fixture_message("aperak-nordmart-answer.edi"), NORDMART)
    assert (aperak.kind, aperak.counter, aperak.control_number, aperak.status) == (
        "APERAK",
        "interchange",
        "2",
        AckStatus.REJECTED,
    )
    assert aperak.errors == ["Z01: Invoice total does not match the lines"]
    assert aperak.received_at == datetime(2026, 3, 4, 7, 30, tzinfo=UTC)
    by_document = map_aperak(one_message("APERAK:D:96A:UN", ["BGM+305+A-2+29", "RFF+ON:PO-5"]), BERG)
    assert (by_document.counter, by_document.control_number, by_document.status) == (
        "message",
        "PO-5",
        AckStatus.ACCEPTED,
    )


# -- values -----------------------------------------------------------------------------------------------------


def test_dtm_formats_and_control_values() -> None:
    assert parse_moment("20260301", "102", UTC) == datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_moment("260301", "101", UTC) == datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_moment("202603011015", "203", UTC) == datetime(2026, 3, 1, 10, 15, tzinfo=UTC)
    assert parse_moment("20260301101530", "", UTC) == datetime(2026, 3, 1, 10, 15, 30, tzinfo=UTC)
    offset = timezone(timedelta(hours=1))
    assert parse_moment("202603011015+0100", "205", UTC) == datetime(2026, 3, 1, 10, 15, tzinfo=offset)
    assert parse_moment("20260301-20260305", "718", UTC) == datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_moment("20260230", "102", UTC) is None and parse_moment("2026", "999", UTC) is None
    assert control_value("000042") == "42" and control_value("NM01") == "NM01"


def test_profiles_are_valid() -> None:
    examples = FIXTURES.parents[1] / "mappings" / "partners"
    paths = [*(FIXTURES / "partners").glob("*.yaml"), *examples.glob("example-edifact-*.yaml")]
    profiles = {load_file(path).name: load_file(path) for path in paths}
    assert {"nordmart-retail", "berg-supplier", "delta-3pl", "example-edifact-retailer"} <= set(profiles)
    assert all(p.edifact is not None for p in profiles.values())
    example = profiles["example-edifact-retailer"]
    assert (str(example.edifact), example.ack, example.edifact_version) == ("5412345000099:14", "contrl", "D96A")
