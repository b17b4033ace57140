"""X12 outbound: 855/856/810/940/943/846 rows, rendered by the sinks into interchanges that re-read cleanly
(the hub's reader and set definitions, and pyx12's reader), deterministic and addressed per partner."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pyx12.x12file import X12Reader

from adapters.x12 import ADAPTER
from adapters.x12.config import X12Config
from adapters.x12.envelope import GroupEnd, InterchangeEnd, TransactionSet, read_interchanges
from adapters.x12.inbound.po850 import map_850
from adapters.x12.inbound.shipping945 import map_945
from adapters.x12.outbound import DOCUMENTS, ack855, asn856, inventory846, invoice810, release940, transfer943
from adapters.x12.schema import validate_set
from adapters.x12.sinks import X12OrderSink, X12ShipmentSink, X12StockSink
from hub.errors import ConfigError, MappingError
from hub.outfiles import safe
from hub.partners.directory import PartnerDirectory
from hub.partners.store import load_file
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import OutboundMessage

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "x12"
ACME = load_file(FIXTURES / "partners" / "acme-retail.yaml")
BOLT = load_file(FIXTURES / "partners" / "bolt-3pl.yaml")
CONFIG = X12Config()
CREATED = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)
LONG_ID = "ord_01HZX3K8R4Q2ABCDEFGHJKMN"  # 30 characters, as the hub's ids are
SHORT_ID = "ord_42"


def sets_in(text: str) -> list[TransactionSet]:
    return [e for e in read_interchanges(text.encode(), filename="out.x12") if isinstance(e, TransactionSet)]


def order_dict(order_id: str = SHORT_ID) -> dict[str, Any]:
    (ts,) = sets_in((FIXTURES / "850-acme-three-lines.edi").read_text())
    return map_850(ts, ACME).public_dict() | {"id": order_id}


def context(tmp_path: Path) -> ConnectionContext:
    return ConnectionContext(
        connection="x12-out", channel="edi", hub_home=tmp_path, partners=PartnerDirectory([ACME, BOLT])
    )


def message(
    kind: str, body: dict[str, Any], *, numbers: dict[str, int] | None = None, key: str = "k1"
) -> OutboundMessage:
    return OutboundMessage(
        id="out_1",
        kind=kind,
        connection="x12-out",
        idempotency_key=key,
        body=body,
        created_at=CREATED,
        control_numbers={"interchange": 41, "group": 7} if numbers is None else numbers,
    )


def check_valid(text: str) -> TransactionSet:
    """The interchange re-reads without envelope problems, its set validates, and pyx12 reads it too."""
    events = list(read_interchanges(text.encode(), filename="out.x12"))
    ends = [e for e in events if isinstance(e, GroupEnd | InterchangeEnd)]
    assert ends and all(not e.problems for e in ends), [e.problems for e in ends]
    (ts,) = [e for e in events if isinstance(e, TransactionSet)]
    assert ts.problems == [] and validate_set(ts) == [], validate_set(ts)
    reader = X12Reader(io.StringIO(text))
    pyx12_ids = []
    for seg in reader:
        pyx12_ids.append(seg.get_seg_id())
        assert reader.pop_errors() == []
    assert pyx12_ids == ["ISA", "GS", *[s.tag for s in ts.segments], "GE", "IEA"]
    return ts


def rows_of(ts: TransactionSet) -> list[list[str]]:
    return [[s.tag, *s.elements] for s in ts.body]


# -- rows ---------------------------------------------------------------------------------------------------


def test_855_echoes_partner_lines_units_and_statuses() -> None:
    body = {
        "order": order_dict(),
        "status": "backordered",
        "lines": [
            {"line_no": 1, "sku": "SKU-1001", "quantity": "24", "accepted_quantity": "24", "status": "accepted"},
            {"line_no": 2, "sku": "SKU-1002", "quantity": "24", "accepted_quantity": "12", "status": "backordered"},
            {"line_no": 3, "sku": "SKU-1003", "quantity": "10", "accepted_quantity": "0", "status": "rejected"},
        ],
        "partner": "acme-retail",
    }
    rows = ack855.rows(body, ACME, CONFIG)
    assert rows[0] == ["BAK", "00", "AC", "4500017001", "20240501", "", "", "", SHORT_ID]
    assert ["N1", "ST", "ACME STORE 0042", "92", "0042"] in rows
    assert ["PO1", "2", "2", "CA", "54.00", "PE", "VP", "SKU-1002", "UP", "012345678912"] in rows
    acks = [r for r in rows if r[0] == "ACK"]
    assert acks == [
        ["ACK", "IA", "24", "EA"],
        ["ACK", "IA", "1", "CA"],
        ["ACK", "IB", "1", "CA"],
        ["ACK", "IR", "10", "EA"],
    ]
    assert rows[-1] == ["CTT", "3"]


def test_855_needs_a_known_status() -> None:
    with pytest.raises(MappingError) as caught:
        ack855.rows({"order": order_dict(), "status": "maybe", "lines": []}, ACME, CONFIG)
    assert caught.value.location.field == "status"


SHIPMENT = {
    "external_id": "shp_01HZX5",
    "shipped_at": "2024-05-03T14:15:00+00:00",
    "node": "DAL1",
    "lines": [
        {"line_no": 1, "sku": "SKU-1001", "quantity": "24", "parcel_id": "P1"},
        {"line_no": 2, "sku": "SKU-1002", "quantity": "24", "parcel_id": "P1"},
        {"line_no": 3, "sku": "SKU-1003", "quantity": "8", "parcel_id": "000123450000000026"},
    ],
    "parcels": [
        {"parcel_id": "P1", "weight_kg": "4.5", "tracking": {"carrier": "UPSN", "number": "1Z1", "service": "GND"}},
        {"parcel_id": "000123450000000026", "weight_kg": "2", "tracking": None},
    ],
}


def test_856_levels_parcels_and_partner_units() -> None:
    rows = asn856.rows({"order": order_dict(), "shipment": SHIPMENT}, ACME, CONFIG)
    assert rows[0] == ["BSN", "00", "shp_01HZX5", "20240503", "1415", "0001"]
    hl = [r for r in rows if r[0] == "HL"]
    assert hl == [
        ["HL", "1", "", "S"],
        ["HL", "2", "1", "O"],
        ["HL", "3", "2", "P"],
        ["HL", "4", "3", "I"],
        ["HL", "5", "3", "I"],
        ["HL", "6", "2", "P"],
        ["HL", "7", "6", "I"],
    ]
    assert ["TD1", "CTN", "2", "", "", "", "G", "6.5", "KG"] in rows
    assert ["TD5", "B", "2", "UPSN", "", "GND"] in rows
    assert ["PRF", "4500017001", "", "", "20240501"] in rows
    assert [r for r in rows if r[0] == "MAN"] == [["MAN", "CP", "1Z1"], ["MAN", "GM", "000123450000000026"]]
    assert ["SN1", "2", "2", "CA"] in rows  # 24 EA shipped = 2 cases, as ordered
    assert rows[-1] == ["CTT", "7"]


def test_810_prices_in_partner_units_and_total_in_cents() -> None:
    body = {
        "invoice_number": "INV-9001",
        "invoice_date": "2024-05-04T00:00:00+00:00",
        "currency": "USD",
        "order": order_dict(),
        "shipment": SHIPMENT,
        "lines": [
            {"line_no": 1, "sku": "SKU-1001", "quantity": "24", "unit_price": "4.50", "amount": "108.00"},
            {"line_no": 2, "sku": "SKU-1002", "quantity": "24", "unit_price": "4.5", "amount": "108.00"},
        ],
        "total": "216.005",
    }
    rows = invoice810.rows(body, ACME, CONFIG)
    assert rows[0] == ["BIG", "20240504", "INV-9001", "20240501", "4500017001"]
    assert ["IT1", "2", "2", "CA", "54", "PE", "VP", "SKU-1002", "UP", "012345678912"] in rows
    assert ["TDS", "21600"] in rows  # 216.005 rounds half-even to 216.00
    assert ["DTM", "011", "20240503"] in rows


def test_940_depositor_number_fits_22_characters() -> None:
    body = order_dict(SHORT_ID) | {
        "node": "DAL1",
        "shipment": {
            "number": 1,
            "of": 2,
            "node": "DAL1",
            "carrier": "UPSN",
            "service": "GND",
            "lines": [{"line_no": 1, "quantity": "24"}, {"line_no": 3, "quantity": "10"}],
        },
    }
    rows = release940.rows(body, BOLT, CONFIG)
    assert rows[0] == ["W05", "N", SHORT_ID, "4500017001"]
    assert ["N1", "WH", "DAL1"] in rows
    assert ["W66", "PP", "U", "", "", "GND", "", "", "", "", "UPSN"] in rows
    assert [r for r in rows if r[0] in ("W01", "N9") and r[1] != "ZZ"] == [
        ["W01", "24", "EA", "", "VP", "SKU-1001"],
        ["N9", "LI", "1"],
        ["W01", "10", "EA", "", "VP", "SKU-1003"],
        ["N9", "LI", "3"],
    ]
    assert rows[-1] == ["W76", "34"]
    long_rows = release940.rows(body | {"id": LONG_ID}, BOLT, CONFIG)
    assert long_rows[0] == ["W05", "N", "4500017001", "4500017001"]
    assert ["N9", "OQ", LONG_ID] in long_rows


def test_943_and_846_rows() -> None:
    transfer = {
        "transfer_id": "TRF-88",
        "node": "DAL1",
        "expected_at": "2024-05-09T12:00:00+00:00",
        "carrier": "ODFL",
        "lines": [{"sku": "SKU-1001", "quantity": "120"}, {"sku": "SKU-1002", "quantity": "60"}],
    }
    rows = transfer943.rows(transfer, BOLT, CONFIG)
    assert rows[:4] == [
        ["W06", "F", "TRF-88", "20240509", "TRF-88"],
        ["N1", "WH", "DAL1"],
        ["G62", "17", "20240509"],
        ["W27", "M", "ODFL"],
    ]
    assert rows[-1] == ["W03", "180"]
    stock = inventory846.rows(
        {"sku": "SKU-1001", "available": "-3", "as_of": "2024-05-06T08:00:00+00:00"}, ACME, CONFIG
    )
    assert stock[1:] == [["LIN", "1", "VP", "SKU-1001"], ["QTY", "33", "0", "EA"], ["CTT", "1"]]
    assert stock[0][:2] == ["BIA", "00"] and stock[0][4:] == ["20240506", "0800"]


# -- rendered interchanges ---------------------------------------------------------------------------------


def shipment_body() -> dict[str, Any]:
    return {"order": order_dict(), "shipment": SHIPMENT, "partner": "acme-retail"}


@pytest.mark.parametrize(
    ("kind", "body", "partner", "set_id", "functional_id"),
    [
        ("shipment", shipment_body(), ACME, "856", "SH"),
        (
            "order_ack",
            {
                "order": order_dict(),
                "status": "accepted",
                "partner": "acme-retail",
                "lines": [{"line_no": 1, "sku": "SKU-1001", "quantity": "24", "accepted_quantity": "24"}],
            },
            ACME,
            "855",
            "PR",
        ),
        (
            "invoice",
            {
                "invoice_number": "INV-1",
                "invoice_date": "2024-05-04T00:00:00+00:00",
                "order": order_dict(),
                "partner": "acme-retail",
                "lines": [{"line_no": 3, "sku": "SKU-1003", "quantity": "10", "unit_price": "7.25"}],
            },
            ACME,
            "810",
            "IN",
        ),
        (
            "order_release",
            order_dict(LONG_ID)
            | {"partner": "bolt-3pl", "node": "DAL1", "shipment": {"lines": [{"line_no": 2, "quantity": "24"}]}},
            BOLT,
            "940",
            "OW",
        ),
        (
            "transfer",
            {
                "transfer_id": "TRF-88",
                "node": "DAL1",
                "expected_at": "2024-05-09T12:00:00+00:00",
                "partner": "bolt-3pl",
                "lines": [{"sku": "SKU-1001", "quantity": "120"}],
            },
            BOLT,
            "943",
            "AR",
        ),
        (
            "stock",
            {"sku": "SKU-1001", "available": "7", "as_of": "2024-05-06T08:00:00+00:00", "partner": "bolt-3pl"},
            BOLT,
            "846",
            "IB",
        ),
    ],
)
def test_rendered_documents_validate(
    tmp_path: Path, kind: str, body: dict[str, Any], partner: Any, set_id: str, functional_id: str
) -> None:
    capability = next(c for c in ADAPTER.capabilities if kind in getattr(ADAPTER.implementation(c), "kinds", ()))
    sink = ADAPTER.build(capability, CONFIG, context(tmp_path))
    text = sink.render(message(kind, body))
    ts = check_valid(text)
    assert (ts.set_id, ts.group.functional_id, ts.control_number) == (set_id, functional_id, "0001")
    assert ts.group.version == partner.x12_version and ts.group.control_number == "7"
    interchange = ts.interchange
    assert (interchange.sender_id, interchange.receiver_id, interchange.control_number) == (
        "HUB",
        partner.x12.id,
        "000000041",
    )
    assert (interchange.date, interchange.time) == ("240506", "0930")
    assert DOCUMENTS[kind].set_id == set_id


def test_render_is_deterministic_and_deliver_writes_it(tmp_path: Path) -> None:
    sink = X12ShipmentSink(CONFIG, context(tmp_path))
    msg = message("shipment", shipment_body(), key="shipment:shp_01HZX5")
    first, again = sink.render(msg), sink.render(msg)
    assert first == again
    sink.deliver(msg)
    path = tmp_path / "outbound" / "x12-out" / f"shipment-{safe('shipment:shp_01HZX5')}.x12"
    assert path.read_text(encoding="utf-8") == first
    other = sink.render(message("shipment", shipment_body(), numbers={"interchange": 42, "group": 8}))
    assert other != first and "000000042" in other


def test_numbering_scope_per_partner(tmp_path: Path) -> None:
    sink = X12OrderSink(CONFIG, context(tmp_path))
    numbering = sink.numbering(message("order_release", {"partner": "bolt-3pl"}))
    assert numbering is not None and (numbering.scope, numbering.counters) == ("x12:bolt-3pl", ("interchange", "group"))


def test_partner_resolution(tmp_path: Path) -> None:
    body = {"sku": "A", "available": "1", "as_of": "2024-05-06T08:00:00+00:00"}
    with pytest.raises(ConfigError, match="no partner"):
        X12StockSink(CONFIG, context(tmp_path)).render(message("stock", body))
    with pytest.raises(ConfigError, match="nobody"):
        X12StockSink(CONFIG, context(tmp_path)).render(message("stock", body | {"partner": "nobody"}))
    default = X12StockSink(X12Config(partner="bolt-3pl"), context(tmp_path)).render(message("stock", body))
    assert "*ZZ*BOLT3PL        *" in default
    with pytest.raises(ConfigError, match="control number"):
        X12StockSink(CONFIG, context(tmp_path)).render(message("stock", body | {"partner": "acme-retail"}, numbers={}))
    with pytest.raises(ConfigError, match="sends stock"):
        X12StockSink(CONFIG, context(tmp_path)).render(message("shipment", body | {"partner": "acme-retail"}))


def test_bad_body_is_a_mapping_error_naming_the_field(tmp_path: Path) -> None:
    sink = X12ShipmentSink(CONFIG, context(tmp_path))
    body = shipment_body()
    body["shipment"] = {**SHIPMENT, "shipped_at": "yesterday"}
    with pytest.raises(MappingError) as caught:
        sink.render(message("shipment", body))
    assert caught.value.location.field == "shipment.shipped_at"


def test_release_then_945_maps_back_to_the_hub_order(tmp_path: Path) -> None:
    """The 3PL echoes what our 940 sent (W05-02 or N9*OQ) and the 945 maps back to the hub order id."""
    body = order_dict(LONG_ID) | {"partner": "bolt-3pl", "shipment": {"lines": [{"line_no": 1, "quantity": "24"}]}}
    (ts,) = sets_in(X12OrderSink(CONFIG, context(tmp_path)).render(message("order_release", body)))
    w05 = next(s for s in ts.body if s.tag == "W05")
    oq = next(s for s in ts.body if s.tag == "N9" and s.get(1) == "OQ")
    reply = "\n".join(
        [
            "ISA*00*          *00*          *ZZ*BOLT3PL        *ZZ*HUB            *240503*1500*^*00501*"
            "000000777*0*P*>~",
            "GS*SW*BOLT3PL*HUB*20240503*1500*777*X*005010~",
            "ST*945*0001~",
            f"W06*F*{w05.get(2)}*20240503*SH-1~",
            f"N9*OQ*{oq.get(2)}~",
            "W27*U*UPSN~",
            "LX*1~",
            "W12*CC*24*24*0*EA**VP*SKU-1001~",
            "W03*24~",
            "SE*9*0001~",
            "GE*1*777~",
            "IEA*1*000000777~",
        ]
    )
    (answer,) = sets_in(reply)
    shipment = map_945(answer, BOLT)
    assert shipment.order_external_id == LONG_ID
    assert shipment.lines[0].quantity == Decimal("24")


def test_sinks_declare_the_kinds_of_the_contract() -> None:
    kinds = {c: ADAPTER.implementation(c).kinds for c in ADAPTER.capabilities if c != Capability.FILE_PARSER}
    assert kinds == {
        Capability.ORDER_SINK: frozenset({"order_release", "transfer"}),
        Capability.SHIPMENT_SINK: frozenset({"shipment", "invoice", "order_ack"}),
        Capability.STOCK_SINK: frozenset({"stock"}),
        Capability.ACK_SINK: frozenset({"ack"}),
    }


def test_a_document_breaking_its_definition_is_not_sent(tmp_path: Path) -> None:
    body = {
        "invoice_number": "INV-" + "9" * 30,  # BIG02 holds 22 characters
        "invoice_date": "2024-05-04T00:00:00+00:00",
        "order": order_dict(),
        "partner": "acme-retail",
        "lines": [{"line_no": 3, "sku": "SKU-1003", "quantity": "10", "unit_price": "7.25"}],
    }
    sink = X12ShipmentSink(CONFIG, context(tmp_path))
    with pytest.raises(MappingError) as caught:
        sink.deliver(message("invoice", body))
    assert (caught.value.code, caught.value.location.segment, caught.value.location.field) == (
        "x12_definition",
        "BIG",
        "BIG02",
    )
    assert not (tmp_path / "outbound").exists()
