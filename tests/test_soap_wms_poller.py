"""The SOAP WMS poller against the simulators: despatches and stock levels after a closed-lower-bound cursor, paging,
the lag cap, parsing into Shipment / StockLevel, and polls that fail without moving the cursor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.soap_wms import SoapPoller, SoapWmsConfig
from adapters.soap_wms.poller import FETCHED_HEADER, stamp
from fixtures.soap_wms.peoplevox_sim import PeoplevoxSimulator
from fixtures.soap_wms.plain_sim import PlainWarehouseSimulator
from hub.errors import ConfigError, DecodeError, MappingError, RecordError, TransientError
from hub.model import Shipment, StockLevel
from hub.plugins.messages import Cursor, RawMessage
from tests.test_soap_wms_client import FIXTURES, context, plain, plain_options, pvx, pvx_options

__all__ = ["plain", "pvx"]  # fixtures used here

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def pvx_poller(url: str, **extra: object) -> SoapPoller:
    return SoapPoller(SoapWmsConfig(**pvx_options(url, **extra)), context("pvx", "pvx:berlin"))


def drain(make: object, cursor: Cursor, limit: int) -> tuple[list[str], Cursor, int]:
    seen: list[str] = []
    polls = 0
    while True:
        page = make().poll(cursor, limit=limit)  # type: ignore[operator]
        polls += 1
        seen += [m.transport_id or "" for m in page.messages]
        cursor = page.next_cursor
        if not page.has_more:
            return seen, cursor, polls


def test_despatches_page_by_page_neither_skip_nor_repeat(pvx: PeoplevoxSimulator) -> None:
    # three despatches share one second: the boundary ids keep the closed lower bound exact
    for n in range(7):
        at = T0 + timedelta(minutes=n if n < 4 else 4)
        pvx.add_despatch(f"ord_{n}", [("MUG-BLUE", 1), ("TSHIRT-RED-M", 1)], carrier="DPD", tracking=f"T{n}", at=at)
    seen, end, polls = drain(lambda: pvx_poller(pvx.url, page_size=3), Cursor(), 2)
    assert [s.split(":")[1].split("@")[0] for s in seen] == [f"DES{1001 + n}" for n in range(7)]
    assert polls == 4
    assert end.lower == stamp(T0 + timedelta(minutes=4)) and end.seen_at_lower == {"DES1005", "DES1006", "DES1007"}
    assert pvx_poller(pvx.url).poll(end, limit=2).messages == []
    pvx.add_despatch("ord_late", [("MUG-BLUE", 1)], at=T0 + timedelta(minutes=4))  # same second, new id
    (late,) = pvx_poller(pvx.url).poll(end, limit=2).messages
    assert late.transport_id.startswith("despatches:DES1008@")


def test_a_despatch_split_across_pages_stays_one_message(pvx: PeoplevoxSimulator) -> None:
    pvx.add_despatch("ord_big", [(f"SKU-{i}", 1) for i in range(5)], at=T0)
    pvx.add_despatch("ord_next", [("MUG-BLUE", 1)], at=T0 + timedelta(seconds=1))
    page = pvx_poller(pvx.url, page_size=2).poll(Cursor(), limit=10)
    assert len(page.messages) == 2
    shipment = pvx_poller(pvx.url).parse(page.messages[0]).documents[0]
    assert isinstance(shipment, Shipment) and [ln.sku for ln in shipment.lines] == [f"SKU-{i}" for i in range(5)]


def test_despatch_parses_into_a_shipment_of_the_node(pvx: PeoplevoxSimulator) -> None:
    pvx.add_despatch("ord_1", [("MUG-BLUE", 2), ("TSHIRT-RED-M", 1)], carrier="Royal Mail", tracking="RM1GB", at=T0)
    poller = pvx_poller(pvx.url)
    (message,) = poller.poll(Cursor(), limit=5).messages
    assert message.content_type == "text/csv" and message.headers["x-hub-soap-stream"] == "despatches"
    (shipment,) = poller.parse(message).documents
    assert shipment == Shipment(
        source="pvx:berlin",
        external_id="DES1001",
        order_external_id="ord_1",
        node="BER",
        shipped_at=T0,
        lines=[
            {"line_no": 1, "sku": "MUG-BLUE", "quantity": Decimal(2)},
            {"line_no": 2, "sku": "TSHIRT-RED-M", "quantity": Decimal(1)},
        ],
        parcels=[{"parcel_id": "RM1GB", "tracking": {"carrier": "Royal Mail", "number": "RM1GB"}}],
    )


def test_lag_keeps_the_newest_for_the_next_poll(pvx: PeoplevoxSimulator) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    pvx.add_despatch("ord_old", [("MUG-BLUE", 1)], at=now - timedelta(minutes=5))
    pvx.add_despatch("ord_new", [("MUG-BLUE", 1)], at=now)
    poller = SoapPoller(SoapWmsConfig(**pvx_options(pvx.url, lag_seconds=60)), context(), clock=lambda: now)
    page = poller.poll(Cursor(), limit=10)
    assert [m.transport_id.split("@")[0] for m in page.messages] == ["despatches:DES1001"]
    later = SoapPoller(
        SoapWmsConfig(**pvx_options(pvx.url, lag_seconds=60)), context(), clock=lambda: now + timedelta(minutes=2)
    )
    assert [m.transport_id.split("@")[0] for m in later.poll(page.next_cursor, limit=10).messages] == [
        "despatches:DES1002"
    ]


def test_stock_levels_come_as_one_snapshot_message_per_page(pvx: PeoplevoxSimulator) -> None:
    pvx.set_stock("MUG-BLUE", 7, at=T0)
    pvx.set_stock("TSHIRT-RED-M", "3.5", at=T0 + timedelta(minutes=1))
    fetched = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    poller = SoapPoller(SoapWmsConfig(**pvx_options(pvx.url, poll="stock")), context(), clock=lambda: fetched)
    page = poller.poll(Cursor(), limit=100)
    (message,) = page.messages
    assert message.headers[FETCHED_HEADER] == stamp(fetched)
    levels = poller.parse(message).documents
    assert levels == [
        StockLevel(node="BER", sku="MUG-BLUE", on_hand=Decimal(7), as_of=fetched),
        StockLevel(node="BER", sku="TSHIRT-RED-M", on_hand=Decimal("3.5"), as_of=fetched),
    ]
    assert page.next_cursor.seen_at_lower == {"TSHIRT-RED-M"}
    assert poller.poll(page.next_cursor, limit=100).messages == []


def test_plain_service_despatches_and_stock(plain: PlainWarehouseSimulator) -> None:
    plain.set_stock("MUG-BLUE", 100)
    for n in range(5):
        plain.add_despatch(f"ord_{n}", [("MUG-BLUE", n + 1)], carrier="DHL", tracking=f"JJD{n}", at=T0)  # one time
    make = lambda: SoapPoller(SoapWmsConfig(**plain_options(plain.url, page_size=2)), context())  # noqa: E731
    seen, end, _ = drain(make, Cursor(), 2)
    assert [s.split("@")[0] for s in seen] == [f"despatches:DES{1001 + n}" for n in range(5)]
    assert make().poll(end, limit=2).messages == []
    poller = make()
    (first,) = poller.poll(Cursor(), limit=1).messages
    (shipment,) = poller.parse(first).documents
    assert (shipment.external_id, shipment.order_external_id, shipment.shipped_at) == ("DES1001", "ord_0", T0)
    assert shipment.parcels[0].tracking.number == "JJD0" and shipment.lines[0].quantity == 1
    stock = SoapPoller(SoapWmsConfig(**plain_options(plain.url, poll="stock")), context())
    (message,) = stock.poll(Cursor(), limit=10).messages
    assert [(lv.sku, lv.on_hand) for lv in stock.parse(message).documents] == [("MUG-BLUE", Decimal(85))]


def test_failed_polls_raise_typed_errors(pvx: PeoplevoxSimulator) -> None:
    pvx.add_despatch("ord_1", [("MUG-BLUE", 1)], at=T0)
    poller = pvx_poller(pvx.url)
    pvx.fail_next("busy", operation="GetData")
    with pytest.raises(TransientError):
        poller.poll(Cursor(), limit=5)
    assert len(poller.poll(Cursor(), limit=5).messages) == 1
    with pytest.raises(ConfigError):
        pvx_poller(pvx.url, password="nope").poll(Cursor(), limit=5)


@pytest.mark.parametrize("name", ["bad-date.csv", "ragged.csv", "no-number.csv"])
def test_malformed_stored_despatches_are_refused(pvx: PeoplevoxSimulator, name: str) -> None:
    body = (FIXTURES / "malformed" / name).read_bytes()
    message = RawMessage(body=body, connection="pvx", transport="poll", filename=name)
    with pytest.raises(RecordError) as info:
        pvx_poller(pvx.url).parse(message)
    assert isinstance(info.value, DecodeError | MappingError) or info.value.code == "validation_error"
    assert str(info.value)


def test_despatch_without_tracking_has_no_tracked_parcel(pvx: PeoplevoxSimulator) -> None:
    body = (FIXTURES / "despatches" / "DES2002.csv").read_bytes()
    (shipment,) = pvx_poller(pvx.url).parse(RawMessage(body=body, connection="pvx", filename="DES2002.csv")).documents
    assert shipment.parcels == [] and [ln.sku for ln in shipment.lines] == ["TSHIRT-RED-M", "MUG, BLUE XL"]


def test_parsing_needs_no_server() -> None:
    body = (FIXTURES / "despatches" / "DES2001.csv").read_bytes()
    poller = SoapPoller(SoapWmsConfig(**pvx_options("http://127.0.0.1:9/down")), context())
    (shipment,) = poller.parse(RawMessage(body=body, connection="pvx", filename="DES2001.csv")).documents
    assert shipment.external_id == "DES2001" and shipment.shipped_at == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_every_fixture_file_is_used() -> None:
    assert {p.name for p in (FIXTURES / "despatches").iterdir()} == {"DES2001.csv", "DES2002.csv"}
    assert Path(FIXTURES / "README.md").is_file()


def test_a_naive_service_time_is_utc_whatever_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """parse_time reads a naive time as UTC; the record body keeps the same instant (not the host's local time)."""
    import time

    from adapters.soap_wms.dialects import _text

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert _text({"at": datetime(2026, 1, 1, 12, 0)}) == {"at": "2026-01-01T12:00:00+00:00"}
    finally:
        monkeypatch.undo()
        time.tzset()
