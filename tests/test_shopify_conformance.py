"""The shopify adapter passes the conformance kit: manifest, secrets, config, webhook signature, replay, cursor."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from adapters.shopify import ADAPTER, ShopifyConfig, ShopifyPoller, signature
from adapters.shopify.simulator import FakeShop
from hub.testing.conformance import AdapterConformance
from hub.testing.harness import connection_context

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "shopify"
SECRET = "whsec-conformance-0001"


def fake_shop() -> FakeShop:
    shop = FakeShop()
    for path in sorted((FIXTURES / "graphql").glob("order-*.json")):
        shop.add_order(json.loads(path.read_text()))
    return shop


class TestShopifyConformance(AdapterConformance):
    adapter = ADAPTER
    valid_options = {
        "shop": "example.myshopify.com",
        "api_version": "2026-10",
        "access_token": "shpat_test_token",
        "webhook_secret": SECRET,
    }
    invalid_options = {"shop": "example.com"}
    fixtures_dir = FIXTURES
    fixture_pattern = "webhook-*.json"
    malformed_fixtures = [FIXTURES / n for n in ("bad-not-json.json", "bad-currency.json", "bad-no-sku.json")]
    poll_limit = 2
    webhook_fixture = (
        {"X-Shopify-Hmac-Sha256": signature(SECRET, (FIXTURES / "webhook-orders-create-5001.json").read_bytes())},
        (FIXTURES / "webhook-orders-create-5001.json").read_bytes(),
    )

    def webhook_headers(self, body: bytes) -> dict[str, str]:
        return {"X-Shopify-Hmac-Sha256": signature(SECRET, body), "X-Shopify-Topic": "orders/updated"}

    def poll_source(self) -> ShopifyPoller:
        config = ShopifyConfig(shop="example.myshopify.com", access_token="shpat_test_token")
        return ShopifyPoller(
            config,
            connection_context(Path("/nonexistent")),
            client=fake_shop().client(),
            sleep=lambda s: None,
            now=lambda: datetime(2026, 6, 1, tzinfo=UTC),
        )
