"""The Mirakl adapter against the plugin contract (the conformance kit), its poller wired to the fake Mirakl."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from adapters.mirakl import ADAPTER
from hub.testing.conformance import AdapterConformance
from tests.test_mirakl_fake import API_KEY, BASE_URL, FIXTURES, NOW, FakeMirakl, make_order, poller


def _source() -> FakeMirakl:
    fake = FakeMirakl()
    for n in range(7):
        updated = NOW - timedelta(hours=3) + timedelta(minutes=7 * n)
        fake.orders.append(make_order(f"7700-{n:04d}-A", updated, created=NOW - timedelta(days=1, minutes=n * 13 % 5)))
    return fake


class TestMiraklConformance(AdapterConformance):
    adapter = ADAPTER
    valid_options: dict[str, Any] = {"base_url": BASE_URL, "api_key": API_KEY, "shop_id": 2041}
    invalid_options: dict[str, Any] = {"base_url": "acme.mirakl.net", "page_size": 500}
    invalid_fields = ("base_url", "page_size")
    fixtures_dir = FIXTURES / "orders"
    fixture_pattern = "shipping_*.json"
    malformed_fixtures = sorted((FIXTURES / "malformed").glob("*.json"))
    poll_limit = 2

    def poll_source(self) -> Any:
        return poller(_SOURCE, page_size=3)


_SOURCE = _source()
