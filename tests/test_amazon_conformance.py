"""The amazon adapter passes the conformance kit: manifest, secrets, config, records, replay, malformed, cursor."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx

from adapters.amazon import ADAPTER
from adapters.amazon.api import SpApi
from adapters.amazon.config import AmazonConfig
from adapters.amazon.orders import AmazonOrderPoller
from adapters.amazon.simulator import SellingPartnerSimulator
from hub.plugins.manifest import ConnectionContext
from hub.testing.conformance import AdapterConformance

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "amazon"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SECRETS = {"lwa_client_id": "amzn1.application-oa2-client.sim", "lwa_client_secret": "sim-secret"}
SECRETS |= {"refresh_token": "Atzr|sim-refresh"}


STAMPS = ("2026-12-01T09:00:00Z", "2026-12-01T09:30:00Z", "2026-12-01T09:30:00Z", "2026-12-01T10:15:00Z")
STAMPS += ("2026-12-01T11:00:00Z",)


def source_orders(count: int = 5) -> list[dict]:
    """`count` UNSHIPPED orders, two of them updated in the same second (a boundary tie)."""
    base = json.loads((FIXTURES / "orders" / "order-1-unshipped-us.json").read_text())
    out = []
    for n in range(count):
        order = json.loads(json.dumps(base))
        order["orderId"] = f"113-7000000-{n:07d}"
        order["lastUpdatedTime"] = STAMPS[n % len(STAMPS)]
        out.append(order)
    return out


def wired_poller(sim: SellingPartnerSimulator, **options: object) -> AmazonOrderPoller:
    config = AmazonConfig(seller_id="A1SELLER", marketplace_ids=("ATVPDKIKX0DER",), **SECRETS, **options)
    client = httpx.Client(transport=httpx.MockTransport(sim.handle))
    api = SpApi(config, client=client, sleep=lambda s: None)
    return AmazonOrderPoller(config, ConnectionContext("amz", "amazon:us"), api=api, clock=lambda: NOW)


class TestAmazonConformance(AdapterConformance):
    adapter = ADAPTER
    valid_options = {"seller_id": "A1SELLER", "marketplace_ids": "ATVPDKIKX0DER,A2EUQ1WTGCTBG2", **SECRETS}
    invalid_options = {"seller_id": "A1SELLER", "marketplace_ids": "ATVPDKIKX0DER", "region": "moon"}
    invalid_fields = ["region"]
    fixtures_dir = FIXTURES / "orders"
    fixture_pattern = "*.json"
    malformed_fixtures = sorted((FIXTURES / "malformed").glob("*.json"))
    poll_limit = 2

    def poll_source(self) -> AmazonOrderPoller:
        return wired_poller(SellingPartnerSimulator(source_orders()))
