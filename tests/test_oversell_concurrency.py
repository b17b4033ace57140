"""64 allocators (32 threads, 32 processes) race for scarce stock on PostgreSQL: not one unit is oversold.

Each allocator makes 30 reservations of 1 to 3 units of 5 hot SKUs (2 nodes x 40 sellable units each),
alternating between the two ways the hub reserves: the single-row guarded `reserve` (single-line orders),
and the pipeline's path (read a StockView, reserve in it, write the reservation rows, `apply_reservations`,
retried on ReservationConflict; some orders have two lines). Then each drains every SKU one unit at a time
until refused everywhere, so by the end all sellable stock must be reserved: no less (nothing lost) and no
more (nothing oversold).
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from hub.allocation.ledger import ReservationConflict, apply_reservations, load_levels, reserve
from hub.model.ids import new_id, utcnow
from hub.stock.movements import record_movement
from hub.stock.safety import set_safety
from hub.store.db import make_engine, read_only
from hub.store.tables import reservations, stock_levels
from hub.testing.databases import postgres_database, postgres_url
from tests.conftest import require_postgres

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

T = "default"
SKUS = [f"HOT-{i}" for i in range(5)]
NODES = ["N1", "N2"]
ON_HAND, SAFETY = Decimal(42), Decimal(2)  # 40 sellable units per node and SKU
THREADS = PROCESSES = 32
ATTEMPTS = 30


def _row(order_id: str, line_no: int, node: str, sku: str, qty: Decimal) -> dict[str, Any]:
    return {
        "id": new_id("res"),
        "tenant": T,
        "order_id": order_id,
        "line_no": line_no,
        "node": node,
        "sku": sku,
        "quantity": qty,
        "status": "held",
        "created_at": utcnow(),
    }


class Refused(Exception):
    """A line no node can take: the order's transaction is rolled back (its other lines too)."""


def reserve_rows(engine: Engine, lines: list[tuple[str, Decimal]], tally: Counter[str]) -> bool:
    """The single-row path: one guarded UPDATE at the first node that has it (single-line orders: a transaction
    holding one stock row never waits for another, so it cannot deadlock with the ordered batch path)."""
    order_id = new_id("ord")
    try:
        with engine.begin() as conn:
            rows = []
            for line_no, (sku, qty) in enumerate(lines, 1):
                node = next((n for n in NODES if reserve(conn, T, n, sku, qty)), None)
                if node is None:
                    raise Refused(sku)
                rows.append(_row(order_id, line_no, node, sku, qty))
            conn.execute(reservations.insert(), rows)
    except Refused:
        return False
    tally["units"] += int(sum(qty for _sku, qty in lines))
    return True


def reserve_view(engine: Engine, lines: list[tuple[str, Decimal]], tally: Counter[str]) -> bool:
    """The pipeline's path: reserve in a view, write the reservation rows, then the guarded batch UPDATE."""
    while True:
        order_id = new_id("ord")
        try:
            with engine.begin() as conn:
                view = load_levels(conn, T, [sku for sku, _qty in lines])
                rows = []
                for line_no, (sku, qty) in enumerate(lines, 1):
                    node = next((n for n in NODES if view.reserve(n, sku, qty)), None)
                    if node is None:
                        return False  # nothing written yet: the view's changes are simply dropped
                    rows.append(_row(order_id, line_no, node, sku, qty))
                conn.execute(reservations.insert(), rows)
                apply_reservations(conn, T, view)
        except ReservationConflict:
            tally["conflicts"] += 1  # another allocator took the stock after this one read it: read again
            continue
        tally["units"] += int(sum(qty for _sku, qty in lines))
        return True


def allocate(engine: Engine, index: int) -> dict[str, int]:
    rng = random.Random(index)
    tally: Counter[str] = Counter()
    for attempt in range(ATTEMPTS):
        lines = [(rng.choice(SKUS), Decimal(rng.randint(1, 3)))]
        path = reserve_view if (index + attempt) % 2 else reserve_rows
        if path is reserve_view and rng.random() < 0.3:  # some orders have a second line of another SKU
            lines.append((rng.choice([s for s in SKUS if s != lines[0][0]]), Decimal(rng.randint(1, 3))))
        tally["attempts"] += 1
        tally["successes" if path(engine, lines, tally) else "refused"] += 1
    drain = reserve_view if index % 2 else reserve_rows
    for sku in SKUS:  # take what is left, one unit at a time, until every node refuses
        while True:
            tally["attempts"] += 1
            if not drain(engine, [(sku, Decimal(1))], tally):
                tally["refused"] += 1
                break
            tally["successes"] += 1
    return dict(tally)


def process_allocator(url: str, schema: str, index: int, start: Any, results: Any) -> None:
    """A child process: its own engine on the test schema, ready, wait for the start, allocate, report."""
    engine = make_engine(url, schema=schema, pool_size=1, max_overflow=0)
    try:
        with engine.connect():
            pass
        results.put(("ready", index, {}))
        start.wait()
        results.put(("done", index, allocate(engine, index)))
    except BaseException as exc:
        results.put(("error", index, {"error": repr(exc)}))
        raise
    finally:
        engine.dispose()


def test_64_concurrent_allocators_never_oversell() -> None:
    require_postgres()
    with postgres_database(pool_size=THREADS + 4, max_overflow=0) as (engine, schema):
        with engine.begin() as conn:
            for node in NODES:
                for sku in SKUS:
                    record_movement(conn, T, node, sku, ON_HAND, "receipt")
                    set_safety(conn, T, node, sku, SAFETY)

        mp = multiprocessing.get_context("forkserver")
        mp.set_forkserver_preload(["hub.allocation.ledger", "hub.store.db", "psycopg", "sqlalchemy"])
        start, results = mp.Event(), mp.Queue()
        processes = [
            mp.Process(target=process_allocator, args=(postgres_url(), schema, i, start, results), daemon=True)
            for i in range(PROCESSES)
        ]
        for p in processes:
            p.start()
        tallies: list[dict[str, int]] = []
        for _ in range(PROCESSES):  # every process connected: start them all together
            kind, index, detail = results.get(timeout=120)
            assert kind == "ready", (index, detail)
        lock = threading.Lock()
        errors: list[BaseException] = []

        def thread_allocator(index: int) -> None:
            start.wait()
            try:
                tally = allocate(engine, index)
            except BaseException as exc:
                errors.append(exc)
                raise
            with lock:
                tallies.append(tally)

        threads = [threading.Thread(target=thread_allocator, args=(PROCESSES + i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        began = time.perf_counter()
        start.set()
        for _ in range(PROCESSES):
            kind, index, detail = results.get(timeout=300)
            assert kind == "done", (index, detail)
            tallies.append(detail)
        for t in threads:
            t.join()
        seconds = time.perf_counter() - began
        for p in processes:
            p.join()
        assert errors == []
        assert [p.exitcode for p in processes] == [0] * PROCESSES

        with read_only(engine) as conn:
            levels = {(r.node, r.sku): r for r in conn.execute(select(stock_levels))}
            r = reservations.c
            held = {
                (node, sku): Decimal(total)
                for node, sku, total in conn.execute(
                    select(r.node, r.sku, func.sum(r.quantity)).where(r.status == "held").group_by(r.node, r.sku)
                )
            }
            orders = conn.execute(select(func.count(func.distinct(r.order_id)))).scalar_one()

    totals = Counter[str]()
    for tally in tallies:
        totals.update(tally)
    assert len(tallies) == THREADS + PROCESSES
    assert len(levels) == len(NODES) * len(SKUS)
    for key, level in sorted(levels.items()):
        on_hand, reserved, safety = Decimal(level.on_hand), Decimal(level.reserved), Decimal(level.safety)
        assert on_hand == ON_HAND and safety == SAFETY and reserved >= 0, key  # no negative stock
        assert reserved == held.get(key, Decimal(0)), key  # the ledger agrees with the reservation rows
        assert reserved <= on_hand - safety, key  # no oversell
        assert reserved == on_hand - safety, key  # every sellable unit was eventually reserved
    sellable = int((ON_HAND - SAFETY) * len(NODES) * len(SKUS))
    assert totals["units"] == sellable == int(sum(held.values()))
    assert totals["successes"] == orders
    assert totals["attempts"] == totals["successes"] + totals["refused"] > totals["successes"]
    print(
        f"\n64 allocators ({THREADS} threads, {PROCESSES} processes): {totals['attempts']} attempts, "
        f"{totals['successes']} reservations ({totals['units']} of {sellable} sellable units), "
        f"{totals['refused']} refused for lack of stock, {totals['conflicts']} conflicts retried, "
        f"oversold 0, in {seconds:.1f} s"
    )
