"""Shopify write-backs against the simulated Admin API: exact requests, compare-and-set, idempotency, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.shopify import ShopifyConfig, ShopifyShipmentSink, ShopifyStockSink, ShopifyWebhooks
from adapters.shopify.simulator import FakeShop
from hub.errors import ConfigError, RecordError, TransientError
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import OutboundMessage, RawMessage

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "shopify"
CTX = ConnectionContext(connection="shop1", channel="shopify:example")


def config(shop: FakeShop, **options: object) -> ShopifyConfig:
    return ShopifyConfig(shop=shop.shop, access_token=shop.token, location_id="905684977", **options)


def order_body() -> dict:
    body = (FIXTURES / "webhook-orders-create-5001.json").read_bytes()
    message = RawMessage(body=body, connection="shop1", headers={"x-shopify-topic": "orders/create"})
    order = ShopifyWebhooks(ShopifyConfig(shop="example.myshopify.com", access_token="x"), CTX).parse(message)
    return order.documents[0].model_dump(mode="json")


def shop_with_order() -> FakeShop:
    shop = FakeShop()
    shop.add_order(json.loads((FIXTURES / "graphql" / "order-5001.json").read_text()))
    return shop


def msg(kind: str, body: dict, key: str = "k-1") -> OutboundMessage:
    return OutboundMessage(id="out_1", kind=kind, connection="shop1", idempotency_key=key, body=body)


def test_fulfillment_twice_creates_one_fulfillment() -> None:
    shop = shop_with_order()
    sink = ShopifyShipmentSink(config(shop, notify_customer=True), CTX, client=shop.client(), sleep=lambda s: None)
    shipment = {
        "lines": [
            {"line_no": 1, "sku": "TSHIRT-RED-M", "quantity": "2"},
            {"line_no": 2, "sku": "MUG-BLUE", "quantity": "1"},
        ],
        "parcels": [
            {"tracking": {"carrier": "UPS", "number": "1Z1"}},
            {"tracking": {"carrier": "UPS", "number": "1Z2"}},
        ],
    }
    sink.deliver(msg("shipment", {"order": order_body(), "shipment": shipment}))
    sink.deliver(msg("shipment", {"order": order_body(), "shipment": shipment}))  # a retry after a lost answer
    assert len(shop.fulfillments) == 1
    sent = shop.requests[1]
    assert sent.operation == "HubFulfillmentCreate" and sent.method == "POST"
    assert sent.variables["fulfillment"] == {
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/5001",
                "fulfillmentOrderLineItems": [
                    {"id": "gid://shopify/FulfillmentOrderLineItem/50011", "quantity": 2},
                    {"id": "gid://shopify/FulfillmentOrderLineItem/50012", "quantity": 1},
                ],
            }
        ],
        "notifyCustomer": True,
        "trackingInfo": {"company": "UPS", "numbers": ["1Z1", "1Z2"]},
    }


def test_cancel_sends_order_cancel_and_already_cancelled_is_done() -> None:
    shop = shop_with_order()
    sink = ShopifyShipmentSink(config(shop), CTX, client=shop.client())
    sink.deliver(msg("order_cancel", {"order": order_body(), "reason": "out of stock", "reason_code": "inventory"}))
    sink.deliver(msg("order_cancel", {"order_external_id": "5001"}))
    assert shop.cancelled == ["5001"]
    assert shop.requests[0].variables == {
        "orderId": "gid://shopify/Order/5001",
        "reason": "INVENTORY",
        "restock": True,
        "notifyCustomer": False,
        "staffNote": "out of stock",
        "refundMethod": {"originalPaymentMethodsRefund": False},
    }
    assert [r.operation for r in shop.requests[1:]] == ["HubOrderCancel", "HubOrderCancelled"]
    with pytest.raises(RecordError, match="order edit"):
        sink.deliver(msg("order_cancel", {"order_external_id": "5001", "line_nos": [2]}))
    with pytest.raises(RecordError) as err:
        sink.deliver(msg("order_cancel", {"order_external_id": "404"}))
    assert err.value.code == "cancel_refused" and "NOT_FOUND" in err.value.message


def test_stock_compare_and_set_with_idempotency_key() -> None:
    shop = FakeShop(inventory={"MUG-BLUE": {"item": "gid://shopify/InventoryItem/808950810", "available": 6}})
    sink = ShopifyStockSink(config(shop), CTX, client=shop.client())
    sink.deliver(msg("stock", {"sku": "MUG-BLUE", "available": "4"}))
    assert shop.inventory["MUG-BLUE"]["available"] == 4
    sent = shop.requests[-1]
    assert sent.operation == "HubSetQuantities" and "@idempotent(key: $key)" in sent.query
    assert sent.variables["input"]["quantities"] == [
        {
            "inventoryItemId": "gid://shopify/InventoryItem/808950810",
            "locationId": "gid://shopify/Location/905684977",
            "quantity": 4,
            "changeFromQuantity": 6,
        }
    ]
    assert sent.variables["input"]["name"] == "available" and sent.variables["key"]
    before = len(shop.requests)
    sink.deliver(msg("stock", {"sku": "MUG-BLUE", "available": "4"}))  # already right: read only
    assert [r.operation for r in shop.requests[before:]] == ["HubVariantLevel"]


def test_stale_quantity_is_transient_and_old_versions_use_compare_quantity() -> None:
    shop = FakeShop(inventory={"MUG-BLUE": {"item": "gid://shopify/InventoryItem/1", "available": 6}})
    sink = ShopifyStockSink(config(shop, api_version="2025-10"), CTX, client=shop.client())
    original = shop._op_HubVariantLevel

    def racing(v: dict) -> dict:  # someone sells one between our read and our write
        answer = original(v)
        shop.inventory["MUG-BLUE"]["available"] = 5
        return answer

    shop._op_HubVariantLevel = racing  # type: ignore[method-assign]
    with pytest.raises(TransientError) as err:
        sink.deliver(msg("stock", {"sku": "MUG-BLUE", "available": "9"}))
    assert err.value.code == "stale_quantity"
    sent = shop.requests[-1]
    assert (
        sent.variables["input"]["quantities"][0]["compareQuantity"] == 6 and "key" not in sent.variables
    )  # no @idempotent before 2026-01


def test_stock_errors() -> None:
    shop = FakeShop()
    with pytest.raises(ConfigError):
        ShopifyStockSink(ShopifyConfig(shop=shop.shop, access_token=shop.token), CTX, client=shop.client()).deliver(
            msg("stock", {"sku": "X", "available": "1"})
        )
    sink = ShopifyStockSink(config(shop), CTX, client=shop.client())
    with pytest.raises(RecordError) as err:
        sink.deliver(msg("stock", {"sku": "NOPE", "available": "1"}))
    assert err.value.code == "sku_not_in_shop"
    shop.token = "revoked"
    with pytest.raises(ConfigError):
        sink.deliver(msg("stock", {"sku": "NOPE", "available": "1"}))
