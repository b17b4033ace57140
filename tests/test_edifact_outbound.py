"""EDIFACT outbound: ORDRSP/DESADV/INVOIC/INVRPT rows, rendered by the sinks into interchanges that re-read
cleanly (the hub's reader and message definitions), deterministic, numbered and addressed per partner."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.edifact import ADAPTER
from adapters.edifact.config import EdifactConfig
from adapters.edifact.envelope import InterchangeEnd, Message, read_interchanges
from adapters.edifact.inbound.desadv import map_desadv
from adapters.edifact.inbound.orders import map_orders
from adapters.edifact.outbound import DOCUMENTS
from adapters.edifact.schema import validate_message
from adapters.edifact.sinks import EdifactOrderSink, EdifactShipmentSink, EdifactStockSink
from hub.errors import ConfigError, MappingError
from hub.outfiles import safe
from hub.partners.directory import PartnerDirectory
from hub.partners.store import load_file
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import OutboundMessage

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "edifact"
NORDMART = load_file(FIXTURES / "partners" / "nordmart-retail.yaml")
BERG = load_file(FIXTURES / "partners" / "berg-supplier.yaml")
DELTA = load_file(FIXTURES / "partners" / "delta-3pl.yaml")
CONFIG = EdifactConfig()
CREATED = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
ORDER_ID = "ord_01HZX3K8R4Q2ABCDEFGHJKMN"


def messages_in(text: str) -> list[Message]:
    return [e for e in read_interchanges(text.encode("latin-1"), filename="out.edi") if isinstance(e, Message)]


def order_dict() -> dict[str, Any]:
    (message,) = messages_in((FIXTURES / "orders-d96a-nordmart-po-7001.edi").read_text("latin-1"))
    return map_orders(message, NORDMART).public_dict() | {"id": ORDER_ID}


def context(tmp_path: Path) -> ConnectionContext:
    return ConnectionContext(
        connection="edifact-out", channel="edi", hub_home=tmp_path, partners=PartnerDirectory([NORDMART, BERG, DELTA])
    )


def message(
    kind: str, body: dict[str, Any], *, numbers: dict[str, int] | None = None, key: str = "k1"
) -> OutboundMessage:
    return OutboundMessage(
        id="out_1",
        kind=kind,
        connection="edifact-out",
        idempotency_key=key,
        body=body,
        created_at=CREATED,
        control_numbers={"interchange": 41} if numbers is None else numbers,
    )


def check_valid(text: str) -> Message:
    """The interchange re-reads without envelope problems and its one message validates."""
    events = list(read_interchanges(text.encode("latin-1"), filename="out.edi"))
    ends = [e for e in events if isinstance(e, InterchangeEnd)]
    assert ends and all(not e.problems for e in ends), [e.problems for e in ends]
    (msg,) = [e for e in events if isinstance(e, Message)]
    assert msg.problems == [] and validate_message(msg) == [], validate_message(msg)
    return msg


def rows_of(msg: Message, tag: str) -> list[list[list[str]]]:
    return [s.elements for s in msg.body if s.tag == tag]


SHIPMENT = {
    "id": "shp_1",
    "external_id": "SHP-0001",
    "order_external_id": "PO7001",
    "node": "ANT1",
    "shipped_at": "2026-03-05T08:00:00+00:00",
    "lines": [
        {"line_no": 1, "sku": "5410000000017", "quantity": "24", "parcel_id": "354000000000000017"},
        {"line_no": 2, "sku": "5410000000024", "quantity": "24", "parcel_id": "P2"},
        {"line_no": 3, "sku": "5410000000031", "quantity": "5"},
    ],
    "parcels": [
        {
            "parcel_id": "354000000000000017",
            "tracking": {"carrier": "DHLPARCEL", "number": "JV1", "service": "EXPRESS"},
        },
        {"parcel_id": "P2", "tracking": {"carrier": "DHLPARCEL", "number": "JV2"}},
    ],
}


def shipment_body() -> dict[str, Any]:
    return {"partner": "nordmart-retail", "order": order_dict(), "shipment": SHIPMENT}


def ack_body(status: str = "backordered") -> dict[str, Any]:
    return {
        "partner": "nordmart-retail",
        "order": order_dict(),
        "status": status,
        "lines": [
            {"line_no": 1, "sku": "5410000000017", "quantity": "24", "accepted_quantity": "24", "status": "accepted"},
            {
                "line_no": 2,
                "sku": "5410000000024",
                "quantity": "24",
                "accepted_quantity": "12",
                "status": "backordered",
            },
            {"line_no": 3, "sku": "5410000000031", "quantity": "5", "accepted_quantity": "0", "status": "backordered"},
        ],
    }


def invoice_body() -> dict[str, Any]:
    return shipment_body() | {
        "invoice_number": "INV0001",
        "invoice_date": "2026-03-05",
        "currency": "EUR",
        "lines": [
            {"line_no": 1, "sku": "5410000000017", "quantity": "24", "unit_price": "4.95", "amount": "118.80"},
            {"line_no": 2, "sku": "5410000000024", "quantity": "24", "unit_price": "2.5", "amount": "60"},
        ],
        "total": "178.80",
    }


# -- rows ---------------------------------------------------------------------------------------------------


def test_ordrsp_echoes_partner_lines_units_and_statuses(tmp_path: Path) -> None:
    msg = check_valid(EdifactShipmentSink(CONFIG, context(tmp_path)).render(message("order_ack", ack_body())))
    assert msg.identifier == "ORDRSP:D:96A:UN" and msg.association == "EAN005"  # overrides.ORDRSP.association
    assert rows_of(msg, "BGM") == [[["231"], [ORDER_ID], ["4"]]]
    assert [["ON", "PO7001"]] in rows_of(msg, "RFF")
    assert rows_of(msg, "LIN") == [
        [["1"], ["5"], ["5410000000017", "EN"]],
        [["2"], ["3"], ["5410000000024", "EN"]],  # changed: half backordered
        [["3"], ["7"], ["5410000000031", "EN"]],  # nothing accepted: not accepted
    ]
    assert rows_of(msg, "QTY") == [
        [["21", "24", "EA"]],
        [["113", "24", "EA"]],
        [["21", "2", "CA"]],  # the partner's unit: 2 cases of 12
        [["113", "1", "CA"]],
        [["83", "1", "CA"]],
        [["21", "5", "EA"]],
    ]
    assert [["1"], ["NM-1002", "IN"], ["SUP-77", "SA"]] in rows_of(msg, "PIA")
    assert rows_of(msg, "PRI") == [[["AAA", "4.95"]], [["AAA", "30"]], [["AAB", "12.50"]]]
    assert rows_of(msg, "CNT") == [[["2", "3"]]]


def test_ordrsp_needs_a_known_status(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as caught:
        EdifactShipmentSink(CONFIG, context(tmp_path)).render(message("order_ack", ack_body("maybe")))
    assert caught.value.location.field == "status"
    accepted = check_valid(
        EdifactShipmentSink(CONFIG, context(tmp_path)).render(message("order_ack", ack_body("accepted")))
    )
    assert rows_of(accepted, "BGM")[0][2] == ["29"]


def test_desadv_packages_tracking_and_partner_units(tmp_path: Path) -> None:
    msg = check_valid(EdifactShipmentSink(CONFIG, context(tmp_path)).render(message("shipment", shipment_body())))
    tags = [s.tag for s in msg.body]
    assert tags.count("CPS") == 4 and tags.count("LIN") == 3  # consignment, two parcels, the loose line
    assert rows_of(msg, "GIN") == [[["BJ"], ["354000000000000017"]]]
    assert rows_of(msg, "RFF") == [[["ON", "PO7001"]], [["CN", "JV1"]], [["CN", "JV2"]]]
    assert rows_of(msg, "TDT") == [[["20"], [""], [""], ["", "EXPRESS"], ["DHLPARCEL"]]]
    assert rows_of(msg, "QTY") == [[["12", "24", "EA"]], [["12", "2", "CA"]], [["12", "5", "EA"]]]
    assert [s.get(2, 1) for s in msg.body if s.tag == "NAD"] == ["5412345000013", "5412345000204", "ANT1"]


def test_desadv_we_send_reads_back_as_the_same_shipment(tmp_path: Path) -> None:
    """Our DESADV, read by our own inbound mapping (as a partner hub would), gives back the shipment."""
    text = EdifactShipmentSink(CONFIG, context(tmp_path)).render(message("shipment", shipment_body()))
    (msg,) = messages_in(text)
    (shipment,) = map_desadv(msg, NORDMART)
    assert (shipment.external_id, shipment.order_external_id) == ("SHP-0001", "PO7001")
    assert shipment.shipped_at == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    assert [(ln.line_no, ln.quantity, ln.parcel_id) for ln in shipment.lines] == [
        (1, Decimal("24"), "354000000000000017"),
        (2, Decimal("24"), "JV2"),  # 2 CA back to 24 EA; the tracked parcel is named by its tracking number
        (3, Decimal("5"), None),
    ]
    assert {p.tracking.number for p in shipment.parcels if p.tracking} == {"JV1", "JV2"}


def test_invoic_prices_in_partner_units_and_totals(tmp_path: Path) -> None:
    msg = check_valid(EdifactShipmentSink(CONFIG, context(tmp_path)).render(message("invoice", invoice_body())))
    assert rows_of(msg, "BGM") == [[["380"], ["INV0001"], ["9"]]]
    assert rows_of(msg, "DTM")[:2] == [[["137", "20260305", "102"]], [["35", "20260305", "102"]]]
    assert rows_of(msg, "QTY") == [[["47", "24", "EA"]], [["47", "2", "CA"]]]
    assert rows_of(msg, "PRI") == [[["AAA", "4.95"]], [["AAA", "30"]]]  # 2.5 an each is 30 a case
    assert rows_of(msg, "MOA") == [[["203", "118.8"]], [["203", "60"]], [["77", "178.8"]], [["79", "178.8"]]]
    assert rows_of(msg, "CUX") == [[["2", "EUR", "4"]]]


def test_invrpt_row(tmp_path: Path) -> None:
    body = {"partner": "berg-supplier", "sku": "ABC1234", "available": "-3", "as_of": "2026-03-05T08:00:00+00:00"}
    msg = check_valid(EdifactStockSink(CONFIG, context(tmp_path)).render(message("stock", body)))
    assert msg.identifier == "INVRPT:D:01B:UN"  # the partner's edifact_version
    assert rows_of(msg, "LIN") == [[["1"], [""], ["ABC1234", "SA"]]]
    assert rows_of(msg, "QTY") == [[["145", "0", "EA"]]]  # never negative


# -- sinks ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "message_type"),
    [("order_ack", "ORDRSP"), ("shipment", "DESADV"), ("invoice", "INVOIC"), ("stock", "INVRPT")],
)
def test_rendered_documents_validate_and_are_addressed(tmp_path: Path, kind: str, message_type: str) -> None:
    bodies = {
        "order_ack": ack_body(),
        "shipment": shipment_body(),
        "invoice": invoice_body(),
        "stock": {"partner": "nordmart-retail", "sku": "X", "available": "4", "as_of": "2026-03-05T08:00:00+00:00"},
    }
    capability = next(c for c in ADAPTER.capabilities if kind in getattr(ADAPTER.implementation(c), "kinds", ()))
    sink = ADAPTER.build(capability, CONFIG, context(tmp_path))
    msg = check_valid(sink.render(message(kind, bodies[kind])))
    assert (msg.type, msg.reference, msg.directory) == (message_type, "41", "D96A")
    interchange = msg.interchange
    assert interchange is not None
    assert (interchange.sender_id, interchange.recipient_id, interchange.recipient_qualifier) == (
        "HUB",
        "5412345000013",
        "14",
    )
    assert (interchange.control_reference, interchange.date, interchange.time, interchange.syntax_id) == (
        "41",
        "260305",
        "0930",
        "UNOC",
    )
    assert DOCUMENTS[kind].message_type == message_type


def test_render_is_deterministic_and_deliver_writes_it(tmp_path: Path) -> None:
    sink = EdifactShipmentSink(CONFIG, context(tmp_path))
    msg = message("shipment", shipment_body(), key="shipment:shp_01HZX5")
    first, again = sink.render(msg), sink.render(msg)
    assert first == again
    sink.deliver(msg)
    path = tmp_path / "outbound" / "edifact-out" / f"shipment-{safe('shipment:shp_01HZX5')}.edi"
    assert path.read_text(encoding="latin-1") == first
    other = sink.render(message("shipment", shipment_body(), numbers={"interchange": 42}))
    assert other != first and "+42'" in other


def test_numbering_scope_per_partner(tmp_path: Path) -> None:
    numbering = EdifactStockSink(CONFIG, context(tmp_path)).numbering(message("stock", {"partner": "berg-supplier"}))
    assert numbering is not None and (numbering.scope, numbering.counters) == (
        "edifact:berg-supplier",
        ("interchange",),
    )


def test_partner_resolution_and_hub_identity(tmp_path: Path) -> None:
    body = {"sku": "A", "available": "1", "as_of": "2026-03-05T08:00:00+00:00"}
    with pytest.raises(ConfigError, match="no partner"):
        EdifactStockSink(CONFIG, context(tmp_path)).render(message("stock", body))
    with pytest.raises(ConfigError, match="nobody"):
        EdifactStockSink(CONFIG, context(tmp_path)).render(message("stock", body | {"partner": "nobody"}))
    default = EdifactStockSink(EdifactConfig(partner="berg-supplier", hub_id="5400000000999:14"), context(tmp_path))
    assert "UNB+UNOC:3+5400000000999:14+BERGWHOLESALE+" in default.render(message("stock", body))
    with pytest.raises(ConfigError, match="interchange reference"):
        EdifactStockSink(CONFIG, context(tmp_path)).render(
            message("stock", body | {"partner": "berg-supplier"}, numbers={})
        )
    with pytest.raises(ConfigError, match="sends stock"):
        EdifactStockSink(CONFIG, context(tmp_path)).render(message("shipment", body | {"partner": "berg-supplier"}))


def test_partner_delimiters_and_test_flag(tmp_path: Path) -> None:
    custom = NORDMART.model_copy(
        update={
            "edifact_delimiters": NORDMART.edifact_delimiters.model_copy(update={"segment": "~", "suffix": ""}),
            "test": True,
        }
    )
    ctx = ConnectionContext(
        connection="edifact-out", channel="edi", hub_home=tmp_path, partners=PartnerDirectory([custom])
    )
    text = EdifactShipmentSink(CONFIG, ctx).render(message("shipment", shipment_body()))
    assert text.startswith("UNA:+.? ~UNB+") and "\n" not in text
    (msg,) = messages_in(text)
    assert msg.interchange is not None and msg.interchange.test


def test_bad_body_is_a_mapping_error_naming_the_field(tmp_path: Path) -> None:
    body = shipment_body()
    body["shipment"] = {**SHIPMENT, "shipped_at": "yesterday"}
    with pytest.raises(MappingError) as caught:
        EdifactShipmentSink(CONFIG, context(tmp_path)).render(message("shipment", body))
    assert caught.value.location.field == "shipment.shipped_at"
    body = shipment_body()
    body["shipment"] = {**SHIPMENT, "lines": [{"sku": "X", "quantity": "1"}]}
    with pytest.raises(MappingError) as caught:
        EdifactShipmentSink(CONFIG, context(tmp_path)).render(message("shipment", body))
    assert caught.value.location.field == "shipment.lines.0.line_no"


def test_sinks_declare_the_kinds_of_the_contract() -> None:
    kinds = {c: ADAPTER.implementation(c).kinds for c in ADAPTER.capabilities if c != Capability.FILE_PARSER}
    assert kinds == {
        Capability.ORDER_SINK: frozenset({"order_release"}),
        Capability.SHIPMENT_SINK: frozenset({"shipment", "invoice", "order_ack"}),
        Capability.STOCK_SINK: frozenset({"stock"}),
        Capability.ACK_SINK: frozenset({"ack"}),
    }


def test_a_document_breaking_its_definition_is_not_sent(tmp_path: Path) -> None:
    body = invoice_body() | {"invoice_number": "INV-" + "9" * 80}  # BGM 1004 holds 70 characters (mappings/edifact)
    sink = EdifactShipmentSink(CONFIG, context(tmp_path))
    with pytest.raises(MappingError) as caught:
        sink.deliver(message("invoice", body))
    assert (caught.value.code, caught.value.location.segment) == ("edifact_definition", "BGM")
    assert not (tmp_path / "outbound").exists()


def release_body() -> dict[str, Any]:
    return order_dict() | {
        "partner": "delta-3pl",
        "node": "ANT1",
        "shipment": {
            "number": 1,
            "of": 2,
            "node": "ANT1",
            "carrier": "DHLPARCEL",
            "service": "EXPRESS",
            "lines": [{"line_no": 1, "quantity": "24"}, {"line_no": 3, "quantity": "5"}],
        },
    }


def test_order_release_to_a_3pl_and_its_despatch_maps_back(tmp_path: Path) -> None:
    """ORDERS to the 3PL names the hub order in BGM 1004; the 3PL's DESADV echoes it in RFF+ON and LIN 1082."""
    text = EdifactOrderSink(CONFIG, context(tmp_path)).render(message("order_release", release_body()))
    msg = check_valid(text)
    assert msg.identifier == "ORDERS:D:96A:UN" and msg.interchange is not None
    assert msg.interchange.recipient_id == "DELTA3PL"
    assert rows_of(msg, "BGM") == [[["220"], [ORDER_ID], ["9"]]]
    assert rows_of(msg, "RFF") == [[["CR", "PO7001"]], [["AAS", "1/2"]]]
    assert rows_of(msg, "LIN") == [[["1"], [""], ["5410000000017", "SA"]], [["3"], [""], ["5410000000031", "SA"]]]
    assert rows_of(msg, "QTY") == [[["21", "24", "EA"]], [["21", "5", "EA"]]]
    assert [s.get(1) for s in msg.body if s.tag == "NAD"] == ["DP", "SF"]
    reply = "\n".join(
        [
            "UNB+UNOC:3+DELTA3PL+HUB+260306:1000+4500'",
            "UNH+1+DESADV:D:96A:UN'",
            "BGM+351+DSP-9+9'",
            "DTM+11:20260306:102'",
            f"RFF+ON:{rows_of(msg, 'BGM')[0][1][0]}'",
            "LIN+1++5410000000017:SA'",
            "QTY+12:24'",
            "UNT+7+1'",
            "UNZ+1+4500'",
        ]
    )
    (answer,) = messages_in(reply)
    (shipment,) = map_desadv(answer, DELTA)
    assert shipment.order_external_id == ORDER_ID and shipment.lines[0].line_no == 1


def test_order_release_needs_known_lines_and_a_short_id(tmp_path: Path) -> None:
    sink = EdifactOrderSink(CONFIG, context(tmp_path))
    body = release_body()
    body["shipment"] = {**body["shipment"], "lines": [{"line_no": 9, "quantity": "1"}]}
    with pytest.raises(MappingError) as caught:
        sink.render(message("order_release", body))
    assert caught.value.location.field == "shipment.lines.0.line_no"
    with pytest.raises(MappingError) as caught:
        sink.render(message("order_release", release_body() | {"id": "ord_" + "X" * 40}))
    assert caught.value.location.field == "id"
