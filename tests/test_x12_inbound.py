"""X12 inbound mappings: 850/860/846/945/856/944 and received 997/999/TA1 to canonical documents."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.x12.envelope import InterchangeSegment, InterchangeStart, TransactionSet, read_interchanges
from adapters.x12.inbound.acks_in import map_functional_ack, map_ta1
from adapters.x12.inbound.asn856 import map_856
from adapters.x12.inbound.change860 import map_860
from adapters.x12.inbound.errors import SetMappingError
from adapters.x12.inbound.inventory846 import map_846
from adapters.x12.inbound.po850 import map_850, map_850_documents
from adapters.x12.inbound.reading import MapSettings
from adapters.x12.inbound.receipt944 import map_944
from adapters.x12.inbound.shipping945 import map_945
from adapters.x12.inbound.values import parse_date, parse_time
from hub.model import AckStatus, Cancellation, Order, StockMovementKind
from hub.partners.profile import PartnerProfile
from hub.partners.store import load_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "x12"
ACME = load_file(FIXTURES / "partners" / "acme-retail.yaml")
BOLT = load_file(FIXTURES / "partners" / "bolt-3pl.yaml")


def sets_in(data: bytes | str) -> list[TransactionSet]:
    raw = data.encode() if isinstance(data, str) else data
    return [e for e in read_interchanges(raw, filename="test.edi") if isinstance(e, TransactionSet)]


def fixture_set(name: str, index: int = 0) -> TransactionSet:
    return sets_in((FIXTURES / name).read_bytes())[index]


def one_set(set_id: str, body: list[str], *, fid: str = "PO", date: str = "20240501") -> TransactionSet:
    """An interchange from ACMERETAIL with one set whose body rows are `body` (without ST/SE)."""
    isa = "ISA*00*          *00*          *ZZ*ACMERETAIL     *ZZ*HUB            *240501*1030*U*00401*000000900*0*P*>~"
    rows = [isa, f"GS*{fid}*ACMERETAIL*HUB*{date}*1030*900*X*004010~", f"ST*{set_id}*0001~"]
    rows += [f"{row}~" for row in body]
    rows += [f"SE*{len(body) + 2}*0001~", "GE*1*900~", "IEA*1*000000900~"]
    (ts,) = sets_in("\n".join(rows))
    return ts


PO_HEAD = ["BEG*00*SA*PO-77**20240501", "N1*ST*STORE 9*92*0009", "N3*1 MAIN ST", "N4*DAYTON*OH*45402"]


# -- 850 ----------------------------------------------------------------------------------------------------


def test_850_maps_order_with_ship_to_units_and_echo() -> None:
    order = map_850(fixture_set("850-acme-three-lines.edi"), ACME)
    assert (order.source, order.external_id, order.revision, order.currency) == ("acme-retail", "4500017001", 1, "USD")
    assert order.placed_at == datetime(2024, 5, 1, tzinfo=UTC)
    ship = order.ship_to
    assert (ship.name, ship.line1, ship.line2, ship.city, ship.region, ship.postal_code) == (
        "ACME STORE 0042",
        "1200 COMMERCE DRIVE",
        "SUITE 4",
        "COLUMBUS",
        "OH",
        "43215",
    )
    assert (ship.country_code, ship.phone, ship.email) == ("US", "6145550142", "dock42@acme.example")
    assert order.customer is not None and (order.customer.name, order.customer.id) == ("ACME RETAIL INC", "ACME")
    assert [(ln.line_no, ln.sku, ln.quantity, ln.uom, ln.unit_price) for ln in order.lines] == [
        (1, "SKU-1001", Decimal("24"), "EA", Decimal("4.50")),
        (2, "SKU-1002", Decimal("24"), "EA", Decimal("4.5")),  # 2 CA of 12 at 54.00 a case
        (3, "SKU-1003", Decimal("10"), "EA", Decimal("7.25")),
    ]
    assert order.lines[0].description == "BLUE MUG 12OZ"
    edi = order.attributes["edi"]
    assert (edi["po_number"], edi["po_date"], edi["version"], edi["partner"]) == (
        "4500017001",
        "20240501",
        "004010",
        "acme-retail",
    )
    assert edi["parties"]["ST"]["id"] == "0042"
    assert edi["lines"]["2"] == {
        "assigned_id": "2",
        "quantity": "2",
        "uom": "CA",
        "unit_price": "54.00",
        "price_basis": "PE",
        "ids": {"VP": "SKU-1002", "UP": "012345678912"},
        "sku": "SKU-1002",
        "description": "RED MUG 12OZ CASE OF 12",
    }
    assert Order.model_validate(order.model_dump()) == order


def test_850_replace_gets_a_later_revision_and_cancel_becomes_cancellation() -> None:
    replace = map_850(one_set("850", ["BEG*05*SA*PO-77**20240501", *PO_HEAD[1:], "PO1*1*5*EA*2*PE*VP*A-1"]), ACME)
    later = map_850(
        one_set("850", ["BEG*05*SA*PO-77**20240501", *PO_HEAD[1:], "PO1*1*6*EA*2*PE*VP*A-1"], date="20240502"), ACME
    )
    assert 1 < replace.revision < later.revision < 2**31
    (cancel,) = map_850_documents(one_set("850", ["BEG*01*SA*PO-77**20240501"]), ACME)
    assert isinstance(cancel, Cancellation)
    assert (cancel.order_external_id, cancel.source, cancel.line_nos) == ("PO-77", "acme-retail", [])


def test_850_without_ship_to_is_a_set_error_naming_n1() -> None:
    ts = one_set("850", ["BEG*00*SA*PO-77**20240501", "PO1*1*5*EA*2*PE*VP*A-1"])
    with pytest.raises(SetMappingError) as caught:
        map_850(ts, ACME)
    error = caught.value
    assert error.code == "missing_ship_to" and error.location.segment == "N1"
    problem = error.problem()
    assert (problem.code, problem.segment.code, problem.segment.tag) == ("5", "3", "N1")


def test_850_ship_to_override_and_country() -> None:
    partner = ACME.model_copy(update={"overrides": {"850": {"ship_to": "N1*BT"}, "default_country": "CA"}})
    ts = one_set("850", ["BEG*00*SA*PO-77**20240501", "N1*BT*BILL ME*92*B1", "N4*TORONTO*ON*M5V", "PO1*1*5*EA*2**VP*A"])
    order = map_850(ts, partner)
    assert (order.ship_to.name, order.ship_to.country_code, order.ship_to.city) == ("BILL ME", "CA", "TORONTO")
    three_letter = one_set("850", [*PO_HEAD[:3], "N4*TORONTO*ON*M5V*CAN", "PO1*1*5*EA*2**VP*A"])
    assert map_850(three_letter, ACME).ship_to.country_code == "CA"


def test_850_sku_qualifier_and_fallback() -> None:
    ts = one_set("850", [*PO_HEAD, "PO1*1*5*EA*2*PE*BP*BUYER-1*UP*0123"])
    with pytest.raises(SetMappingError) as caught:
        map_850(ts, ACME.model_copy(update={"overrides": {}}))
    assert caught.value.code == "sku_missing" and caught.value.location.field == "PO106"
    assert "BP, UP" in caught.value.message
    assert map_850(ts, ACME).lines[0].sku == "0123"  # acme-retail falls back to UP
    bp = ACME.model_copy(update={"sku_qualifier": "BP"})
    order = map_850(ts, bp)
    assert order.lines[0].sku == "BUYER-1"
    assert order.attributes["edi"]["lines"]["1"]["ids"] == {"BP": "BUYER-1", "UP": "0123"}


@pytest.mark.parametrize(
    ("po1", "code", "field"),
    [
        ("PO1*1*0*EA*2**VP*A", "bad_quantity", "PO102"),
        ("PO1*1*X*EA*2**VP*A", "bad_quantity", "PO102"),
        ("PO1*1**EA*2**VP*A", "bad_quantity", "PO102"),
        ("PO1*1*3*EA*-2**VP*A", "bad_price", "PO104"),
    ],
)
def test_850_bad_line_values_name_the_element(po1: str, code: str, field: str) -> None:
    with pytest.raises(SetMappingError) as caught:
        map_850(one_set("850", [*PO_HEAD, po1]), ACME)
    assert (caught.value.code, caught.value.location.field, caught.value.location.segment) == (code, field, "PO1")


def test_850_non_numeric_line_ids_number_lines_in_order() -> None:
    order = map_850(one_set("850", [*PO_HEAD, "PO1*A1*1*EA*2**VP*A", "PO1*B7*2*EA*2**VP*B"]), ACME)
    assert [(ln.line_no, ln.sku) for ln in order.lines] == [(1, "A"), (2, "B")]
    assert order.attributes["edi"]["lines"]["2"]["assigned_id"] == "B7"


def test_850_currency_from_profile_then_settings() -> None:
    body = [*PO_HEAD, "PO1*1*1*EA*2**VP*A"]
    assert map_850(one_set("850", body), ACME).currency == "USD"
    eur = ACME.model_copy(update={"currency": None})
    assert map_850(one_set("850", body), eur, MapSettings(currency="EUR")).currency == "EUR"
    assert (
        map_850(
            one_set("850", ["BEG*00*SA*P**20240501", "CUR*BY*CAD", *PO_HEAD[1:], "PO1*1*1*EA*2**VP*A"]), eur
        ).currency
        == "CAD"
    )


# -- 860 ----------------------------------------------------------------------------------------------------


def test_860_changes_with_new_quantities() -> None:
    change = map_860(fixture_set("860-acme-po-4502.edi"), ACME)
    assert (change.external_id, change.order_external_id, change.cancel) == ("4500017002:1", "4500017002", False)
    by_line = {c.line_no: c for c in change.changes}
    assert (by_line[1].action, by_line[1].quantity, by_line[1].sku) == ("change", Decimal("36"), "SKU-1001")
    assert by_line[3].action == "delete"
    added = by_line[4]
    assert (added.action, added.sku, added.quantity, added.unit_price, added.description) == (
        "add",
        "SKU-1004",
        Decimal("6"),
        Decimal("9.90"),
        "SUGAR BOWL",
    )
    assert change.attributes["edi"]["lines"]["4"]["ids"] == {"VP": "SKU-1004"}


def test_860_cancel_whole_order_and_ignored_types() -> None:
    cancel = map_860(one_set("860", ["BCH*01*SA*PO-9**2*20240501"], fid="PC"), ACME)
    assert cancel.cancel and cancel.changes == [] and cancel.external_id == "PO-9:2"
    body = ["BCH*04*SA*PO-9**3*20240501", "POC*1*NC*5**EA", "POC*2*QD*0**EA", "POC*3*CA*2**CA*60*PE*VP*X"]
    change = map_860(one_set("860", body, fid="PC"), ACME)
    assert [(c.line_no, c.action, c.quantity, c.uom, c.unit_price) for c in change.changes] == [
        (2, "delete", None, None, None),
        (3, "change", Decimal("24"), "EA", Decimal("5")),
    ]
    assert change.attributes["edi"]["ignored_changes"] == {"1": "NC"}


def test_860_without_sequence_gets_a_content_id_and_bad_line_is_named() -> None:
    a = map_860(one_set("860", ["BCH*04*SA*PO-9***20240501", "POC*1*QI*9**EA"], fid="PC"), ACME)
    b = map_860(one_set("860", ["BCH*04*SA*PO-9***20240501", "POC*1*QI*9**EA"], fid="PC", date="20240509"), ACME)
    c = map_860(one_set("860", ["BCH*04*SA*PO-9***20240501", "POC*1*QI*8**EA"], fid="PC"), ACME)
    assert a.external_id == b.external_id != c.external_id
    with pytest.raises(SetMappingError) as caught:
        map_860(one_set("860", ["BCH*04*SA*PO-9***20240501", "POC*X1*QI*9**EA"], fid="PC"), ACME)
    assert (caught.value.code, caught.value.location.field) == ("unknown_line", "POC01")


# -- 846 / 945 / 944 / 856 --------------------------------------------------------------------------------


def test_846_stock_levels_per_item_at_the_mapped_node() -> None:
    levels = map_846(fixture_set("846-bolt-inventory.edi"), BOLT)
    assert [(lv.node, lv.sku, lv.on_hand) for lv in levels] == [
        ("DAL1", "SKU-1001", Decimal("480")),
        ("DAL1", "SKU-1002", Decimal("120")),
        ("DAL1", "SKU-1003", Decimal("0")),
    ]
    assert levels[0].as_of == datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
    available = BOLT.model_copy(update={"overrides": {"846": {"quantity": ["33"]}}})
    with pytest.raises(SetMappingError) as caught:
        map_846(fixture_set("846-bolt-inventory.edi"), available)
    assert caught.value.code == "missing_quantity"
    assert map_846(one_set("846", ["BIA*00*DD*R*20240501", "LIN**VP*A", "QTY*33*7*EA"], fid="IB"), available)[
        0
    ].on_hand == Decimal("7")


def test_846_unmapped_location_is_the_partner() -> None:
    ts = one_set("846", ["BIA*00*DD*R*20240501", "N1*WH*ELSEWHERE*92*X9", "LIN**VP*A", "QTY*17*3"], fid="IB")
    assert map_846(ts, BOLT)[0].node == "bolt-3pl"


def test_945_shipment_with_parcels_and_tracking() -> None:
    shipment = map_945(fixture_set("945-bolt-shipping.edi"), BOLT)
    assert (shipment.external_id, shipment.order_external_id, shipment.node, shipment.source) == (
        "SH-88001",
        "4500017001",
        "DAL1",
        "bolt-3pl",
    )
    assert shipment.shipped_at == datetime(2024, 5, 3, 14, 15, tzinfo=UTC)
    assert [(ln.line_no, ln.sku, ln.quantity, ln.parcel_id) for ln in shipment.lines] == [
        (1, "SKU-1001", Decimal("24"), "000123450000000019"),
        (2, "SKU-1002", Decimal("24"), "000123450000000019"),
        (3, "SKU-1003", Decimal("8"), "000123450000000026"),
    ]
    assert [(p.parcel_id, p.tracking.carrier, p.tracking.number, p.tracking.service) for p in shipment.parcels] == [
        ("000123450000000019", "UPSN", "1Z999AA10123456784", "GROUND"),
        ("000123450000000026", "UPSN", "1Z999AA10123456791", "GROUND"),
    ]


def test_945_without_order_number_or_shipped_items_is_refused() -> None:
    with pytest.raises(SetMappingError) as caught:
        map_945(one_set("945", ["W06*F**20240503", "LX*1", "W12*CC*1*1**EA**VP*A"], fid="SW"), BOLT)
    assert (caught.value.code, caught.value.location.field) == ("missing_order", "W0602")
    with pytest.raises(SetMappingError) as caught:
        map_945(one_set("945", ["W06*F*ORD-1*20240503", "LX*1", "W12*CC*1*0**EA**VP*A"], fid="SW"), BOLT)
    assert caught.value.code == "nothing_shipped"


def test_944_receipts_reference_our_transfer() -> None:
    movements = map_944(fixture_set("944-bolt-receipt.edi"), BOLT)
    assert [(m.node, m.sku, m.delta, m.kind, m.reference) for m in movements] == [
        ("DAL1", "SKU-1001", Decimal("120"), StockMovementKind.RECEIPT, "trf_01HZX9QW2M"),
        ("DAL1", "SKU-1002", Decimal("60"), StockMovementKind.RECEIPT, "trf_01HZX9QW2M"),
    ]
    assert movements[0].at == datetime(2024, 5, 4, tzinfo=UTC)
    no_transfer = one_set("944", ["W17*F*20240504*RCV-1", "W07*3*EA**VP*A"], fid="RE")
    assert map_944(no_transfer, BOLT)[0].reference == "receipt:RCV-1"


ASN = [
    "BSN*00*ASN-1*20240503*0900*0001",
    "HL*1**S",
    "TD5*B*2*FDEG**HOME",
    "REF*BM*BOL1",
    "DTM*011*20240503*0815",
    "N1*SF*BOLT DALLAS*92*BOLT-DAL",
    "HL*2*1*O",
    "PRF*PO-1",
    "HL*3*2*P",
    "MAN*GM*000123450000000033",
    "MAN*CP*7777001",
    "HL*4*3*I",
    "LIN*1*VP*A",
    "SN1*1*2*CA",
    "HL*5*1*O",
    "PRF*PO-2",
    "HL*6*5*I",
    "LIN*7*VP*B",
    "SN1*7*3*EA",
    "CTT*6",
]


def test_856_one_shipment_per_order_level() -> None:
    first, second = map_856(one_set("856", ASN, fid="SH"), BOLT)
    assert (first.external_id, first.order_external_id, first.node) == ("ASN-1:PO-1", "PO-1", "DAL1")
    assert first.shipped_at == datetime(2024, 5, 3, 8, 15, tzinfo=UTC)
    assert [(ln.line_no, ln.sku, ln.quantity, ln.parcel_id) for ln in first.lines] == [
        (1, "A", Decimal("24"), "000123450000000033")
    ]
    assert first.parcels[0].tracking is not None and first.parcels[0].tracking.number == "7777001"
    assert (first.parcels[0].tracking.carrier, first.parcels[0].tracking.service) == ("FDEG", "HOME")
    assert [(ln.line_no, ln.sku, ln.quantity, ln.parcel_id) for ln in second.lines] == [(7, "B", Decimal("3"), None)]


def test_856_bad_hierarchy_is_named() -> None:
    body = ["BSN*00*ASN-1*20240503*0900", "HL*1**S", "HL*2*9*O", "PRF*PO-1", "HL*3*2*I", "LIN*1*VP*A", "SN1*1*1*EA"]
    with pytest.raises(SetMappingError) as caught:
        map_856(one_set("856", body, fid="SH"), BOLT)
    assert (caught.value.code, caught.value.location.field) == ("bad_hierarchy", "HL02")


# -- received acknowledgments ------------------------------------------------------------------------------


def test_997_and_999_become_received_acks_about_our_groups() -> None:
    accepted = map_functional_ack(fixture_set("997-acme-answer.edi"), ACME)
    assert (accepted.kind, accepted.counter, accepted.control_number, accepted.status) == (
        "997",
        "group",
        "2",
        AckStatus.ACCEPTED,
    )
    assert accepted.errors == [] and accepted.partner == "acme-retail"
    rejected = map_functional_ack(fixture_set("999-bolt-answer.edi"), BOLT)
    assert (rejected.kind, rejected.control_number, rejected.status) == ("999", "3", AckStatus.REJECTED)
    assert len(rejected.errors) == 1
    assert "940 0001" in rejected.errors[0] and "W01" in rejected.errors[0] and "IK5 R 5" in rejected.errors[0]
    assert accepted.external_id != rejected.external_id


def test_ta1_becomes_received_ack_about_our_interchange() -> None:
    events = list(read_interchanges((FIXTURES / "999-bolt-answer.edi").read_bytes()))
    interchange = next(e for e in events if isinstance(e, InterchangeStart)).interchange
    ta1 = next(e for e in events if isinstance(e, InterchangeSegment)).segment
    ack = map_ta1(ta1, interchange, BOLT)
    assert (ack.kind, ack.counter, ack.control_number, ack.status, ack.errors) == (
        "TA1",
        "interchange",
        "2",
        AckStatus.ACCEPTED,
        [],
    )
    assert ack.received_at == datetime(2024, 5, 3, 15, 0, tzinfo=UTC)


def test_x12_dates_and_times() -> None:
    assert parse_date("20240229") is not None and parse_date("20230229") is None
    assert parse_date("990101").year == 1999 and parse_date("240101").year == 2024  # type: ignore[union-attr]
    assert parse_time("1415") is not None and parse_time("2460") is None and parse_time("141530") is not None


def test_profiles_are_valid() -> None:
    examples = FIXTURES.parents[1] / "mappings" / "partners"
    paths = [
        *(FIXTURES / "partners").glob("*.yaml"),
        *(p for p in examples.glob("example-*.yaml") if not p.name.startswith("example-edifact-")),
    ]
    profiles = {load_file(path).name: load_file(path) for path in paths}
    assert {"acme-retail", "bolt-3pl", "example-retailer", "example-3pl"} <= set(profiles)
    assert all(isinstance(p, PartnerProfile) and p.x12 is not None for p in profiles.values())
    assert (profiles["example-retailer"].x12_ack(), profiles["example-3pl"].x12_ack()) == ("997", "999")


def test_860_header_only_change_is_an_empty_change() -> None:
    change = map_860(one_set("860", ["BCH*04*CP*PO-9***20231025", "CUR*BT*USD"], fid="PC"), ACME)
    assert change.changes == [] and not change.cancel and change.attributes["edi"]["header_only"] is True
