"""The outbox worker on both stores: delivery, retries, dead letters and replay, stopping, coalescing, leases."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, SecretStr
from sqlalchemy import Connection, select

from hub.allocation.ledger import set_node, set_on_hand
from hub.context import HubContext
from hub.errors import ConfigError, RateLimited, RecordError
from hub.model.ids import utcnow
from hub.outbox.enqueue import Outgoing, enqueue
from hub.outbox.hooks import on_delivered, unregister_delivery_hook
from hub.outbox.retry import RetryPolicy
from hub.outbox.rows import OutboxRow
from hub.outbox.worker import DeliveryOutcome, DeliveryResult, OutboxWorker, replay
from hub.pipeline.ingest import ingest_bytes
from hub.pipeline.runner import Pipeline
from hub.plugins import Adapter, Capability, ConnectionContext, OutboundMessage, Registry
from hub.store.connections import ConnectionRecord, add_connection, get_connection, set_enabled
from hub.store.db import read_only
from hub.store.tables import order_events, orders, outbox
from tests.support.adapters import RecordingSink

FAST = RetryPolicy(base=0, jitter=0)
SECRET = "s3cr3t-Tok3n-9f2a"


class Clock:
    """A clock the test moves by hand, starting now."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FaultyConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    error: str = "config"  # config | rate | record | leak
    failures: int = 1
    retry_after: float | None = None
    api_key: SecretStr | None = None


class FaultySink:
    """Fails its first `failures` deliveries with the configured error, then records like RecordingSink."""

    capability = Capability.ORDER_SINK

    def __init__(self, config: FaultyConfig, context: ConnectionContext) -> None:
        self.config = config
        self.context = context
        self.calls = 0

    def deliver(self, message: OutboundMessage) -> None:
        self.calls += 1
        if self.calls <= self.config.failures:
            key = self.config.api_key.get_secret_value() if self.config.api_key else ""
            if self.config.error == "config":
                raise ConfigError(f"401 Unauthorized for token {key}")
            if self.config.error == "rate":
                raise RateLimited("429 slow down", retry_after=self.config.retry_after)
            if self.config.error == "record":
                raise RecordError(f"partner rejected the order (sent with key {key})", code="http_422")
            raise ValueError(f"client crashed building Authorization: Bearer {key}")
        RecordingSink.delivered.setdefault(self.context.connection, []).append(message)


FAULTY_ADAPTER = Adapter(
    name="test_faulty",
    version="0.1.0",
    feature_card="In-test adapter: an order sink that fails the way it is told to.",
    config=FaultyConfig,
    capabilities=frozenset({Capability.ORDER_SINK}),
    implementations=(FaultySink,),
)


@pytest.fixture(autouse=True)
def _fresh_recordings() -> Iterator[None]:
    RecordingSink.delivered.clear()
    yield
    RecordingSink.delivered.clear()


@pytest.fixture
def ctx(hub_ctx: HubContext, registry: Registry) -> HubContext:
    registry.register(FAULTY_ADAPTER)
    with hub_ctx.engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="wms", adapter="test_json", channel="wms"))
        add_connection(conn, ConnectionRecord(name="feed", adapter="test_json", channel="feed"))
    return hub_ctx


def connect(ctx: HubContext, name: str, adapter: str = "test_faulty", secret_env: str | None = None, **options: Any):
    refs = {"api_key": secret_env} if secret_env else {}
    with ctx.engine.begin() as conn:
        record = ConnectionRecord(name=name, adapter=adapter, channel=name, options=options, secret_refs=refs)
        add_connection(conn, record)


def release(ctx: HubContext, connection: str = "wms", n: int = 1, kind: str = "order_release") -> list[str]:
    items = [
        Outgoing(connection=connection, kind=kind, idempotency_key=f"{kind}:{connection}:{i}", body={"n": i})
        for i in range(n)
    ]
    with ctx.engine.begin() as conn:
        enqueue(conn, ctx.tenant, items)
        keys = [i.idempotency_key for i in items]
        rows = conn.execute(select(outbox.c.id).where(outbox.c.idempotency_key.in_(keys)).order_by(outbox.c.id))
        return list(rows.scalars())


def row(ctx: HubContext, outbox_id: str) -> Any:
    with read_only(ctx.engine) as conn:
        return conn.execute(select(outbox).where(outbox.c.id == outbox_id)).one()


def outcomes(results: list[DeliveryResult]) -> list[str]:
    return [r.outcome.value for r in results]


def delivered(connection: str) -> list[OutboundMessage]:
    return RecordingSink.delivered.get(connection, [])


# -- delivery and retries ---------------------------------------------------------------------------


def test_message_is_delivered_once(ctx: HubContext) -> None:
    [out_id] = release(ctx)
    worker = OutboxWorker(ctx, FAST)
    [result] = worker.run_once()
    assert (result.id, result.outcome, result.attempts, result.error) == (out_id, "delivered", 1, None)
    assert worker.run_once() == []
    [message] = delivered("wms")
    assert (message.id, message.kind, message.body, message.attempt) == (out_id, "order_release", {"n": 0}, 1)
    stored = row(ctx, out_id)
    assert (stored.status, stored.attempts, stored.lease_until) == ("delivered", 1, None)
    assert stored.delivered_at is not None


def test_transient_failures_are_retried_with_growing_delays(ctx: HubContext) -> None:
    connect(ctx, "flaky", adapter="test_json", fail_deliveries=3)
    [out_id] = release(ctx, "flaky")
    clock = Clock()
    worker = OutboxWorker(ctx, RetryPolicy(base=1, jitter=0), clock=clock)
    delays = []
    for _ in range(3):
        [result] = worker.run_once()
        assert result.outcome == DeliveryOutcome.RETRY
        delays.append(result.retry_in)
        stored = row(ctx, out_id)
        assert stored.status == "pending" and stored.last_error_code == "transient"
        assert stored.next_attempt_at == clock.now + timedelta(seconds=result.retry_in)
        assert worker.run_once() == []  # not due yet
        clock.advance(result.retry_in)
    assert delays == [1, 2, 4]
    [result] = worker.run_once()
    assert (result.outcome, result.attempts) == ("delivered", 4)
    assert [m.attempt for m in delivered("flaky")] == [4]
    assert row(ctx, out_id).last_error is None


def test_dead_letter_after_last_attempt_keeps_body_and_error_then_replays(ctx: HubContext) -> None:
    connect(ctx, "down", adapter="test_json", fail_deliveries=3)
    [out_id] = release(ctx, "down")
    worker = OutboxWorker(ctx, RetryPolicy(max_attempts=3, base=0, jitter=0))
    assert outcomes(worker.drain()) == ["retry", "retry", "dead"]
    dead = row(ctx, out_id)
    assert (dead.status, dead.attempts, dead.body) == ("dead", 3, {"n": 0})
    assert dead.last_error == "gave up after 3 attempts: simulated outage 3"
    assert dead.last_error_code == "transient"
    assert delivered("down") == []
    with ctx.engine.begin() as conn:
        assert replay(conn, out_id, tenant=ctx.tenant)
        assert not replay(conn, out_id)  # pending now: nothing to replay
    assert (row(ctx, out_id).status, row(ctx, out_id).attempts) == ("pending", 0)
    assert outcomes(worker.drain()) == ["delivered"]
    assert [m.body for m in delivered("down")] == [{"n": 0}]
    with ctx.engine.begin() as conn:
        assert replay(conn, out_id)  # a delivered message can be sent again too
    assert outcomes(worker.drain()) == ["delivered"]
    assert len(delivered("down")) == 2


def test_record_error_is_dead_lettered_at_once(ctx: HubContext) -> None:
    connect(ctx, "strict", error="record", failures=5)
    [bad] = release(ctx, "strict")
    [result] = OutboxWorker(ctx, FAST).run_once()
    assert (result.outcome, result.attempts, result.error_code) == ("dead", 1, "http_422")
    assert row(ctx, bad).status == "dead"


def test_config_error_stops_the_connection_without_spending_attempts(ctx: HubContext) -> None:
    connect(ctx, "locked", error="config", failures=1)
    ids = release(ctx, "locked", n=2)
    [ok] = release(ctx, "wms")
    worker = OutboxWorker(ctx, FAST)
    results = {r.id: r for r in worker.run_once()}
    assert [results[i].outcome for i in ids] == ["stopped", "stopped"]
    assert results[ok].outcome == "delivered"
    with read_only(ctx.engine) as conn:
        record = get_connection(conn, ctx.tenant, "locked")
    assert record is not None and not record.enabled
    assert record.disabled_reason and "401 Unauthorized" in record.disabled_reason
    for out_id in ids:
        stored = row(ctx, out_id)
        assert (stored.status, stored.attempts) == ("pending", 0)
    assert row(ctx, ids[0]).last_error_code == "config_error"
    assert worker.run_once() == []  # a stopped connection's messages wait
    # The operator fixes the credentials and re-enables: the worker builds a fresh sink from the new config.
    fixed = ConnectionRecord(name="locked", adapter="test_faulty", channel="locked", options={"failures": 0})
    with ctx.engine.begin() as conn:
        add_connection(conn, fixed, replace=True)
        set_enabled(conn, ctx.tenant, "locked", True)
    assert outcomes(worker.drain()) == ["delivered", "delivered"]
    assert [m.attempt for m in delivered("locked")] == [1, 1]


def test_rate_limited_waits_as_asked_and_keeps_the_attempt(ctx: HubContext) -> None:
    connect(ctx, "busy", error="rate", failures=1, retry_after=30)
    [out_id] = release(ctx, "busy")
    clock = Clock()
    worker = OutboxWorker(ctx, RetryPolicy(base=1, jitter=0), clock=clock)
    [result] = worker.run_once()
    assert (result.outcome, result.retry_in, result.attempts) == ("retry", 30, 0)
    stored = row(ctx, out_id)
    assert (stored.attempts, stored.last_error_code) == (0, "rate_limited")
    assert stored.next_attempt_at == clock.now + timedelta(seconds=30)
    clock.advance(29)
    assert worker.run_once() == []
    clock.advance(1)
    [result] = worker.run_once()
    assert (result.outcome, result.attempts) == ("delivered", 1)


def test_drain_can_wait_for_retries_that_are_not_due_yet(ctx: HubContext) -> None:
    connect(ctx, "busy", error="rate", failures=1, retry_after=0.05)
    release(ctx, "busy")
    worker = OutboxWorker(ctx, FAST)
    assert outcomes(worker.drain()) == ["retry"]  # does not sleep by default
    assert worker.next_due() is not None
    assert outcomes(worker.drain(wait=True)) == ["delivered"]
    assert worker.next_due() is None


def test_rate_limited_without_a_hint_backs_off_like_a_retry(ctx: HubContext) -> None:
    connect(ctx, "busy", error="rate", failures=1)
    release(ctx, "busy")
    [result] = OutboxWorker(ctx, RetryPolicy(base=5, jitter=0)).run_once()
    assert (result.outcome, result.retry_in, result.attempts) == ("retry", 5, 1)


def test_missing_connection_or_sink_is_dead_lettered_with_a_clear_error(ctx: HubContext) -> None:
    [gone] = release(ctx, "no-such-connection")
    [no_sink] = release(ctx, "wms", kind="shipment")
    [odd] = release(ctx, "wms", kind="telegram")
    results = {r.id: r for r in OutboxWorker(ctx, FAST).run_once()}
    assert {i: results[i].outcome.value for i in (gone, no_sink, odd)} == dict.fromkeys((gone, no_sink, odd), "dead")
    assert "'no-such-connection' no longer exists" in (row(ctx, gone).last_error or "")
    assert row(ctx, no_sink).last_error == (
        "connection 'wms' (adapter test_json) has no shipment_sink to deliver 'shipment' messages"
    )
    assert row(ctx, odd).last_error_code == "unknown_kind"


# -- coalescing and leases --------------------------------------------------------------------------


def stock(ctx: HubContext, available: int, n: int) -> None:
    item = Outgoing(
        connection="feed",
        kind="stock",
        idempotency_key=f"stock:feed:A:{n}",
        coalesce_key="stock:feed:A",
        body={"sku": "A", "available": str(available)},
    )
    with ctx.engine.begin() as conn:
        enqueue(conn, ctx.tenant, [item])


def test_coalesced_stock_updates_deliver_only_the_latest(ctx: HubContext) -> None:
    for n, available in enumerate([10, 7, 3]):
        stock(ctx, available, n)
    # An older update that was being delivered when the newer ones were queued comes back pending:
    with ctx.engine.begin() as conn:
        conn.execute(outbox.update().where(outbox.c.idempotency_key == "stock:feed:A:0").values(status="pending"))
    results = OutboxWorker(ctx, FAST).drain()
    assert sorted(outcomes(results)) == ["delivered", "superseded"]
    assert [m.body["available"] for m in delivered("feed")] == ["3"]
    with read_only(ctx.engine) as conn:
        statuses = dict(conn.execute(select(outbox.c.idempotency_key, outbox.c.status)).all())
    assert statuses == {"stock:feed:A:0": "superseded", "stock:feed:A:1": "superseded", "stock:feed:A:2": "delivered"}


def test_a_crashed_workers_expired_lease_is_claimed_again(ctx: HubContext) -> None:
    crashed, busy = release(ctx, n=2)
    now = utcnow()
    with ctx.engine.begin() as conn:
        conn.execute(
            outbox.update()
            .where(outbox.c.id == crashed)
            .values(status="delivering", attempts=1, lease_until=now - timedelta(seconds=5))
        )
        conn.execute(
            outbox.update()
            .where(outbox.c.id == busy)
            .values(status="delivering", attempts=1, lease_until=now + timedelta(minutes=5))
        )
    [result] = OutboxWorker(ctx, FAST).run_once()
    assert (result.id, result.outcome, result.attempts) == (crashed, "delivered", 2)
    assert row(ctx, busy).status == "delivering"  # another worker holds it


def test_a_message_that_keeps_losing_its_worker_is_dead_lettered(ctx: HubContext) -> None:
    [out_id] = release(ctx)
    with ctx.engine.begin() as conn:
        conn.execute(
            outbox.update()
            .where(outbox.c.id == out_id)
            .values(status="delivering", attempts=3, lease_until=utcnow() - timedelta(seconds=1))
        )
    [result] = OutboxWorker(ctx, RetryPolicy(max_attempts=3, base=0, jitter=0)).run_once()
    assert (result.outcome, result.error_code) == ("dead", "lease_expired")
    assert delivered("wms") == []


def test_concurrent_workers_claim_disjoint_rows(ctx: HubContext) -> None:
    ids = set(release(ctx, n=200))
    start = threading.Barrier(2)
    got: list[list[DeliveryResult]] = [[], []]
    errors: list[BaseException] = []

    def work(slot: int) -> None:
        try:
            worker = OutboxWorker(ctx, FAST, worker_id=f"w{slot}")
            start.wait()
            got[slot] = worker.drain(limit=7)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    first, second = ({r.id for r in results} for results in got)
    assert not first & second
    assert first | second == ids
    sent = [m.id for m in delivered("wms")]
    assert len(sent) == 200 and set(sent) == ids
    assert all(r.outcome == "delivered" for results in got for r in results)


# -- hooks and secrets ------------------------------------------------------------------------------


def order(ext: str) -> dict[str, Any]:
    return {
        "external_id": ext,
        "currency": "EUR",
        "ship_to": {"name": "Ana", "country_code": "DE", "postal_code": "10115", "city": "Berlin"},
        "lines": [{"line_no": 1, "sku": "A", "quantity": 1, "unit_price": "9.90"}],
    }


def test_release_hook_moves_the_order_to_released(ctx: HubContext) -> None:
    with ctx.engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="shop", adapter="test_json", channel="shop:acme"))
        set_node(conn, ctx.tenant, "EAST", priority=1, connection="wms")
        set_on_hand(conn, ctx.tenant, "EAST", "A", Decimal(5))
    pipeline = Pipeline(ctx)
    for ext in ("1", "2"):
        ingest_bytes(pipeline, json.dumps(order(ext)).encode(), connection="shop", filename=f"{ext}.json")
    with ctx.engine.begin() as conn:
        conn.execute(orders.update().where(orders.c.external_id == "2").values(status="cancelled"))
    results = OutboxWorker(ctx, FAST).drain()
    assert outcomes(results) == ["delivered", "delivered"]
    with read_only(ctx.engine) as conn:
        status = dict(conn.execute(select(orders.c.external_id, orders.c.status)).all())
        first = conn.execute(select(orders.c.id).where(orders.c.external_id == "1")).scalar_one()
        events = conn.execute(select(order_events).where(order_events.c.to_status == "released")).all()
    assert status == {"1": "released", "2": "cancelled"}
    [event] = events
    out_id = next(r.id for r in results if row(ctx, r.id).body["id"] == first)
    assert (event.order_id, event.from_status, event.reason) == (first, "allocated", "released to wms")
    assert event.detail == {"outbox_id": out_id}


def test_custom_hook_runs_in_the_delivery_transaction_and_its_failure_is_recorded(ctx: HubContext) -> None:
    seen: list[str] = []

    @on_delivered("stock")
    def note(conn: Connection, row_: OutboxRow) -> None:
        seen.append(row_.id)
        status = conn.execute(select(outbox.c.status).where(outbox.c.id == row_.id)).scalar_one()
        if status != "delivered":
            raise AssertionError(status)
        if row_.body["available"] == "0":
            raise RuntimeError("hook bug")

    try:
        stock(ctx, 4, 0)
        [first] = OutboxWorker(ctx, FAST).run_once()
        assert (first.outcome, first.error) == ("delivered", None)
        stock(ctx, 0, 1)
        [second] = OutboxWorker(ctx, FAST).run_once()
        assert (second.outcome, second.error_code) == ("delivered", "hook_failed")
        assert row(ctx, second.id).status == "delivered"
        assert seen == [first.id, second.id]
    finally:
        unregister_delivery_hook("stock", note)


@pytest.mark.parametrize(("error", "status"), [("record", "dead"), ("leak", "pending"), ("config", "pending")])
def test_secrets_never_reach_last_error(ctx: HubContext, error: str, status: str) -> None:
    ctx.environ["FAULTY_API_KEY"] = SECRET  # type: ignore[index]
    connect(ctx, "secretive", secret_env="FAULTY_API_KEY", error=error, failures=1)
    [out_id] = release(ctx, "secretive")
    [result] = OutboxWorker(ctx, FAST).run_once()
    stored = row(ctx, out_id)
    assert stored.status == status
    assert stored.last_error and "***" in stored.last_error
    assert SECRET not in stored.last_error
    assert result.error and SECRET not in result.error
    with read_only(ctx.engine) as conn:
        record = get_connection(conn, ctx.tenant, "secretive")
    assert record is not None and SECRET not in (record.disabled_reason or "")
