"""Mirakl through the whole hub (SQLite and PostgreSQL): OR11 poll -> OR21 -> SHIPPING order allocated and released
to a node -> the node's shipment -> OR23 + OR24 back to the (fake) Mirakl through the outbox worker; a Mirakl
cancellation of a paid order cancels the hub order. HTTP is intercepted by respx: nothing reaches a real host."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import respx
from sqlalchemy import Engine, select

from adapters.mirakl import ADAPTER
from hub.allocation.ledger import set_node, set_on_hand
from hub.context import HubContext
from hub.model import Shipment
from hub.outbox.worker import OutboxWorker
from hub.pipeline.ingest import ingest_bytes
from hub.pipeline.runner import Pipeline
from hub.plugins.registry import Registry
from hub.scheduler.polling import poll_connection
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.queries import get_order
from hub.store.tables import inbox
from tests.support.warehouse import RELEASED, WAREHOUSE
from tests.test_mirakl_fake import API_KEY, BASE_URL, FakeMirakl, make_order


def hub_for(engine: Engine, tmp_path: Any) -> tuple[HubContext, Pipeline]:
    registry = Registry()
    registry.register(ADAPTER)
    registry.register(WAREHOUSE)
    ctx = HubContext(engine=engine, registry=registry, home=tmp_path, environ={"MIRAKL_ACME_KEY": API_KEY})
    options = {"base_url": BASE_URL, "lag_seconds": 0, "shop_id": 2041, "carrier_codes": {"UPS": "ups"}}
    with engine.begin() as conn:
        add_connection(
            conn,
            ConnectionRecord(
                name="mirakl-acme",
                adapter="mirakl",
                channel="mirakl:acme",
                options=options,
                secret_refs={"api_key": "MIRAKL_ACME_KEY"},
            ),
        )
        add_connection(conn, ConnectionRecord(name="lyon", adapter="test_warehouse", channel="lyon"))
        set_node(conn, ctx.tenant, "LYON1", priority=1, connection="lyon")
        for sku in ("TSHIRT-RED-M", "MUG-BLUE"):
            set_on_hand(conn, ctx.tenant, "LYON1", sku, Decimal(10))
    return ctx, Pipeline(ctx)


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_poll_accept_allocate_ship_back(engine: Engine, tmp_path: Any) -> None:
    RELEASED.clear()
    ctx, pipeline = hub_for(engine, tmp_path)
    now = datetime.now(UTC)
    fake = FakeMirakl()
    fake.orders.append(make_order("88200-0001-A", now - timedelta(minutes=10), state="WAITING_ACCEPTANCE"))
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(url__startswith=BASE_URL).mock(side_effect=fake.handle)

        # 1. the order waits for acceptance: OR21 accepts both lines, no hub order yet
        report = poll_connection(ctx, "mirakl-acme")
        assert report.leased and report.messages == 1
        (accept,) = fake.requests("PUT", "/api/orders/88200-0001-A/accept")
        assert accept.json() == {
            "order_lines": [{"accepted": True, "id": "88200-0001-A-1"}, {"accepted": True, "id": "88200-0001-A-2"}]
        }
        assert all(c.headers["authorization"] == API_KEY for c in fake.calls)
        pipeline.run_once()
        with read_only(engine) as conn:
            assert conn.execute(select(inbox.c.status)).scalars().all() == ["processed"]

        # 2. Mirakl debits the customer: SHIPPING. The next poll brings the order into the hub.
        order = fake.orders[0]
        order["order_state"] = "SHIPPING"
        order["customer_debited_date"] = stamp(now - timedelta(seconds=20))
        order["last_updated_date"] = stamp(now - timedelta(seconds=20))
        for line in order["order_lines"]:
            line["order_line_state"] = "SHIPPING"
        assert poll_connection(ctx, "mirakl-acme").messages == 1
        pipeline.run_once()
        with read_only(engine) as conn:
            stored = get_order(conn, ctx.tenant, "88200-0001-A")
        assert stored["source"] == "mirakl:acme" and stored["status"] == "allocated"
        assert [(ln["sku"], Decimal(str(ln["quantity"]))) for ln in stored["lines"]] == [
            ("TSHIRT-RED-M", Decimal(2)),
            ("MUG-BLUE", Decimal(1)),
        ]
        results = OutboxWorker(ctx).drain(5)
        assert [r.kind for r in results] == ["order_release"] and RELEASED[0].connection == "lyon"
        with read_only(engine) as conn:
            assert get_order(conn, ctx.tenant, "88200-0001-A")["status"] == "released"

        # 3. the warehouse ships everything; the outbox tells Mirakl: OR23 then OR24
        shipment = Shipment(
            source="lyon",
            external_id="SHP-LYON-1",
            order_external_id="88200-0001-A",
            node="LYON1",
            shipped_at=now,
            lines=[
                {"line_no": 1, "sku": "TSHIRT-RED-M", "quantity": 2},
                {"line_no": 2, "sku": "MUG-BLUE", "quantity": 1},
            ],
            parcels=[{"parcel_id": "P1", "tracking": {"carrier": "UPS", "number": "1Z999AA10123456784"}}],
        )
        file = ingest_bytes(pipeline, shipment.model_dump_json().encode(), connection="lyon", filename="ship.json")
        assert file.status == "accepted", file.errors
        fake.calls.clear()
        results = OutboxWorker(ctx).drain(5)
        assert [(r.kind, r.outcome.value) for r in results] == [("shipment", "delivered")]
        tracking, ship = fake.calls
        assert (tracking.method, tracking.path, tracking.params) == (
            "PUT",
            "/api/orders/88200-0001-A/tracking",
            {"shop_id": "2041"},
        )
        assert tracking.json() == {"carrier_code": "ups", "tracking_number": "1Z999AA10123456784"}
        assert (ship.method, ship.path) == ("PUT", "/api/orders/88200-0001-A/ship")
        assert order["order_state"] == "SHIPPED"

        # 4. the shipped order read back adds nothing and fails nothing
        assert poll_connection(ctx, "mirakl-acme").messages == 1
        pipeline.run_once()
        with read_only(engine) as conn:
            assert get_order(conn, ctx.tenant, "88200-0001-A")["status"] == "shipped"
            statuses = conn.execute(select(inbox.c.status)).scalars().all()
        assert set(statuses) == {"processed"}, statuses


def test_mirakl_cancellation_of_a_paid_order_cancels_the_hub_order(engine: Engine, tmp_path: Any) -> None:
    ctx, pipeline = hub_for(engine, tmp_path)
    now = datetime.now(UTC)
    fake = FakeMirakl()
    order = make_order("88200-0002-A", now - timedelta(minutes=5))
    order["customer_debited_date"] = stamp(now - timedelta(minutes=5))
    fake.orders.append(order)
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(url__startswith=BASE_URL).mock(side_effect=fake.handle)
        poll_connection(ctx, "mirakl-acme")
        pipeline.run_once()
        order["order_state"] = "CANCELED"
        order["order_state_reason_label"] = "Annulation client"
        order["last_updated_date"] = stamp(now - timedelta(seconds=2))
        assert poll_connection(ctx, "mirakl-acme").messages == 1
        pipeline.run_once()
    with read_only(engine) as conn:
        stored = get_order(conn, ctx.tenant, "88200-0002-A")
    assert stored["status"] == "cancelled"


def test_rejected_key_stops_the_connection(engine: Engine, tmp_path: Any) -> None:
    ctx, _ = hub_for(engine, tmp_path)
    fake = FakeMirakl(key="a-rotated-key")
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(url__startswith=BASE_URL).mock(side_effect=fake.handle)
        report = poll_connection(ctx, "mirakl-acme")
    assert report.stopped and "HTTP 401" in report.stopped and API_KEY not in report.stopped
    with read_only(engine) as conn:
        assert ctx.connection(conn, "mirakl-acme").enabled is False
