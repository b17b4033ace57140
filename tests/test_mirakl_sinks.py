"""Mirakl write-backs, asserting the exact requests: OR23 + OR24, OR29/OR30, STO01; and their errors."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from adapters.mirakl.orders import OrderMapper
from hub.channels import SkuMap, TokenBucket
from hub.errors import ConfigError, RateLimited, RecordError, TransientError
from hub.model import OrderStatus
from hub.plugins.messages import OutboundMessage
from hub.shipments.notices import order_body
from tests.test_mirakl_fake import API_KEY, CHANNEL, FakeMirakl, fixture, make_order, shipment_sink, stock_sink

ORDER_ID = "88123-0041-A"


def hub_order(status: str) -> dict[str, Any]:
    """The order as a shipment message carries it (hub.shipments.notices.order_body of the mapped order)."""
    data = fixture("orders/shipping_two_lines.json")
    order = OrderMapper(channel=CHANNEL, tenant="default", sku_map=SkuMap.identity()).order(
        data, "x", order_id=ORDER_ID, updated=datetime(2026, 11, 3, 8, 10, 2, tzinfo=UTC)
    )
    return order_body(order.model_copy(update={"id": "ord_1", "status": OrderStatus(status)}))


def shipment_message(
    status: str = "shipped", carrier: str = "UPS", attempt: int = 1, **tracking: Any
) -> OutboundMessage:
    parcel = {"parcel_id": "P1", "tracking": {"carrier": carrier, "number": "1Z999AA10123456784", **tracking}}
    body = {
        "order": hub_order(status),
        "shipment": {
            "id": "shp_1",
            "lines": [{"line_no": 1, "sku": "TSHIRT-RED-M", "quantity": "2"}],
            "parcels": [parcel],
        },
    }
    return OutboundMessage(
        id="out_1",
        kind="shipment",
        connection="mirakl-acme",
        idempotency_key="shipment:shp_1",
        body=body,
        attempt=attempt,
    )


def shop() -> FakeMirakl:
    fake = FakeMirakl()
    fake.orders.append(make_order(ORDER_ID, datetime(2026, 11, 3, 8, 10, 2, tzinfo=UTC)))
    return fake


def test_full_shipment_sends_tracking_then_ship() -> None:
    fake = shop()
    shipment_sink(fake, carrier_codes={"UPS": "ups"}, shop_id=2041).deliver(shipment_message())
    tracking, ship = fake.calls
    assert (tracking.method, tracking.path, tracking.params) == (
        "PUT",
        f"/api/orders/{ORDER_ID}/tracking",
        {"shop_id": "2041"},
    )
    assert tracking.headers["authorization"] == API_KEY and tracking.headers["content-type"] == "application/json"
    assert tracking.json() == {"carrier_code": "ups", "tracking_number": "1Z999AA10123456784"}
    assert (ship.method, ship.path, ship.body) == ("PUT", f"/api/orders/{ORDER_ID}/ship", b"")
    assert fake.orders[0]["order_state"] == "SHIPPED"


def test_unregistered_carrier_goes_by_name_and_url() -> None:
    fake = shop()
    message = shipment_message(carrier="Colis Express", url="https://track.colis.example/1Z999AA10123456784")
    shipment_sink(fake).deliver(message)
    assert fake.calls[0].json() == {
        "carrier_name": "Colis Express",
        "carrier_url": "https://track.colis.example/1Z999AA10123456784",
        "tracking_number": "1Z999AA10123456784",
    }


def test_partial_shipment_sends_tracking_only() -> None:
    fake = shop()
    shipment_sink(fake).deliver(shipment_message(status="partially_shipped"))
    assert [(c.method, c.path) for c in fake.calls] == [("PUT", f"/api/orders/{ORDER_ID}/tracking")]
    assert fake.orders[0]["order_state"] == "SHIPPING"


def test_retry_after_a_lost_ship_answer_does_not_ship_twice() -> None:
    fake = shop()
    fake.orders[0]["order_state"] = "SHIPPED"  # the first attempt's OR24 went through, its answer was lost
    shipment_sink(fake).deliver(shipment_message(attempt=2))
    assert [(c.method, c.path) for c in fake.calls] == [
        ("PUT", f"/api/orders/{ORDER_ID}/tracking"),
        ("GET", "/api/orders"),
    ]
    assert fake.calls[1].params["order_ids"] == ORDER_ID


def test_ship_refused_is_a_record_error_with_the_request_id() -> None:
    fake = shop()
    fake.fail_next(
        httpx.Response(204),
        httpx.Response(400, json={"message": "Order is not in SHIPPING"}, headers={"x-mirakl-request-id": "rq-77"}),
    )
    with pytest.raises(RecordError) as caught:
        shipment_sink(fake).deliver(shipment_message())
    assert caught.value.code == "http_400" and "rq-77" in caught.value.message
    assert "SHIPPING" in caught.value.message


@pytest.mark.parametrize(
    ("answer", "error", "code"),
    [
        (httpx.Response(429, headers={"Retry-After": "12"}), RateLimited, "http_429"),
        (httpx.Response(500), TransientError, "http_500"),
        (httpx.Response(403, json={"message": "Forbidden"}), ConfigError, "http_403"),
    ],
)
def test_sink_errors_say_what_to_do(answer: httpx.Response, error: type, code: str) -> None:
    fake = shop()
    fake.fail_next(answer)
    with pytest.raises(error) as caught:
        shipment_sink(fake).deliver(shipment_message())
    assert caught.value.code == code
    assert API_KEY not in str(caught.value)


def test_hub_cancellation_of_the_whole_order_is_or29() -> None:
    fake = shop()
    body = {"order": hub_order("cancelled"), "reason": "customer asked"}
    message = OutboundMessage(id="o2", kind="order_cancel", connection="c", idempotency_key="order_cancel:1", body=body)
    shipment_sink(fake).deliver(message)
    (call,) = fake.calls
    assert (call.method, call.path, call.body) == ("PUT", f"/api/orders/{ORDER_ID}/cancel", b"")
    assert fake.orders[0]["order_state"] == "CANCELED"


def test_hub_cancellation_of_lines_is_or30_with_amounts_and_taxes() -> None:
    fake = shop()
    body = {"order": hub_order("allocated"), "line_nos": [1]}
    message = OutboundMessage(id="o3", kind="order_cancel", connection="c", idempotency_key="order_cancel:2", body=body)
    shipment_sink(fake, cancel_reason_code="34").deliver(message)
    (call,) = fake.calls
    assert (call.method, call.path) == ("PUT", "/api/orders/cancel")
    assert call.json() == {
        "cancelations": [
            {
                "order_line_id": f"{ORDER_ID}-1",
                "quantity": 2,
                "amount": Decimal("39.8"),
                "shipping_amount": Decimal("4.9"),
                "reason_code": "34",
                "currency_iso_code": "EUR",
                "taxes": [{"amount": Decimal("6.63"), "code": "TVA_FR_20"}],
                "shipping_taxes": [{"amount": Decimal("0.82"), "code": "TVA_FR_20"}],
            }
        ]
    }
    with pytest.raises(ConfigError, match="cancel_reason_code"):
        shipment_sink(fake).deliver(message)


# -- stock ------------------------------------------------------------------------------------------------


def stock_message(sku: str, available: str) -> OutboundMessage:
    return OutboundMessage(
        id="s1",
        kind="stock",
        connection="mirakl-acme",
        idempotency_key=f"stock:{sku}",
        body={"sku": sku, "available": available, "as_of": "2026-11-10T12:00:00+00:00"},
    )


def multipart_file(call) -> bytes:
    """The uploaded file's bytes from a multipart body (the part named `file`)."""
    boundary = call.headers["content-type"].split("boundary=")[1].encode()
    for part in call.body.split(b"--" + boundary):
        if b'name="file"' in part:
            return part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0]
    raise AssertionError("no file part")


def test_stock_is_a_sto01_import_of_quantity_only() -> None:
    fake = FakeMirakl()
    table = SkuMap("acme", {"TSHIRT-RED-M": "SKU-1001"})
    stock_sink(fake, sku_map=table, shop_id=2041).deliver(stock_message("SKU-1001", "17.6"))
    (call,) = fake.calls
    assert (call.method, call.path, call.params) == ("POST", "/api/offers/stock/imports", {"shop_id": "2041"})
    assert call.headers["authorization"] == API_KEY
    assert call.headers["content-type"].startswith("multipart/form-data")
    assert b'filename="stock.csv"' in call.body
    # only the offer SKU and its quantity: no price, state or other offer field that OF24 would reset
    assert multipart_file(call) == b'"offer-sku";"quantity"\n"TSHIRT-RED-M";"17"\n'
    assert not fake.requests(path="/api/offers") and not fake.requests(path="/api/offers/imports")


def test_stock_per_warehouse_and_never_negative() -> None:
    fake = FakeMirakl()
    stock_sink(fake, warehouse_code="WH-LYON").deliver(stock_message("MUG-BLUE", "-3"))
    assert multipart_file(fake.calls[0]) == b'"offer-sku";"quantity";"warehouse-code"\n"MUG-BLUE";"0";"WH-LYON"\n'


def test_stock_of_a_sku_the_channel_does_not_sell_is_not_sent() -> None:
    fake = FakeMirakl()
    stock_sink(fake, sku_map=SkuMap("acme", {"TSHIRT-RED-M": "SKU-1001"})).deliver(stock_message("SKU-9", "4"))
    assert fake.calls == []


def test_stock_imports_are_paced_without_blocking() -> None:
    fake = FakeMirakl()
    now = [0.0]
    imports = TokenBucket(1 / 60, 1, clock=lambda: now[0], sleep=lambda s: pytest.fail("the sink must not sleep"))
    sink = stock_sink(fake, imports=imports)
    sink.deliver(stock_message("A", "1"))
    with pytest.raises(RateLimited) as caught:
        sink.deliver(stock_message("B", "2"))
    assert 59 <= (caught.value.retry_after or 0) <= 60
    assert len(fake.calls) == 1
    now[0] = 61.0
    sink.deliver(stock_message("B", "2"))
    assert len(fake.calls) == 2


def test_bad_stock_message_is_a_record_error() -> None:
    with pytest.raises(RecordError):
        stock_sink(FakeMirakl()).deliver(stock_message("A", "lots"))
