"""Shopify through the whole hub (SQLite and PostgreSQL): an order by webhook, a missed one found by the
reconciliation poll, both allocated, stock pushed, a shipment from the warehouse written back to Shopify as a
fulfillment with tracking; a late older update, a cancellation and app/uninstalled."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import respx
from sqlalchemy import Engine, select

from adapters.shopify import ADAPTER, signature
from adapters.shopify.simulator import FakeShop
from hub.allocation.ledger import set_node, set_on_hand
from hub.context import HubContext
from hub.outbox.worker import OutboxWorker
from hub.pipeline.inbox import store_raw
from hub.pipeline.ingest import ingest_bytes
from hub.pipeline.runner import Pipeline
from hub.plugins import RawMessage, Registry
from hub.scheduler.polling import poll_connection
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.tables import inbox, orders
from tests.support.warehouse import WAREHOUSE

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "shopify"
SECRET = "whsec-flow"
TOKEN = "shpat_flow_token"
ENDPOINT = "https://example.myshopify.com/admin/api/2026-10/graphql.json"


def _hub(tmp_path: Path, engine: Engine, **options: str) -> HubContext:
    """A hub with the shop1 (shopify) and wms connections, node WH1 holding 100 of each fixture SKU."""
    registry = Registry()
    registry.register(ADAPTER)
    registry.register(WAREHOUSE)
    environ = {"SHOPIFY_TOKEN": TOKEN, "SHOPIFY_WEBHOOK_SECRET": SECRET}
    ctx = HubContext(engine=engine, registry=registry, home=tmp_path / "home", environ=environ)
    with engine.begin() as conn:
        add_connection(
            conn,
            ConnectionRecord(
                name="shop1",
                adapter="shopify",
                channel="shopify:example",
                options={"shop": "example.myshopify.com", **options},
                secret_refs={"access_token": "SHOPIFY_TOKEN", "webhook_secret": "SHOPIFY_WEBHOOK_SECRET"},
            ),
        )
        add_connection(conn, ConnectionRecord(name="wms", adapter="test_warehouse", channel="wms"))
        set_node(conn, ctx.tenant, "WH1", priority=1, connection="wms")
        for sku in ("TSHIRT-RED-M", "MUG-BLUE"):
            set_on_hand(conn, ctx.tenant, "WH1", sku, Decimal(100))
    return ctx


def run_flow(tmp_path: Path, engine: Engine) -> tuple[FakeShop, int]:
    """Webhook, poll, allocation, stock push, shipment and write-back; the shop and its MUG-BLUE stock at the end."""
    shop = FakeShop(token=TOKEN)
    shop.inventory = {
        "TSHIRT-RED-M": {"item": "gid://shopify/InventoryItem/11", "available": 40},
        "MUG-BLUE": {"item": "gid://shopify/InventoryItem/12", "available": 40},
    }
    for order_id in ("5001", "5002"):
        shop.add_order(json.loads((FIXTURES / "graphql" / f"order-{order_id}.json").read_text()))
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.post(ENDPOINT).mock(side_effect=shop.handle)
        ctx = _hub(tmp_path, engine, publish_stock="true", location_id="905684977")
        pipeline = Pipeline(ctx)

        # 1. order 5001 arrives by webhook (verified again by the pipeline)
        body = (FIXTURES / "webhook-orders-create-5001.json").read_bytes()
        headers = {"x-shopify-hmac-sha256": signature(SECRET, body), "x-shopify-topic": "orders/create"}
        store_raw(
            engine,
            RawMessage(body=body, connection="shop1", transport="webhook", transport_id="evt-1", headers=headers),
        )
        forged = RawMessage(
            body=body.replace(b"Anna", b"Eve!"),
            connection="shop1",
            transport="webhook",
            transport_id="evt-2",
            headers=headers,
        )
        store_raw(engine, forged)
        outcomes = {o.message_id: o for o in pipeline.drain()}
        assert sorted(o.status.value for o in outcomes.values()) == ["failed", "processed"]
        assert any(o.failure and o.failure.get("error_step") == "verify" for o in outcomes.values())

        # 2. the reconciliation poll finds 5002, whose webhook never came; 5001 comes back as a duplicate
        report = poll_connection(ctx, "shop1")
        assert report.messages == 2 and report.stopped is None
        polled = pipeline.drain()
        assert sorted(o.status.value for o in polled) == ["duplicate", "processed"]
        with read_only(engine) as conn:
            stored = {r.external_id: r for r in conn.execute(select(orders))}
            kept = conn.execute(select(inbox.c.transport).where(inbox.c.status != "failed")).scalars().all()
        assert sorted(stored) == ["5001", "5002"]
        assert all(r.status in {"allocated", "released"} for r in stored.values())
        assert sorted(kept) == ["poll", "poll", "webhook"]
        assert poll_connection(ctx, "shop1").messages == 0  # the saved cursor: nothing new

        # availability pushed with compare-and-set: 100 on hand less what the two orders hold
        results = OutboxWorker(ctx).drain(5)
        assert all(r.outcome.value == "delivered" for r in results), [(r.kind, r.error) for r in results]
        assert {sku: v["available"] for sku, v in shop.inventory.items()} == {"TSHIRT-RED-M": 98, "MUG-BLUE": 96}
        pushes = [r.variables for r in shop.requests if r.operation == "HubSetQuantities"]
        assert len(pushes) == 2 and all(
            p["key"] and p["input"]["quantities"][0]["changeFromQuantity"] == 40 for p in pushes
        )

        # 3. the warehouse ships 5002; the outbox worker writes the fulfillment back to Shopify
        shipment = {
            "source": "wms",
            "external_id": "SHP-77",
            "order_external_id": "5002",
            "shipped_at": "2026-03-05T08:00:00Z",
            "lines": [{"line_no": 1, "sku": "MUG-BLUE", "quantity": "3"}],
            "parcels": [
                {"tracking": {"carrier": "DHL", "number": "00340434161234567890", "url": "https://dhl.example/t"}}
            ],
        }
        report = ingest_bytes(pipeline, json.dumps(shipment).encode(), connection="wms", filename="shp-77.json")
        assert report.status != "rejected", report.errors
        results = OutboxWorker(ctx).drain(5)
        assert all(r.outcome.value == "delivered" for r in results), [(r.kind, r.error) for r in results]
        assert "shipment" in {r.kind for r in results}
        shop_stock_after_shipment = shop.inventory["MUG-BLUE"]["available"]

    return shop, shop_stock_after_shipment


def test_webhook_poll_allocate_and_fulfil_back_to_shopify(tmp_path: Path, engine: Engine) -> None:
    shop, _ = run_flow(tmp_path, engine)
    assert shop.fulfillments == [
        {
            "lineItemsByFulfillmentOrder": [
                {
                    "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/5002",
                    "fulfillmentOrderLineItems": [
                        {"id": "gid://shopify/FulfillmentOrderLineItem/50021", "quantity": 3}
                    ],
                }
            ],
            "notifyCustomer": False,
            "trackingInfo": {"company": "DHL", "number": "00340434161234567890", "url": "https://dhl.example/t"},
        }
    ]
    operations = [r.operation for r in shop.requests]
    assert operations.index("HubFulfillmentCreate") > operations.index("HubFulfillmentOrders")


def test_stock_published_after_a_shipment_is_the_real_availability(tmp_path: Path, sqlite_engine: Engine) -> None:
    _, mug_blue = run_flow(tmp_path, sqlite_engine)
    assert mug_blue == 96  # 100 on hand - 3 shipped - 1 held for order 5001


def _webhook(engine, body: bytes, topic: str, event: str) -> None:
    headers = {"x-shopify-hmac-sha256": signature(SECRET, body), "x-shopify-topic": topic}
    store_raw(
        engine, RawMessage(body=body, connection="shop1", transport="webhook", transport_id=event, headers=headers)
    )


def test_late_update_cancellation_and_app_uninstalled(tmp_path: Path, engine: Engine) -> None:
    shop = FakeShop(token=TOKEN)
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.post(ENDPOINT).mock(side_effect=shop.handle)
        ctx = _hub(tmp_path, engine)
        pipeline = Pipeline(ctx)
        data = json.loads((FIXTURES / "webhook-orders-updated-5002.json").read_text())
        newer = dict(data, updated_at="2026-03-03T11:00:00+01:00")
        _webhook(engine, json.dumps(newer).encode(), "orders/updated", "evt-new")
        pipeline.drain()
        _webhook(engine, json.dumps(data).encode(), "orders/updated", "evt-old")  # an older update, late
        late = pipeline.drain()
        assert [o.status.value for o in late] == ["duplicate"] and late[0].documents[0].outcome == "stale"
        with read_only(engine) as conn:
            (row,) = conn.execute(select(orders)).all()
        assert row.revision == 825847200  # the newer one (2026-03-03T10:00:00Z) stays

        cancelled = dict(newer, cancelled_at="2026-03-03T12:00:00+01:00", updated_at="2026-03-03T12:00:00+01:00")
        _webhook(engine, json.dumps(cancelled).encode(), "orders/cancelled", "evt-cancel")
        assert [o.status.value for o in pipeline.drain()] == ["processed"]
        with read_only(engine) as conn:
            assert conn.execute(select(orders.c.status)).scalar_one() == "cancelled"

        _webhook(engine, b'{"id": 690933842, "domain": "example.myshopify.com"}', "app/uninstalled", "evt-bye")
        (gone,) = pipeline.drain()
        assert gone.failure and gone.failure["error_code"] == "app_uninstalled"
        shop.token = "revoked-by-uninstall"
        report = poll_connection(ctx, "shop1")
        assert report.stopped and "HTTP 401" in report.stopped
        with read_only(engine) as conn:
            assert ctx.connection(conn, "shop1").enabled is False


def test_one_bad_polled_order_fails_alone(tmp_path: Path, sqlite_engine: Engine) -> None:
    shop = FakeShop(token=TOKEN)
    good = json.loads((FIXTURES / "graphql" / "order-5002.json").read_text())
    bad = json.loads((FIXTURES / "graphql" / "order-5001.json").read_text())
    bad["lineItems"]["nodes"][1]["sku"] = None  # a custom line item without SKU
    shop.add_order(good)
    shop.add_order(bad)
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.post(ENDPOINT).mock(side_effect=shop.handle)
        ctx = _hub(tmp_path, sqlite_engine)
        assert poll_connection(ctx, "shop1").messages == 2
        outcomes = Pipeline(ctx).drain()
    by_status = {o.status.value: o for o in outcomes}
    assert sorted(by_status) == ["failed", "processed"]
    failure = by_status["failed"].failure or {}
    assert failure["error_code"] == "missing_sku" and failure["error_location"]["field"] == "lines[1].sku"
    with read_only(sqlite_engine) as conn:
        assert conn.execute(select(orders.c.external_id)).scalars().all() == ["5002"]
