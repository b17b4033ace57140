"""Long-running processes: the worker loop drains inbox and outbox; `hub serve` answers and stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from bench.webhooks import child_pids
from hub.allocation.ledger import set_node, set_on_hand
from hub.context import HubContext
from hub.pipeline.inbox import store_raw
from hub.plugins.messages import RawMessage
from hub.service import run_worker
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.tables import inbox, orders, outbox
from tests.support.adapters import RecordingSink

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

ORDER = {
    "external_id": "S1",
    "currency": "EUR",
    "ship_to": {"name": "A", "country_code": "DE"},
    "lines": [{"line_no": 1, "sku": "A", "quantity": 1, "unit_price": "1"}],
}


def test_worker_drains_inbox_and_outbox_then_exits_when_idle(hub_ctx: HubContext) -> None:
    with hub_ctx.engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="shop", adapter="test_json", channel="shop"))
        add_connection(conn, ConnectionRecord(name="wms-svc", adapter="test_json", channel="wms-svc"))
        set_node(conn, hub_ctx.tenant, "N", priority=1, connection="wms-svc")
        set_on_hand(conn, hub_ctx.tenant, "N", "A", 5)  # type: ignore[arg-type]
    store_raw(hub_ctx.engine, RawMessage(body=json.dumps(ORDER).encode(), connection="shop"))
    RecordingSink.delivered.pop("wms-svc", None)
    run_worker(hub_ctx, idle_exit=0.2, idle_sleep=0.05)
    with read_only(hub_ctx.engine) as conn:
        assert conn.execute(select(inbox.c.status)).scalar_one() == "processed"
        assert conn.execute(select(orders.c.status)).scalar_one() == "released"
        assert conn.execute(select(outbox.c.status)).scalar_one() == "delivered"
    assert [m.body["external_id"] for m in RecordingSink.delivered["wms-svc"]] == ["S1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_hub_serve_answers_processes_in_its_worker_process_and_stops_all_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "HUB_HOME": str(tmp_path / "home")}
    env.pop("HUB_DATABASE_URL", None)
    env.pop("HUB_DATABASE_SCHEMA", None)
    hub = Path(sys.executable).with_name("hub")
    subprocess.run(
        [str(hub), "connections", "add", "files", "--adapter", "order_files"], env=env, check=True, capture_output=True
    )
    proc = subprocess.Popen(
        [str(hub), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    workers: list[int] = []
    try:
        health = None
        for _ in range(200):  # wait for it to listen (bounded)
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).json()
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert health == {"status": "ok", "tenant": "default"}
        assert httpx.get(f"http://127.0.0.1:{port}/orders").json() == []
        workers = child_pids(proc.pid)
        assert len(workers) == 1, "one worker process (pipeline, outbox, scheduler) beside the API"
        body = (FIXTURES / "order_files" / "orders-2024-05-01.csv").read_bytes()
        queued = httpx.post(f"http://127.0.0.1:{port}/messages/files?process=false", content=body, timeout=10)
        assert queued.status_code == 202  # stored only: the worker process takes it from the inbox
        found: list = []
        for _ in range(300):  # bounded: 30 s
            found = httpx.get(f"http://127.0.0.1:{port}/orders", timeout=5).json()
            if found:
                break
            time.sleep(0.1)
        assert {o["external_id"] for o in found} >= {"SO-1001"}
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=30)[0].decode()
    assert proc.returncode == 0, output
    assert workers and not any(alive(pid) for pid in workers), "the worker process stops with hub serve"
