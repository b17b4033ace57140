"""Crash safety: workers SIGKILLed at random moments while ingesting lose no order and duplicate none."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from hub.pipeline.inbox import store_raw
from hub.plugins.messages import RawMessage
from hub.testing.databases import postgres_database, postgres_url, sqlite_database
from tests.conftest import require_postgres
from tests.support.proof_worker import read_acked
from tests.support.proofs import (
    Payload,
    Worker,
    assert_consistent,
    make_orders,
    received_count,
    setup_hub,
    worker_db_args,
    write_files,
)

pytestmark = pytest.mark.slow

SEED = 20_240_611
# Enough work that the kills (each worker lives 20-200 ms after start-up) land while there is still work to do.
ORDERS = 1000
RESENT = 200  # orders the sender sends twice under another file name
PAIRS = 30  # files holding two orders that are also sent on their own
SKUS = 100
MIN_KILLS = 50
KILLS = 60  # aimed for; at least MIN_KILLS must interrupt pending work
INGEST_SHARDS = 2
KILL_AFTER = (0.020, 0.200)  # seconds after a worker reports ready


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, list[str]]]:
    """A fresh migrated store and the arguments that point a worker process at it."""
    if request.param == "sqlite":
        with sqlite_database(tmp_path) as engine:
            yield engine, worker_db_args(str(engine.url), None)
    else:
        require_postgres()
        with postgres_database() as (engine, schema):
            yield engine, worker_db_args(postgres_url(), schema)


def dataset(rng: random.Random) -> tuple[dict[str, Payload], dict[str, Payload | list[Payload]]]:
    """The orders, and the files they arrive in: each once, some twice, some inside a two-order file."""
    skus = [f"SKU-{i:03d}" for i in range(SKUS)]
    expected = make_orders(rng, ORDERS, skus)
    ids = list(expected)
    files: dict[str, Payload | list[Payload]] = {f"{ext}.json": expected[ext] for ext in ids}
    files.update({f"{ext}-resent.json": expected[ext] for ext in rng.sample(ids, RESENT)})
    paired = rng.sample(ids, 2 * PAIRS)
    files.update({f"pair-{k:02d}.json": [expected[paired[2 * k]], expected[paired[2 * k + 1]]] for k in range(PAIRS)})
    return expected, files


def test_sigkilled_workers_lose_and_duplicate_nothing(store: tuple[Engine, list[str]], tmp_path: Path) -> None:
    engine, db_args = store
    rng = random.Random(SEED)
    expected, files = dataset(rng)
    # Stock for about two thirds of the demand (4 units per order and SKU): most orders allocate, over two
    # nodes, and some backorder.
    east, west = ORDERS * 4 // SKUS * 3 // 8, ORDERS * 4 // SKUS * 2 // 8
    setup_hub(engine, {(node, f"SKU-{i:03d}"): q for i in range(SKUS) for node, q in (("EAST", east), ("WEST", west))})

    # Half the files come through `ingest` workers (store raw, then process); the other half were already
    # stored raw by a receiver and wait in the inbox for `process` workers (small batches, so many transactions).
    names = sorted(files)
    rng.shuffle(names)
    outbox_dir, backlog = tmp_path / "outgoing", names[len(names) // 2 :]
    write_files(outbox_dir, {name: files[name] for name in names[: len(names) // 2]})
    for name in backlog:
        store_raw(engine, RawMessage(body=json.dumps(files[name]).encode(), connection="shop", filename=name))

    logs = tmp_path / "logs"
    logs.mkdir()
    acked = tmp_path / "acked.jsonl"

    def ingest_worker(shard: int) -> Callable[[], Worker]:
        args = [*db_args, "--mode", "ingest", "--dir", str(outbox_dir), "--acked", str(acked)]
        return lambda: Worker(f"ingest-{shard}", [*args, "--shard", f"{shard}/{INGEST_SHARDS}"], logs / f"i{shard}.log")

    def process_worker() -> Worker:
        args = [*db_args, "--mode", "process", "--batch", "5", "--until-empty"]
        return Worker("process", args, logs / "p.log")

    slots: dict[str, Callable[[], Worker]] = {f"ingest-{i}": ingest_worker(i) for i in range(INGEST_SHARDS)}
    slots["process"] = process_worker
    workers = {name: start() for name, start in slots.items()}
    kill_at: dict[str, float | None] = dict.fromkeys(slots)
    kills: dict[str, int] = dict.fromkeys(slots, 0)
    busy_kills = 0  # kills that interrupted real work: an ingest still sending, or a backlog still waiting
    finished: set[str] = set()

    while len(finished) < len(slots):
        for name, worker in workers.items():
            if name in finished:
                continue
            if not worker.running():
                assert worker.proc.returncode == 0, f"{name} failed:\n{worker.stderr_tail()}"
                finished.add(name)
                continue
            if sum(kills.values()) >= KILLS or not worker.ready.is_set():
                continue
            now = time.monotonic()
            due = kill_at[name]
            if due is None:
                kill_at[name] = now + rng.uniform(*KILL_AFTER)
            elif now >= due:
                if worker.kill():
                    kills[name] += 1
                    busy_kills += 1 if name.startswith("ingest") or received_count(engine) else 0
                    workers[name] = slots[name]()
                    kill_at[name] = None
                else:
                    assert worker.proc.returncode == 0, f"{name} failed:\n{worker.stderr_tail()}"
        time.sleep(0.002)

    # The final clean run: nothing kills this one, and it drains whatever the killed ones left behind.
    final = Worker("final", [*db_args, "--mode", "process", "--batch", "50", "--until-empty"], logs / "final.log")
    assert final.finish() == 0, final.stderr_tail()

    total_kills = sum(kills.values())
    print(f"\nkills per worker: {kills}; {busy_kills} of {total_kills} interrupted pending work")
    assert total_kills >= MIN_KILLS
    assert busy_kills >= MIN_KILLS, "too few kills landed while there was work; give the proof more orders"
    assert all(kills[f"ingest-{i}"] > 0 for i in range(INGEST_SHARDS)) and kills["process"] > 0

    # The sender got a report for every file it had to send (resending those it was cut off from).
    assert read_acked(acked) == set(names[: len(names) // 2])
    summary = assert_consistent(engine, expected)
    assert summary["orders"] == ORDERS
    assert summary["inbox"] >= len(files)  # resends of files whose report never came add rows, never orders
    assert summary["processed"] <= ORDERS
    print(f"files {len(files)}, resends after kills {summary['inbox'] - len(files)}, {summary}")
