"""Amazon through the whole hub on SQLite: poll -> order allocated and released -> WMS shipment -> confirmShipment.

The SP-API is the local simulator behind respx (every other host is refused); the warehouse is an in-test
adapter that takes releases and reports a shipment as JSON.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import respx
from sqlalchemy import Engine, select

from adapters.amazon import ADAPTER
from adapters.amazon.orders import iso
from adapters.amazon.simulator import SellingPartnerSimulator
from hub.allocation.ledger import set_node, set_on_hand
from hub.context import HubContext
from hub.model.ids import utcnow
from hub.outbox.worker import OutboxWorker
from hub.pipeline.ingest import ingest_bytes
from hub.pipeline.runner import Pipeline
from hub.plugins.registry import Registry
from hub.scheduler.polling import poll_connection
from hub.store.connections import ConnectionRecord, add_connection, get_connection
from hub.store.db import read_only
from hub.store.tables import orders
from tests.support.warehouse import RELEASED, WAREHOUSE

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "amazon"
ENV = {"AMZ_ID": "amzn1.application-oa2-client.sim", "AMZ_SECRET": "sim-secret", "AMZ_REFRESH": "Atzr|sim-refresh"}


def amazon_order(order_id: str, status: str, minutes_ago: int) -> dict:
    order = json.loads((FIXTURES / "orders" / "order-1-unshipped-us.json").read_text())
    order["orderId"] = order_id
    order["lastUpdatedTime"] = iso(utcnow() - timedelta(minutes=minutes_ago))
    order["fulfillment"]["fulfillmentStatus"] = status
    return order


def hub(sqlite_engine: Engine, tmp_path: Path) -> HubContext:
    registry = Registry()
    registry.register(ADAPTER)
    registry.register(WAREHOUSE)
    home = tmp_path / "home"
    home.mkdir()
    ctx = HubContext(engine=sqlite_engine, registry=registry, home=home, environ=ENV)
    with ctx.engine.begin() as conn:
        add_connection(
            conn,
            ConnectionRecord(
                name="amz",
                adapter="amazon",
                channel="amazon:us",
                options={"seller_id": "A1SELLER", "marketplace_ids": "ATVPDKIKX0DER"},
                secret_refs={
                    "lwa_client_id": "AMZ_ID",
                    "lwa_client_secret": "AMZ_SECRET",
                    "refresh_token": "AMZ_REFRESH",
                },
            ),
        )
        add_connection(conn, ConnectionRecord(name="wms", adapter="test_warehouse", channel="wms"))
        set_node(conn, ctx.tenant, "WH1", priority=1, connection="wms")
        for sku in ("MUG-350-SLATE", "LID-350"):
            set_on_hand(conn, ctx.tenant, "WH1", sku, Decimal(50))
    return ctx


def test_poll_allocate_ship_and_confirm_on_amazon(sqlite_engine: Engine, tmp_path: Path) -> None:
    ctx = hub(sqlite_engine, tmp_path)
    sim = SellingPartnerSimulator(
        [amazon_order("113-9000000-0000001", "UNSHIPPED", 60), amazon_order("113-9000000-0000002", "PENDING", 50)]
    )
    RELEASED.clear()
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host="api.amazon.com").mock(side_effect=sim.handle)
        router.route(host="sellingpartnerapi-na.amazon.com").mock(side_effect=sim.handle)

        report = poll_connection(ctx, "amz", holder="test")
        assert report.messages == 1 and report.stopped is None  # the pending order is not even asked for
        pipeline = Pipeline(ctx)
        outcomes = pipeline.drain()
        assert [o.status.value for o in outcomes] == ["processed"]
        with read_only(ctx.engine) as conn:
            row = conn.execute(select(orders).where(orders.c.external_id == "113-9000000-0000001")).one()
        assert row.source == "amazon:us" and row.status == "allocated"

        # a second poll overlaps the first: nothing new is stored
        assert poll_connection(ctx, "amz", holder="test").messages == 0

        OutboxWorker(ctx).drain(5)
        (release,) = [m for m in RELEASED if m.kind == "order_release"]
        shipment = {
            "external_id": "WH1-SHIP-1",
            "order_external_id": "113-9000000-0000001",
            "node": "WH1",
            "shipped_at": "2026-12-02T15:30:00Z",
            "lines": [
                {"line_no": 1, "sku": "MUG-350-SLATE", "quantity": "2"},
                {"line_no": 2, "sku": "LID-350", "quantity": "1"},
            ],
            "parcels": [{"tracking": {"carrier": "UPS", "number": "1Z999AA10123456784"}}],
        }
        ingest_bytes(pipeline, json.dumps(shipment).encode(), connection="wms", filename="ship-1.json")
        results = OutboxWorker(ctx).drain(5)
        assert [(r.kind, r.outcome.value) for r in results if r.connection == "amz"] == [("shipment", "delivered")]

    assert release.body
    ((order_id, body),) = sim.shipments
    assert order_id == "113-9000000-0000001"
    assert body["packageDetail"]["trackingNumber"] == "1Z999AA10123456784"
    assert body["packageDetail"]["orderItems"] == [
        {"orderItemId": "40110000000001", "quantity": 2},
        {"orderItemId": "40110000000002", "quantity": 1},
    ]
    with read_only(ctx.engine) as conn:
        assert conn.execute(select(orders.c.status).where(orders.c.id == row.id)).scalar_one() == "shipped"


def test_cancelled_on_amazon_cancels_the_hub_order(sqlite_engine: Engine, tmp_path: Path) -> None:
    ctx = hub(sqlite_engine, tmp_path)
    sim = SellingPartnerSimulator([amazon_order("113-9000000-0000003", "UNSHIPPED", 90)])
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host="api.amazon.com").mock(side_effect=sim.handle)
        router.route(host="sellingpartnerapi-na.amazon.com").mock(side_effect=sim.handle)
        poll_connection(ctx, "amz", holder="test")
        Pipeline(ctx).drain()
        sim.orders = [amazon_order("113-9000000-0000003", "CANCELLED", 5)]
        assert poll_connection(ctx, "amz", holder="test").messages == 1
        (outcome,) = Pipeline(ctx).drain()
        assert outcome.status.value == "processed", outcome
    with read_only(ctx.engine) as conn:
        status = conn.execute(select(orders.c.status).where(orders.c.external_id == "113-9000000-0000003")).scalar_one()
    assert status == "cancelled"


def test_refused_credentials_stop_the_connection(sqlite_engine: Engine, tmp_path: Path) -> None:
    ctx = hub(sqlite_engine, tmp_path)
    sim = SellingPartnerSimulator([], refresh_token="Atzr|revoked")
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host="api.amazon.com").mock(side_effect=sim.handle)
        report = poll_connection(ctx, "amz", holder="test")
    assert report.stopped and "invalid_grant" in report.stopped and "sim-secret" not in report.stopped
    with read_only(ctx.engine) as conn:
        record = get_connection(conn, ctx.tenant, "amz")
    assert record is not None and not record.enabled
