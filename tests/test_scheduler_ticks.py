"""Several scheduler instances on one PostgreSQL database: each tick of a connection is polled exactly once.

A tick is a slot on the connection's schedule (every 0.5 s here, on a grid every instance
computes alike). Every instance fires every tick; the property checked is that, for every
tick any instance fired, exactly one instance claimed it, the claimer polled it (the poll of
the tick before had finished), nobody else did, and the polls form one unbroken cursor chain.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from hub.context import HubContext
from hub.plugins.registry import Registry
from hub.scheduler.jobs import build_scheduler
from hub.scheduler.leases import acquire
from hub.scheduler.polling import PollReport, lease_name, poll_connection
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import make_engine, read_only
from hub.store.tables import inbox, leases, poll_ticks
from hub.testing.databases import postgres_database, postgres_url
from tests.conftest import require_postgres
from tests.test_scheduler_adapters import CallLog, counting_adapter, seq

INTERVAL = 0.5


@pytest.fixture
def pg() -> Iterator[tuple[Engine, str]]:
    require_postgres()
    with postgres_database() as (engine, schema):
        with engine.begin() as conn:
            add_connection(
                conn,
                ConnectionRecord(
                    name="wms", adapter="test_ticks", channel="wms", options={"poll_interval_seconds": INTERVAL}
                ),
            )
        yield engine, schema


def instance(schema: str, name: str, log: CallLog, tmp_path: Path, gate: Callable | None = None) -> HubContext:
    """One hub instance as a separate process would have it: its own engine (pool) and its own registry."""
    engine = make_engine(postgres_url(), schema=schema)
    registry = Registry()
    registry.register(counting_adapter(name, log, gate))
    home = tmp_path / name
    home.mkdir()
    return HubContext(engine=engine, registry=registry, home=home, environ={})


def wait_for(condition: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


class Reports:
    def __init__(self) -> None:
        self.items: list[tuple[str, PollReport]] = []
        self.lock = threading.Lock()

    def collector(self, holder: str) -> Callable[[PollReport], None]:
        def add(report: PollReport) -> None:
            with self.lock:
                self.items.append((holder, report))

        return add

    def snapshot(self) -> list[tuple[str, PollReport]]:
        with self.lock:
            return list(self.items)

    def polled(self, holders: set[str] | None = None) -> list[tuple[str, PollReport]]:
        return [(h, r) for h, r in self.snapshot() if r.outcome == "polled" and (holders is None or h in holders)]


def test_three_schedulers_poll_each_tick_exactly_once(pg: tuple[Engine, str], tmp_path: Path) -> None:
    engine, schema = pg
    log, reports = CallLog(), Reports()
    contexts = {name: instance(schema, name, log, tmp_path) for name in ("i1", "i2", "i3")}
    schedulers = [
        build_scheduler(ctx, holder=name, on_report=reports.collector(name), refresh_seconds=3600)
        for name, ctx in contexts.items()
    ]
    for scheduler in schedulers:
        scheduler.start()
    try:
        wait_for(lambda: len(reports.polled()) >= 8, "8 polled ticks")
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=True)
        for ctx in contexts.values():
            ctx.engine.dispose()

    by_tick: dict[datetime, list[tuple[str, PollReport]]] = defaultdict(list)
    for holder, report in reports.snapshot():
        assert report.tick is not None
        by_tick[report.tick].append((holder, report))
    # Ticks are slots of the 0.5 s grid, the same for every instance.
    assert all((tick.timestamp() * 1000) % (INTERVAL * 1000) == 0 for tick in by_tick)
    for tick, runs in by_tick.items():
        claimers = [(h, r) for h, r in runs if r.outcome != "tick_taken"]
        assert len(claimers) == 1, (tick, runs)  # exactly one instance claimed each tick any instance fired
        holder, report = claimers[0]
        assert (report.outcome, report.messages) in {("polled", 1), ("busy", 0)}, (tick, report)
    assert {holder for holder, _ in reports.snapshot()} == set(contexts)  # every instance ran the job
    polled = reports.polled()
    assert len({r.tick for _, r in polled}) == len(polled)  # no tick polled twice
    # The poller was called once per polled tick, each call from the cursor the previous poll saved.
    calls = log.snapshot()
    assert [lower for _, lower in calls] == [None] + [seq(n) for n in range(1, len(calls))]
    assert len(calls) == len(polled)
    with read_only(engine) as conn:
        stored = conn.execute(select(inbox.c.transport_id).order_by(inbox.c.transport_id)).scalars().all()
        rows = conn.execute(select(poll_ticks).order_by(poll_ticks.c.slot_at)).all()
    ticks = {row.slot_at: (row.holder, row.outcome) for row in rows}
    # A claimer skips its tick as busy only while the poll of an earlier tick still runs (polls never overlap).
    for i, row in enumerate(rows):
        if row.outcome == "busy":
            assert any(p.outcome == "polled" and p.finished_at > row.claimed_at for p in rows[:i]), row
    assert stored == [seq(n) for n in range(1, len(calls) + 1)]
    assert {t: (h, r.outcome) for t, rs in by_tick.items() for h, r in rs if r.outcome != "tick_taken"} == ticks


def test_a_hung_holders_lease_expires_and_another_instance_takes_over(pg: tuple[Engine, str], tmp_path: Path) -> None:
    engine, schema = pg
    log, reports = CallLog(), Reports()
    entered, release = threading.Event(), threading.Event()

    def hang_first_call(name: str, lower: str | None) -> None:
        if name == "hung" and not entered.is_set():
            entered.set()
            release.wait(60)  # stuck inside a poll: the lease is neither extended nor released

    contexts = {name: instance(schema, name, log, tmp_path, hang_first_call) for name in ("hung", "a", "b")}
    lease_seconds = 2.0

    def scheduler_for(name: str):
        ctx = contexts[name]
        return build_scheduler(
            ctx, holder=name, on_report=reports.collector(name), refresh_seconds=3600, lease_seconds=lease_seconds
        )

    hung = scheduler_for("hung")
    hung.start()
    others = []
    try:
        wait_for(entered.is_set, "the first poll to start")
        with read_only(engine) as conn:
            held = conn.execute(select(leases.c.holder, leases.c.expires_at)).one()
        assert held.holder == "hung"
        others = [scheduler_for("a"), scheduler_for("b")]
        for scheduler in others:
            scheduler.start()
        wait_for(lambda: len(reports.polled({"a", "b"})) >= 2, "another instance to take over")
        release.set()
        wait_for(lambda: any(h == "hung" and r.outcome != "tick_taken" for h, r in reports.snapshot()), "hung poll end")
    finally:
        release.set()
        for scheduler in [hung, *others]:
            scheduler.shutdown(wait=True)
        for ctx in contexts.values():
            ctx.engine.dispose()

    (hung_report,) = [r for h, r in reports.snapshot() if h == "hung" and r.outcome != "tick_taken"]
    assert (hung_report.outcome, hung_report.messages) == ("lease_lost", 0)  # its late page was dropped, not stored
    calls = log.snapshot()
    assert calls[0] == ("hung", None)
    assert [lower for _, lower in calls[1:]] == [None] + [seq(n) for n in range(1, len(calls) - 1)]
    with read_only(engine) as conn:
        stored = conn.execute(select(inbox.c.transport_id).order_by(inbox.c.transport_id)).scalars().all()
    assert stored == [seq(n) for n in range(1, len(calls))]  # nothing repeated, nothing skipped


def test_a_dead_holders_lease_blocks_until_it_expires(engine: Engine, tmp_path: Path) -> None:
    """A lease row left by a killed process blocks polls while it lasts; once expired, another holder takes it."""
    log = CallLog()
    registry = Registry()
    registry.register(counting_adapter("live", log))
    ctx = HubContext(engine=engine, registry=registry, home=tmp_path, environ={})
    with engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="wms", adapter="test_ticks", channel="wms"))
    lease = lease_name(ctx.tenant, "wms")
    assert acquire(engine, lease, "killed-instance", 300)
    blocked = poll_connection(ctx, "wms", holder="live")
    assert (blocked.outcome, blocked.leased, log.snapshot()) == ("busy", False, [])
    assert acquire(engine, lease, "killed-instance", -1)  # the same lease, its time to live now over
    report = poll_connection(ctx, "wms", holder="live")
    assert (report.outcome, report.messages, log.snapshot()) == ("polled", 1, [("live", None)])
    with read_only(engine) as conn:
        assert conn.execute(select(leases)).all() == []  # released after the poll


def test_a_worker_started_with_the_schedule_polls_and_stops_cleanly(engine: Engine, tmp_path: Path) -> None:
    from hub.service import run_worker

    log = CallLog()
    registry = Registry()
    registry.register(counting_adapter("worker", log))
    ctx = HubContext(engine=engine, registry=registry, home=tmp_path, environ={})
    with engine.begin() as conn:
        add_connection(
            conn,
            ConnectionRecord(
                name="wms", adapter="test_ticks", channel="wms", options={"poll_interval_seconds": INTERVAL}
            ),
        )
    stop = threading.Event()
    worker = threading.Thread(
        target=run_worker, args=(ctx,), kwargs={"stop": stop, "schedule": True, "idle_sleep": 0.05}
    )
    worker.start()
    try:
        wait_for(lambda: len(log.snapshot()) >= 2, "two scheduled polls")
    finally:
        stop.set()
        worker.join(30)
    assert not worker.is_alive()
    polls = len(log.snapshot())
    time.sleep(INTERVAL * 2)
    assert len(log.snapshot()) == polls  # the scheduler stopped with the worker
    with read_only(engine) as conn:
        ticks = conn.execute(select(poll_ticks.c.outcome)).scalars().all()
    assert ticks.count("polled") == polls
