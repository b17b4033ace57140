"""Leased polls with cursors: one poller per connection at a time, no item skipped or repeated."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from hub.context import HubContext
from hub.pipeline.runner import Pipeline
from hub.plugins.messages import Cursor
from hub.scheduler.cursors import load_cursor
from hub.scheduler.jobs import build_scheduler, polling_connections
from hub.scheduler.leases import acquire, release
from hub.scheduler.polling import poll_connection
from hub.store.connections import ConnectionRecord, add_connection, set_enabled
from hub.store.db import read_only
from hub.store.tables import inbox, orders
from tests.support import poll_adapter
from tests.support.poll_adapter import POLL_ADAPTER


def feed_item(n: int, at: str) -> dict:
    return {
        "updated_at": at,
        "order": {
            "external_id": f"P{n}",
            "currency": "USD",
            "ship_to": {"name": "A", "country_code": "US"},
            "lines": [{"line_no": 1, "sku": "S", "quantity": 1, "unit_price": "1.00"}],
        },
    }


def setup(ctx: HubContext) -> None:
    ctx.registry.register(POLL_ADAPTER)
    with ctx.engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="feed", adapter="test_feed", channel="feed"))


def inbox_ids(ctx: HubContext) -> list[str]:
    with read_only(ctx.engine) as conn:
        return sorted(conn.execute(select(inbox.c.transport_id)).scalars())


def test_cursor_resumes_without_skip_or_repeat(hub_ctx: HubContext) -> None:
    setup(hub_ctx)
    # Three items share one timestamp and the page boundary falls between them.
    poll_adapter.FEED[:] = [feed_item(1, "t1"), feed_item(2, "t2"), feed_item(3, "t2"), feed_item(4, "t2")]
    report = poll_connection(hub_ctx, "feed", page_limit=2, max_pages=1)
    assert (report.leased, report.messages) == (True, 2)
    poll_connection(hub_ctx, "feed", page_limit=2)
    assert inbox_ids(hub_ctx) == ["P1", "P2", "P3", "P4"]
    # Nothing new: a re-poll from the saved cursor adds nothing.
    assert poll_connection(hub_ctx, "feed").messages == 0
    # A late writer at the boundary value and a newer item are both picked up, once.
    poll_adapter.FEED += [feed_item(5, "t2"), feed_item(6, "t3")]
    assert poll_connection(hub_ctx, "feed").messages == 2
    assert inbox_ids(hub_ctx) == ["P1", "P2", "P3", "P4", "P5", "P6"]
    with read_only(hub_ctx.engine) as conn:
        assert load_cursor(conn, hub_ctx.tenant, "feed") == Cursor(lower="t3", seen_at_lower=frozenset({"P6"}))
    Pipeline(hub_ctx).drain()
    with read_only(hub_ctx.engine) as conn:
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == 6


def test_lease_admits_one_holder_until_expiry(hub_ctx: HubContext) -> None:
    assert acquire(hub_ctx.engine, "poll:x", "a", 60)
    assert not acquire(hub_ctx.engine, "poll:x", "b", 60)
    assert acquire(hub_ctx.engine, "poll:x", "a", 60)  # the holder may extend
    release(hub_ctx.engine, "poll:x", "a")
    assert acquire(hub_ctx.engine, "poll:x", "b", -1)  # free again; b takes it with an already-past expiry
    assert acquire(hub_ctx.engine, "poll:x", "c", 60)  # expired: c wins


def test_concurrent_pollers_never_double_poll(hub_ctx: HubContext) -> None:
    setup(hub_ctx)
    poll_adapter.FEED[:] = [feed_item(n, f"t{n:03d}") for n in range(60)]
    results = []

    def worker(holder: str) -> None:
        for _ in range(5):
            results.append(poll_connection(hub_ctx, "feed", holder=holder, page_limit=7))

    threads = [threading.Thread(target=worker, args=(f"h{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = inbox_ids(hub_ctx)
    assert len(ids) == len(set(ids)) == 60


def test_scheduler_has_a_job_per_polling_connection(hub_ctx: HubContext) -> None:
    setup(hub_ctx)
    with hub_ctx.engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="shop", adapter="test_json", channel="shop"))
    assert polling_connections(hub_ctx) == [("feed", 60.0)]
    scheduler = build_scheduler(hub_ctx)
    assert sorted(job.id for job in scheduler.get_jobs()) == ["poll:feed", "sync-connections"]
    with hub_ctx.engine.begin() as conn:
        add_connection(
            conn,
            ConnectionRecord(name="feed2", adapter="test_feed", channel="feed2", options={"poll_interval_seconds": 5}),
        )
        set_enabled(conn, hub_ctx.tenant, "feed", False, "paused by an operator")
    sync = scheduler.get_job("sync-connections")
    sync.func()
    assert sorted(job.id for job in scheduler.get_jobs()) == ["poll:feed2", "sync-connections"]
    assert scheduler.get_job("poll:feed2").trigger.interval.total_seconds() == 5
