"""End-to-end ingest benchmark: orders/s from inbox to allocated, on SQLite and PostgreSQL, 1..n worker processes."""

from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing as mp
import os
import pstats
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from hub.allocation.ledger import set_node, set_on_hand
from hub.model.ids import new_id
from hub.pipeline.inbox import store_raw
from hub.pipeline.runner import Pipeline
from hub.plugins.messages import RawMessage
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import make_engine, read_only
from hub.store.tables import inbox, orders
from hub.testing.databases import postgres_database, postgres_unavailable_reason, postgres_url, sqlite_database

TARGET_PG_2_WORKERS = 1000.0  # orders/s, the target for PostgreSQL with 2 workers


@dataclass
class Result:
    store: str
    workers: int
    batch: int
    orders: int
    insert_seconds: float
    drain_seconds: float
    note: str = ""

    @property
    def insert_rate(self) -> float:
        return self.orders / self.insert_seconds if self.insert_seconds else 0.0

    @property
    def rate(self) -> float:
        return self.orders / self.drain_seconds if self.drain_seconds else 0.0


# -- data ---------------------------------------------------------------------------------------------------------
def payloads(count: int, skus: int, seed: int) -> list[bytes]:
    """`count` JSON orders (the in-test `test_json` format), 1-3 lines each over `skus` SKUs."""
    rng = random.Random(seed)
    names = [f"SKU-{i:05d}" for i in range(skus)]
    bodies = []
    for n in range(count):
        lines = [
            {"line_no": i + 1, "sku": sku, "quantity": rng.randint(1, 3), "unit_price": "12.50"}
            for i, sku in enumerate(rng.sample(names, rng.randint(1, 3)))
        ]
        order = {
            "external_id": f"B{n:07d}",
            "currency": "EUR",
            "ship_to": {"name": "Zoë Müller", "country_code": "DE", "postal_code": "10115", "city": "Berlin"},
            "lines": lines,
        }
        bodies.append(json.dumps(order).encode())
    return bodies


def setup(engine: Engine, skus: int) -> None:
    """An inbound connection and two nodes with stock for every SKU, so that every order allocates."""
    with engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="shop", adapter="test_json", channel="shop:bench"))
        add_connection(conn, ConnectionRecord(name="wms-east", adapter="test_json", channel="wms-east"))
        set_node(conn, "default", "EAST", priority=1, connection="wms-east")
        set_node(conn, "default", "WEST", priority=2, connection=None)
        for i in range(skus):
            set_on_hand(conn, "default", "EAST", f"SKU-{i:05d}", Decimal(1_000_000))
            set_on_hand(conn, "default", "WEST", f"SKU-{i:05d}", Decimal(1_000))


def preload(engine: Engine, bodies: Sequence[bytes]) -> float:
    """Store every body raw, one commit each (as a receiver does before it acknowledges); the seconds it took."""
    started = time.perf_counter()
    for n, body in enumerate(bodies):
        store_raw(engine, RawMessage(body=body, connection="shop", filename=f"order-{n:07d}.json"))
    return time.perf_counter() - started


# -- workers ------------------------------------------------------------------------------------------------------
def worker(url: str, schema: str | None, batch: int, profile: str | None, start: Event, out: Any) -> None:
    """One worker process: connect, report ready, wait for the start, then drain the inbox batch by batch."""
    from tests.support.proof_worker import build_context  # the in-test adapter parses the bench's JSON orders

    engine = make_engine(url, schema=schema)
    pipeline = Pipeline(build_context(engine), batch_size=batch)
    with read_only(engine) as conn:
        conn.execute(select(func.count()).select_from(orders)).scalar_one()
    out.put(("ready", os.getpid()))
    start.wait()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    done = 0
    while True:
        got = pipeline.run_once(limit=batch)
        if not got:
            break
        done += len(got)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    out.put(("done", done, time.perf_counter() - started))
    engine.dispose()


def drain(url: str, schema: str | None, workers: int, batch: int, profile: str | None) -> tuple[float, int]:
    """Start `workers` processes, let them connect, then time them draining the inbox together."""
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=worker, args=(url, schema, batch, profile if i == 0 else None, start, out))
        for i in range(workers)
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        kind, *_rest = out.get()
        assert kind == "ready"
    started = time.perf_counter()
    start.set()
    handled = 0
    for _ in procs:
        kind, count, _seconds = out.get()
        handled += count
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
        if proc.exitcode != 0:
            raise SystemExit(f"a worker failed with exit code {proc.exitcode}")
    return elapsed, handled


def check(engine: Engine, expected: int) -> None:
    with read_only(engine) as conn:
        stored = conn.execute(select(func.count()).select_from(orders).where(orders.c.status == "allocated"))
        allocated = stored.scalar_one()
        left = conn.execute(select(func.count()).select_from(inbox).where(inbox.c.status != "processed")).scalar_one()
    if allocated != expected or left:
        raise SystemExit(f"expected {expected} allocated orders and a drained inbox; got {allocated}, {left} left")


# -- runs ---------------------------------------------------------------------------------------------------------
@contextmanager
def sqlite_store() -> Iterator[tuple[Engine, str, str | None]]:
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as folder, sqlite_database(Path(folder)) as engine:
        yield engine, str(engine.url), None


@contextmanager
def postgres_store() -> Iterator[tuple[Engine, str, str | None]]:
    with postgres_database() as (engine, schema):
        yield engine, postgres_url(), schema


def run(store: str, bodies: Sequence[bytes], args: argparse.Namespace, workers: int) -> Result:
    opener = sqlite_store if store == "sqlite" else postgres_store
    profile = str(Path(args.profile) / f"{store}-{workers}w.prof") if args.profile else None
    with opener() as (engine, url, schema):
        setup(engine, args.skus)
        insert_seconds = preload(engine, bodies)
        drain_seconds, handled = drain(url, schema, workers, args.batch, profile)
        check(engine, len(bodies))
    return Result(store, workers, args.batch, handled, insert_seconds, drain_seconds)


def raw_sqlite_ceiling(bodies: Sequence[bytes]) -> tuple[int, float]:
    """Plain sqlite3: executemany of inbox-like rows (same bodies) into one table of a temp file, one commit."""
    with tempfile.TemporaryDirectory(prefix="hub-bench-raw-") as folder:
        db = sqlite3.connect(Path(folder) / "raw.db", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE rows (id TEXT PRIMARY KEY, tenant TEXT, connection TEXT, filename TEXT, "
            "headers TEXT, body BLOB, status TEXT, received_at TEXT)"
        )
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        rows = [
            (new_id("msg"), "default", "shop", f"order-{n:07d}.json", "{}", body, "received", now)
            for n, body in enumerate(bodies)
        ]
        started = time.perf_counter()
        db.execute("BEGIN")
        db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("COMMIT")
        elapsed = time.perf_counter() - started
        db.close()
    return len(rows), elapsed


def table(results: Sequence[Result]) -> str:
    head = ("store", "workers", "batch", "orders", "inbox insert/s", "drain s", "orders/s", "")
    rows = [
        (
            r.store,
            str(r.workers),
            str(r.batch),
            str(r.orders),
            f"{r.insert_rate:,.0f}",
            f"{r.drain_seconds:.2f}",
            f"{r.rate:,.0f}",
            r.note,
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    fmt = "  ".join(f"{{:{'<' if i in (0, 7) else '>'}{w}}}" for i, w in enumerate(widths))
    lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*row) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--orders", type=int, default=5000, help="orders per run (default 5000)")
    parser.add_argument("--batch", type=int, default=100, help="messages per pipeline transaction (default 100)")
    parser.add_argument("--workers", default="1,2", help="worker counts for PostgreSQL, comma separated (1,2)")
    parser.add_argument("--sqlite-workers", default="1", help="worker counts for SQLite (default 1)")
    parser.add_argument("--skus", type=int, default=2000, help="distinct SKUs the orders draw from (default 2000)")
    parser.add_argument("--skip-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--profile", metavar="DIR", help="cProfile the first worker of each run into DIR/*.prof")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    bodies = payloads(args.orders, args.skus, args.seed)
    plan = [] if args.skip_sqlite else [("sqlite", int(w)) for w in args.sqlite_workers.split(",")]
    skipped = None
    if not args.skip_postgres:
        skipped = postgres_unavailable_reason()
        if skipped is None:
            plan += [("postgresql", int(w)) for w in args.workers.split(",")]
    print(f"{args.orders} orders of 1-3 lines over {args.skus} SKUs, batch {args.batch}, {os.cpu_count()} CPUs")
    results = []
    for store, workers in plan:
        result = run(store, bodies, args, workers)
        if store == "postgresql" and workers == 2:
            result.note = "meets 1,000/s target" if result.rate >= TARGET_PG_2_WORKERS else "BELOW 1,000/s target"
        results.append(result)
        print(f"  {store} x{workers}: {result.rate:,.0f} orders/s", file=sys.stderr)
    print(table(results))
    rows, seconds = raw_sqlite_ceiling(bodies)
    print(
        f"ceiling: plain sqlite3 executemany of {rows} inbox-like rows, one transaction, temp file: "
        f"{rows / seconds:,.0f} rows/s ({seconds * 1000:.0f} ms)"
    )
    if skipped:
        print(f"PostgreSQL skipped: {skipped}")
    if args.profile:
        for prof in sorted(Path(args.profile).glob("*.prof")):
            print(f"\n== {prof.name}: top functions by cumulative time (first worker) ==")
            pstats.Stats(str(prof)).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
