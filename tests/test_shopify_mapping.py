"""Shopify order mapping: webhook (REST) and poll (GraphQL) shapes, the corpus samples, the HMAC test vector."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.shopify import ShopifyConfig, ShopifyPoller, ShopifyWebhooks, signature
from hub.channels import SkuMap, UnknownSku
from hub.errors import ConfigError, DecodeError, MappingError, RecordError
from hub.model import Order
from hub.model.documents import Cancellation
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import RawMessage

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "shopify"
CORPUS = ROOT.parent / "shared" / "corpus" / "shopify"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/shopify is not present")
VECTOR_SECRET = "c12092f264d049ffb681e7b27ac41015"
VECTOR_HMAC = "t3OdIH21X6GhKDd2WC3sxKGIpxDEjCuMQyqkhiGpDzI="
CONTEXT = ConnectionContext(connection="shop1", channel="shopify:example")


def receiver(**options: object) -> ShopifyWebhooks:
    config = ShopifyConfig(shop="jsmith.myshopify.com", access_token="shpat_x", webhook_secret=VECTOR_SECRET, **options)
    return ShopifyWebhooks(config, CONTEXT)


def poller() -> ShopifyPoller:
    return ShopifyPoller(ShopifyConfig(shop="jsmith.myshopify.com", access_token="shpat_x"), CONTEXT)


def webhook(body: bytes, topic: str = "orders/create", name: str = "evt-1") -> RawMessage:
    return RawMessage(
        body=body, connection="shop1", transport="webhook", transport_id=name, headers={"x-shopify-topic": topic}
    )


def polled(body: bytes) -> RawMessage:
    return RawMessage(body=body, connection="shop1", transport="poll", transport_id="poll-1")


@needs_corpus
def test_corpus_hmac_test_vector_verifies_and_a_changed_byte_does_not() -> None:
    body = (CORPUS / "orders_create.json").read_bytes()
    assert signature(VECTOR_SECRET, body) == VECTOR_HMAC
    receiver().verify({"X-Shopify-Hmac-Sha256": VECTOR_HMAC}, body)
    with pytest.raises(ConfigError) as bad:
        receiver().verify({"X-Shopify-Hmac-Sha256": VECTOR_HMAC}, body.replace(b"#9999", b"#9998"))
    assert bad.value.code == "bad_signature" and VECTOR_SECRET not in str(bad.value)
    with pytest.raises(ConfigError) as missing:
        receiver().verify({}, body)
    assert missing.value.code == "missing_signature"
    with pytest.raises(ConfigError) as wrong:
        receiver().verify({"X-Shopify-Hmac-Sha256": VECTOR_HMAC, "X-Shopify-Shop-Domain": "other.myshopify.com"}, body)
    assert wrong.value.code == "wrong_shop"


@needs_corpus
def test_corpus_webhook_body_maps_to_order_and_cancellation() -> None:
    docs = receiver().parse(webhook((CORPUS / "orders_create.json").read_bytes())).documents
    order, cancel = docs
    assert isinstance(order, Order) and isinstance(cancel, Cancellation)
    assert order.external_id == "820982911946154508" and order.source == "shopify:example"
    assert order.revision == 0  # a cancelled order never replaces a stored revision; the cancellation applies
    assert [(ln.sku, ln.quantity, ln.unit_price) for ln in order.lines] == [
        ("IPOD2008PINK", Decimal(1), Decimal("199.00")),
        ("IPOD2008PINK", Decimal(1), Decimal("199.00")),
    ]
    assert order.currency == "USD"
    assert order.ship_to.name == "Steve Shipper" and order.ship_to.region == "KY" and order.ship_to.country_code == "US"
    assert order.customer is not None and order.customer.name == "John Smith"
    shopify = order.attributes["shopify"]
    assert shopify["shipping_lines"] == [{"title": "Generic Shipping", "code": "", "amount": "10.00"}]
    assert shopify["total_discounts"] == "5.00" and shopify["lines"][0]["line_item_id"] == "866550311766439020"
    assert cancel.order_external_id == "820982911946154508" and "customer" in (cancel.reason or "")
    assert cancel.revision == 694310400  # 2021-12-31T19:00:00-05:00 in seconds since 2000-01-01Z


@needs_corpus
def test_same_order_by_webhook_and_by_poll_is_the_same_canonical_order() -> None:
    rest = receiver().parse(webhook((CORPUS / "orders_create.json").read_bytes())).documents
    graph = poller().parse(polled((FIXTURES / "graphql" / "corpus-order-820982911946154508.json").read_bytes()))
    assert rest == graph.documents


@pytest.mark.parametrize("order_id", ["5001", "5002", "5003"])
def test_own_fixtures_equal_in_both_shapes(order_id: str) -> None:
    name = next(FIXTURES.glob(f"webhook-*-{order_id}.json"))
    rest = receiver().parse(webhook(name.read_bytes())).documents
    graph = poller().parse(polled((FIXTURES / "graphql" / f"order-{order_id}.json").read_bytes())).documents
    assert rest == graph
    assert rest[0].external_id == order_id


def test_taxes_discounts_and_revision_from_updated_at() -> None:
    order = receiver().parse(webhook((FIXTURES / "webhook-orders-create-5001.json").read_bytes())).documents[0]
    assert order.revision == 825754500  # 2026-03-02T08:15:00Z
    attrs = order.attributes["shopify"]
    assert attrs["tax_lines"] == [{"title": "MwSt", "rate": "0.19", "amount": "3.19"}]
    assert attrs["discount_codes"] == ["SPRING2"] and attrs["lines"][0]["discount"] == "2.00"
    assert attrs["lines"][0]["taxes"] == [{"title": "MwSt", "rate": "0.19", "amount": "2.87"}]
    assert order.lines[0].unit_price == Decimal("9.95") and order.ship_to.line2 is None


def test_later_update_has_a_higher_revision() -> None:
    data = json.loads((FIXTURES / "webhook-orders-create-5001.json").read_text())
    first = receiver().parse(webhook(json.dumps(data).encode())).documents[0]
    data["updated_at"] = "2026-03-02T09:15:01+01:00"
    later = receiver().parse(webhook(json.dumps(data).encode())).documents[0]
    assert later.revision == first.revision + 1


def test_sku_map_applies_and_unknown_sku_is_a_record_error(tmp_path: Path) -> None:
    (tmp_path / "shop1.yaml").write_text("name: shop1\nskus:\n  TSHIRT-RED-M: SKU-1001\n")
    parser = receiver()
    parser.skus = SkuMap.load("shop1", base=tmp_path)
    body = (FIXTURES / "webhook-orders-updated-5002.json").read_bytes()  # MUG-BLUE only: not in the map
    with pytest.raises(UnknownSku) as err:
        parser.parse(webhook(body, name="evt-9"))
    assert err.value.location.field == "lines[0].sku" and err.value.location.file == "evt-9"
    assert isinstance(err.value, RecordError)


@pytest.mark.parametrize(
    ("name", "error", "code"),
    [
        ("bad-not-json.json", DecodeError, "decode_error"),
        ("bad-currency.json", MappingError, "mapping_error"),
        ("bad-no-sku.json", MappingError, "missing_sku"),
        ("bad-no-address.json", MappingError, "mapping_error"),
    ],
)
def test_malformed_bodies_raise_typed_errors(name: str, error: type, code: str) -> None:
    with pytest.raises(error) as err:
        receiver().parse(webhook((FIXTURES / name).read_bytes()))
    assert err.value.code == code and err.value.location.file == "evt-1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"line_items": ["x"]}, "line_items[0]"),
        ({"line_items": [{"sku": "A", "quantity": 1, "tax_lines": [1]}]}, "line_items[0].tax_lines[0]"),
        ({"customer": "bob"}, "customer"),
        ({"shipping_address": ["not", "an", "object"]}, "shipping_address"),
        ({"shipping_lines": {"title": "DHL"}}, "shipping_lines"),
        ({"line_items": [{"sku": "A", "quantity": 1, "price": "NaN"}]}, "line_items[0].price"),
        ({"updated_at": "2026-03-02T09:00:00"}, "updated_at"),
    ],
)
def test_a_body_of_the_wrong_shape_is_a_mapping_error_naming_where(change: dict, field: str) -> None:
    """Objects where lists are expected (and the reverse) are the sender's mistake: a typed error, not a crash."""
    body = json.loads((FIXTURES / "webhook-orders-create-5001.json").read_bytes())
    with pytest.raises(MappingError) as err:
        receiver().parse(webhook(json.dumps({**body, **change}).encode()))
    assert err.value.location.field == field and err.value.location.file == "evt-1"


def test_a_polled_node_of_the_wrong_shape_is_a_mapping_error() -> None:
    node = json.loads((FIXTURES / "graphql" / "order-5001.json").read_bytes())
    node["lineItems"] = {"nodes": [{"sku": "A", "quantity": 1, "originalUnitPriceSet": "9.95"}]}
    with pytest.raises(MappingError) as err:
        poller().parse(polled(json.dumps(node).encode()))
    assert err.value.location.field == "lineItems[0].originalUnitPriceSet"


def test_topics_ignored_uninstalled_and_unknown() -> None:
    body = b'{"id": 1, "order_id": 2, "status": "success"}'
    for topic in ("fulfillments/create", "fulfillments/update", "refunds/create", "orders/edited"):
        result = receiver().parse(webhook(body, topic))
        assert result.documents == [] and "ignored" in (result.format or "")
    with pytest.raises(ConfigError) as gone:
        receiver().parse(webhook(b'{"id": 1, "domain": "jsmith.myshopify.com"}', "app/uninstalled"))
    assert gone.value.code == "app_uninstalled"
    with pytest.raises(DecodeError) as unknown:
        receiver().parse(webhook(body, "products/create"))
    assert unknown.value.code == "unknown_topic"


@needs_corpus
def test_corpus_rest_order_maps() -> None:
    data = json.loads((CORPUS / "rest_order.json").read_text())["order"]
    order = receiver().parse(webhook(json.dumps(data).encode(), "orders/updated")).documents[0]
    assert order.external_id == "450789469" and len(order.lines) == 3
    assert order.attributes["shopify"]["tax_lines"] == [{"title": "State Tax", "rate": "0.06", "amount": "11.94"}]
    assert order.ship_to.city == "Louisville" and order.ship_to.line2 is None
    listed = json.loads((CORPUS / "rest_orders.json").read_text())["orders"][0]  # a listing without line_items
    with pytest.raises(MappingError, match="no line items"):
        receiver().parse(webhook(json.dumps(listed).encode()))


def test_config_validates_shop_and_api_version() -> None:
    with pytest.raises(ValueError, match="myshopify"):
        ShopifyConfig(shop="shop.example.com", access_token="x")
    with pytest.raises(ValueError, match="YYYY-MM"):
        ShopifyConfig(shop="a.myshopify.com", access_token="x", api_version="2026-13")
    config = ShopifyConfig(shop="https://A.myshopify.com/", access_token="x", location_id="12")
    assert config.shop == "a.myshopify.com" and config.location_id == "gid://shopify/Location/12"
    assert "x" not in repr(config).replace("myshopify", "").replace("max", "")


@needs_corpus
def test_corpus_fulfillment_and_refund_bodies_are_accepted_and_ignored() -> None:
    for name, key, topic in (
        ("rest_fulfillment.json", "fulfillment", "fulfillments/create"),
        ("rest_refund.json", "refund", "refunds/create"),
    ):
        inner = json.loads((CORPUS / name).read_text())[key]  # webhook bodies are the bare inner object
        result = receiver().parse(webhook(json.dumps(inner).encode(), topic))
        assert result.documents == [] and result.format and "ignored" in result.format
