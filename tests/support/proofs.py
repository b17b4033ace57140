"""Shared pieces of the crash-safety and dedup proofs: order data, hub setup, worker processes, invariants."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, func, select

from hub.allocation.ledger import set_node, set_on_hand
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.tables import dedup_keys, inbox, order_lines, orders, outbox, reservations, stock_levels

REPO = Path(__file__).resolve().parents[2]
NODES = (("EAST", 1, "wms-east"), ("WEST", 2, "wms-west"))

Payload = dict[str, Any]


def make_orders(rng: random.Random, count: int, skus: Sequence[str], *, prefix: str = "P") -> dict[str, Payload]:
    """`count` orders (external id -> test_json payload) of 1-3 lines of distinct SKUs, 1-3 units each."""
    result: dict[str, Payload] = {}
    for n in range(1, count + 1):
        ext = f"{prefix}{n:05d}"
        picked = rng.sample(list(skus), rng.randint(1, 3))
        result[ext] = {
            "external_id": ext,
            "revision": 1,
            "currency": "EUR",
            "ship_to": {"name": "Zoë Müller", "country_code": "DE", "postal_code": "10115", "city": "Berlin"},
            "lines": [
                {"line_no": i + 1, "sku": sku, "quantity": rng.randint(1, 3), "unit_price": "9.90"}
                for i, sku in enumerate(picked)
            ],
        }
    return result


def setup_hub(engine: Engine, stock: dict[tuple[str, str], int], *, tenant: str = "default") -> None:
    """The `shop` inbound connection, two nodes that release to their own connections, and on-hand stock."""
    with engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="shop", adapter="test_json", channel="shop:acme", tenant=tenant))
        for code, priority, connection in NODES:
            add_connection(conn, ConnectionRecord(name=connection, adapter="test_json", channel=code, tenant=tenant))
            set_node(conn, tenant, code, priority=priority, connection=connection)
        for (node, sku), qty in sorted(stock.items()):
            set_on_hand(conn, tenant, node, sku, Decimal(qty))


def write_files(folder: Path, files: dict[str, Payload | list[Payload]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (folder / name).write_text(json.dumps(body), encoding="utf-8")


@dataclass
class Worker:
    """One `python -m tests.support.proof_worker` subprocess; a thread collects its stdout lines."""

    name: str
    args: list[str]
    log: Path
    wait_go: bool = False
    proc: subprocess.Popen[str] = field(init=False)
    ready: threading.Event = field(init=False, default_factory=threading.Event)
    lines: list[str] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        args = [*self.args, "--wait-go"] if self.wait_go else self.args
        with self.log.open("a", encoding="utf-8") as err:
            err.write(f"--- start {self.name}: {' '.join(args)}\n")
            err.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.support.proof_worker", *args],
                cwd=REPO,
                env=env,
                stdin=subprocess.PIPE if self.wait_go else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.lines.append(line.strip())
            if line.strip() == "ready":
                self.ready.set()
        self.ready.set()  # ended (killed or finished): stop anyone waiting for readiness

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def running(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> bool:
        """SIGKILL; True if the worker was still running (and so was really killed)."""
        if self.proc.poll() is not None:
            return False
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        return True

    def finish(self) -> int:
        """Wait for the worker to end by itself; its exit code."""
        code = self.proc.wait()
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        return code

    def stderr_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(encoding="utf-8")[-chars:]


def worker_db_args(url: str, schema: str | None) -> list[str]:
    return ["--url", url, *(["--schema", schema] if schema else [])]


def status_counts(engine: Engine) -> Counter[str]:
    with read_only(engine) as conn:
        rows = conn.execute(select(inbox.c.status, func.count()).group_by(inbox.c.status)).all()
    return Counter({status: n for status, n in rows})


def received_count(engine: Engine) -> int:
    with read_only(engine) as conn:
        return conn.execute(select(func.count()).select_from(inbox).where(inbox.c.status == "received")).scalar_one()


def assert_consistent(engine: Engine, expected: dict[str, Payload]) -> dict[str, int]:
    """The proof's invariants: nothing lost, nothing doubled, the ledger and the outbox agree with the orders."""
    with read_only(engine) as conn:
        order_rows = conn.execute(select(orders.c.id, orders.c.external_id, orders.c.status)).all()
        line_rows = conn.execute(select(order_lines.c.order_id, order_lines.c.sku, order_lines.c.quantity)).all()
        res_rows = conn.execute(
            select(
                reservations.c.order_id, reservations.c.line_no, reservations.c.node, reservations.c.sku
            ).add_columns(reservations.c.quantity, reservations.c.status)
        ).all()
        levels = conn.execute(select(stock_levels.c.node, stock_levels.c.sku, stock_levels.c.reserved)).all()
        on_hand = dict(
            ((r.node, r.sku), Decimal(r.on_hand))
            for r in conn.execute(select(stock_levels.c.node, stock_levels.c.sku, stock_levels.c.on_hand))
        )
        releases = conn.execute(select(outbox.c.body).where(outbox.c.kind == "order_release")).scalars().all()
        keys = conn.execute(select(func.count()).select_from(dedup_keys)).scalar_one()
        statuses = dict(conn.execute(select(inbox.c.status, func.count()).group_by(inbox.c.status)).all())

    # Every unique external id has exactly one order row: nothing lost, nothing duplicated.
    per_ext = Counter(r.external_id for r in order_rows)
    assert set(per_ext) == set(expected), (
        f"lost: {sorted(set(expected) - set(per_ext))[:10]}, unexpected: {sorted(set(per_ext) - set(expected))[:10]}"
    )
    doubled = {ext: n for ext, n in per_ext.items() if n != 1}
    assert not doubled, f"orders stored more than once: {doubled}"
    assert keys == len(expected), f"{keys} dedup keys for {len(expected)} orders"

    # Lines are exactly the ones sent, once each.
    by_id = {r.id: r for r in order_rows}
    lines: dict[str, Counter[tuple[str, Decimal]]] = defaultdict(Counter)
    for r in line_rows:
        lines[r.order_id][(r.sku, Decimal(r.quantity))] += 1
    for order_id, row in by_id.items():
        sent = Counter((ln["sku"], Decimal(ln["quantity"])) for ln in expected[row.external_id]["lines"])
        assert lines[order_id] == sent, f"order {row.external_id} has lines {lines[order_id]}, was sent {sent}"

    # Reservations: an allocated order holds one per line, a backordered one none; no line is reserved twice.
    held = [r for r in res_rows if r.status == "held"]
    per_line = Counter((r.order_id, r.line_no) for r in held)
    assert all(n == 1 for n in per_line.values()), f"lines reserved twice: {[k for k, n in per_line.items() if n > 1]}"
    held_orders = Counter(r.order_id for r in held)
    statuses_seen = Counter(r.status for r in order_rows)
    for order_id, row in by_id.items():
        want = len(expected[row.external_id]["lines"]) if row.status == "allocated" else 0
        assert held_orders[order_id] == want, f"order {row.external_id} ({row.status}) holds {held_orders[order_id]}"
    assert set(statuses_seen) <= {"allocated", "backordered"}, statuses_seen
    assert not [r for r in res_rows if r.status != "held"], "no order was amended, so nothing should be released"

    # The ledger: reserved stock per node and SKU is the sum of held reservations, and never above on hand.
    held_sum: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in held:
        held_sum[(r.node, r.sku)] += Decimal(r.quantity)
    for lv in levels:
        key = (lv.node, lv.sku)
        assert Decimal(lv.reserved) == held_sum.get(key, Decimal(0)), f"{key}: reserved {lv.reserved} != held"
        assert Decimal(lv.reserved) <= on_hand[key], f"{key}: reserved {lv.reserved} > on hand {on_hand[key]}"
    assert set(held_sum) <= {(lv.node, lv.sku) for lv in levels}

    # Every inbox row ended processed or duplicate: none stuck received, none failed.
    assert set(statuses) <= {"processed", "duplicate"}, f"inbox statuses: {statuses}"

    # Exactly one order_release per allocated order, none for the others.
    released = Counter(body["id"] for body in releases)
    allocated = {order_id for order_id, row in by_id.items() if row.status == "allocated"}
    assert set(released) == allocated, "order_release rows do not match the allocated orders"
    assert all(n == 1 for n in released.values()), "an order was released twice"

    return {
        "orders": len(order_rows),
        "allocated": len(allocated),
        "backordered": statuses_seen.get("backordered", 0),
        "inbox": sum(statuses.values()),
        "processed": statuses.get("processed", 0),
        "duplicate": statuses.get("duplicate", 0),
    }
