"""Cancellation write-back: an order the hub cancels goes back to its channel as `order_cancel` (Shopify simulated)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import respx
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, select

from adapters.shopify import ADAPTER, signature
from adapters.shopify.simulator import FakeShop
from hub.allocation.changes import cancel_order
from hub.channels.cancellations import cancel_notices, queue_cancel_notices
from hub.context import HubContext
from hub.outbox.routing import accepts
from hub.outbox.worker import OutboxWorker
from hub.pipeline.inbox import store_raw
from hub.pipeline.runner import Pipeline
from hub.plugins import Adapter, Capability, ConnectionContext, OutboundMessage, RawMessage, Registry
from hub.store.connections import ConnectionRecord, add_connection, get_connection
from hub.store.tables import orders, outbox

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "shopify"
SECRET = "whsec-cancel"
TOKEN = "shpat_cancel_token"
ENDPOINT = "https://example.myshopify.com/admin/api/2026-10/graphql.json"


@pytest.fixture
def ctx(tmp_path: Path, engine: Engine) -> HubContext:
    if not (FIXTURES / "webhook-orders-create-5001.json").is_file():
        pytest.skip("fixtures/shopify is absent")
    registry = Registry()
    registry.register(ADAPTER)
    environ = {"SHOPIFY_TOKEN": TOKEN, "SHOPIFY_WEBHOOK_SECRET": SECRET}
    hub = HubContext(engine=engine, registry=registry, home=tmp_path / "home", environ=environ)
    with engine.begin() as conn:
        add_connection(
            conn,
            ConnectionRecord(
                name="shop1",
                adapter="shopify",
                channel="shopify:example",
                options={"shop": "example.myshopify.com"},
                secret_refs={"access_token": "SHOPIFY_TOKEN", "webhook_secret": "SHOPIFY_WEBHOOK_SECRET"},
            ),
        )
    body = (FIXTURES / "webhook-orders-create-5001.json").read_bytes()
    headers = {"x-shopify-hmac-sha256": signature(SECRET, body), "x-shopify-topic": "orders/create"}
    store_raw(
        engine, RawMessage(body=body, connection="shop1", transport="webhook", transport_id="e1", headers=headers)
    )
    assert [o.status.value for o in Pipeline(hub).drain()] == ["processed"]
    return hub


def order_id(ctx: HubContext) -> str:
    with ctx.engine.connect() as conn:
        return conn.execute(select(orders.c.id).where(orders.c.external_id == "5001")).scalar_one()


def test_operator_cancellation_is_written_back_to_shopify(ctx: HubContext) -> None:
    oid = order_id(ctx)
    with ctx.engine.begin() as conn:
        notices = cancel_notices(conn, ctx, oid, reason="no stock anywhere", reason_code="inventory")
        cancel_order(conn, ctx.tenant, oid, reason="no stock anywhere")
        queue_cancel_notices(conn, ctx, notices)
        queued = conn.execute(select(outbox.c.kind, outbox.c.connection).where(outbox.c.kind == "order_cancel")).all()
        assert [tuple(r) for r in queued] == [("order_cancel", "shop1")]
        # a second cancellation of a cancelled order sends nothing
        assert cancel_notices(conn, ctx, oid, reason="again") == []
    (notice,) = notices
    body = notice.body
    assert (notice.kind, notice.connection, notice.idempotency_key) == ("order_cancel", "shop1", f"order_cancel:{oid}")
    assert body["order_external_id"] == "5001" and body["line_nos"] == []
    assert body["reason_code"] == "inventory" and body["cancelled_by"] == "operator"
    assert [line["sku"] for line in body["lines"]] == [line["sku"] for line in body["order"]["lines"]]
    shop = FakeShop(token=TOKEN)
    shop.add_order(json.loads((FIXTURES / "graphql" / "order-5001.json").read_text()))
    with respx.mock(assert_all_mocked=True) as router:
        router.post(ENDPOINT).mock(side_effect=shop.handle)
        results = OutboxWorker(ctx).drain(5)
    assert [(r.kind, r.outcome.value) for r in results if r.kind == "order_cancel"] == [("order_cancel", "delivered")]
    assert shop.cancelled == ["5001"]
    cancel = next(r for r in shop.requests if r.operation == "HubOrderCancel")
    assert cancel.variables["reason"] == "INVENTORY" and "no stock anywhere" in cancel.variables["staffNote"]


def test_line_cancellation_names_the_lines_as_they_were(ctx: HubContext) -> None:
    oid = order_id(ctx)
    with ctx.engine.connect() as conn:
        (notice,) = cancel_notices(conn, ctx, oid, reason="line 2 discontinued", line_nos=[2], cancelled_by="edi:X")
        (whole,) = cancel_notices(conn, ctx, oid, reason="all lines", line_nos=[1, 2])
    assert notice.body["line_nos"] == [2] and [line["line_no"] for line in notice.body["lines"]] == [2]
    assert notice.idempotency_key.endswith(":lines:2") and notice.body["cancelled_by"] == "edi:X"
    assert len(notice.body["order"]["lines"]) == 2  # the order before the cancellation, for the channel's echoes
    assert whole.body["line_nos"] == [] and whole.idempotency_key == f"order_cancel:{oid}"


def test_no_write_back_when_the_channel_itself_cancelled_or_takes_no_cancellations(ctx: HubContext) -> None:
    oid = order_id(ctx)
    with ctx.engine.connect() as conn:
        assert cancel_notices(conn, ctx, oid, reason="cancelled in Shopify", cancelled_by="shopify:example") == []
        assert cancel_notices(conn, ctx, oid, reason="cancelled in Shopify", cancelled_by="shop1") == []
    with ctx.engine.connect() as conn:
        assert conn.execute(select(outbox.c.id).where(outbox.c.kind == "order_cancel")).all() == []


class TrackingOnlySink:
    """A channel sink that takes every shipment-sink kind it does not have to opt in to (no `kinds`)."""

    capability = Capability.SHIPMENT_SINK

    def __init__(self, config: BaseModel, context: ConnectionContext) -> None:
        self.delivered: list[OutboundMessage] = []

    def deliver(self, message: OutboundMessage) -> None:
        self.delivered.append(message)


class NoConfig(BaseModel):
    model_config = ConfigDict(frozen=True)


def test_order_cancel_is_opt_in(ctx: HubContext) -> None:
    ctx.registry.register(
        Adapter(
            name="tracking_only",
            version="0.1.0",
            feature_card="Tracking back to a channel (test).",
            config=NoConfig,
            capabilities=frozenset({Capability.SHIPMENT_SINK}),
            implementations=(TrackingOnlySink,),
        )
    )
    record = ConnectionRecord(name="tracker", adapter="tracking_only", channel="t")
    assert accepts(ctx, record, "shipment") and not accepts(ctx, record, "order_cancel")
    with ctx.engine.connect() as conn:
        shop1 = get_connection(conn, ctx.tenant, "shop1")
    assert shop1 is not None and accepts(ctx, shop1, "order_cancel")
