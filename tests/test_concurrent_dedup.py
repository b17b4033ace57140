"""Dedup under concurrency: 1,000 deliveries of 100 orders from several processes at once give exactly 100 orders."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from hub.testing.databases import postgres_database, postgres_url, sqlite_database
from tests.conftest import require_postgres
from tests.support.proofs import Worker, assert_consistent, make_orders, setup_hub, worker_db_args, write_files

pytestmark = pytest.mark.slow

SEED = 1_000
ORDERS = 100
COPIES = 10
PROCESSES = 4
SKUS = 20


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, list[str]]]:
    if request.param == "sqlite":
        with sqlite_database(tmp_path) as engine:
            yield engine, worker_db_args(str(engine.url), None)
    else:
        require_postgres()
        with postgres_database() as (engine, schema):
            yield engine, worker_db_args(postgres_url(), schema)


def test_thousand_concurrent_deliveries_give_one_order_each(store: tuple[Engine, list[str]], tmp_path: Path) -> None:
    engine, db_args = store
    rng = random.Random(SEED)
    expected = make_orders(rng, ORDERS, [f"SKU-{i:02d}" for i in range(SKUS)], prefix="D")
    # Enough stock on EAST for most orders and on WEST for some more, so both allocation and backorders race.
    setup_hub(engine, {(node, f"SKU-{i:02d}"): q for i in range(SKUS) for node, q in (("EAST", 12), ("WEST", 6))})

    deliveries = [ext for ext in expected for _ in range(COPIES)]
    rng.shuffle(deliveries)
    # A webhook-like sender: every delivery is its own file (name = delivery number), stored raw and processed
    # at once by whichever process received it. The k-th file goes to process k % PROCESSES.
    folder = tmp_path / "deliveries"
    write_files(folder, {f"delivery-{k:04d}.json": expected[ext] for k, ext in enumerate(deliveries)})

    logs = tmp_path / "logs"
    logs.mkdir()

    def acked_args(i: int) -> list[str]:
        return ["--acked", str(tmp_path / f"acked-{i}.jsonl"), "--wait", "60"]

    workers = [
        Worker(
            f"ingest-{i}",
            [*db_args, "--mode", "ingest", "--dir", str(folder), "--shard", f"{i}/{PROCESSES}", *acked_args(i)],
            logs / f"ingest-{i}.log",
            wait_go=True,
        )
        for i in range(PROCESSES)
    ]
    for worker in workers:  # every process is connected and waiting: start them together
        worker.ready.wait()
        assert worker.running(), worker.stderr_tail()
    for worker in workers:
        worker.go()
    for worker in workers:
        assert worker.finish() == 0, worker.stderr_tail()
        assert worker.lines[-1] == f"done {len(deliveries) // PROCESSES}"

    reports = [
        json.loads(line)
        for i in range(PROCESSES)
        for line in (tmp_path / f"acked-{i}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(reports) == len(deliveries)
    assert Counter(r["status"] for r in reports) == {"accepted": ORDERS, "duplicate": len(deliveries) - ORDERS}
    accepted_files = {r["file"] for r in reports if r["status"] == "accepted"}
    assert {deliveries[int(name[9:13])] for name in accepted_files} == set(expected)

    summary = assert_consistent(engine, expected)  # also: 100 dedup keys, ledger == reservations, releases
    assert summary["orders"] == ORDERS
    assert (summary["inbox"], summary["processed"], summary["duplicate"]) == (len(deliveries), ORDERS, 900)
    assert summary["allocated"] > 0 and summary["backordered"] > 0
    print(f"\n{summary}")
