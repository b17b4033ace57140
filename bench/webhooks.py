"""Webhook storm against the real API on loopback: requests/s and p50/p99 latency to the 200, then a correctness check.

Run from the repository root:

    .venv/bin/python -m bench.webhooks                          # 2,000 orders x 5, 500 req/s, SQLite + PostgreSQL
    .venv/bin/python -m bench.webhooks --store sqlite --rate 0  # closed loop: as fast as the client threads send

The hub runs on a fresh SQLite file or PostgreSQL schema with one Shopify connection, in one of three layouts
(`--worker`): `during` (default), `hub api` plus `hub worker`, two processes; `after`, the same with the worker
started once every delivery is answered (the intake alone); `serve`, `hub serve` (the API and the worker
process it starts, with the scheduler). The connection's poll interval is a century, so the scheduler never
calls the real shop's host.

Deliveries are Shopify-shaped (REST order bodies, X-Shopify-Hmac-Sha256 over the raw body, X-Shopify-Topic,
X-Shopify-Event-Id): every order in `versions` updates, each its own event, plus one more delivery that is either
a redelivery of one of them (same event id) or a forgery (a tampered body with the original signature); all
shuffled, so older revisions often arrive after newer ones. Pacing is open-loop: delivery i is due at
start + i/rate whatever happened to the others, and its latency counts from when it was due (a client that falls
behind shows up in the figures instead of hiding). Target: p99 under 50 ms at 500 requests/s.

The client writes prepared request bytes on keep-alive sockets from a few threads: it shares the cores with the
hub, so it must cost little (an httpx client cost more CPU per request than the intake it measured). The `cpu`
columns say how many cores' worth each process used while the storm ran.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.tables import inbox, order_lines, orders, webhook_rejections
from hub.testing.databases import postgres_database, postgres_unavailable_reason, postgres_url, sqlite_database

TARGET_RATE = 500.0
TARGET_P99_MS = 50.0
CONNECTION = "storm-shop"
CHANNEL = "shopify:storm"
SHOP = "storm.myshopify.com"
SECRET = "whsec-storm-bench-0123456789abcdef"
TOKEN = "shpat_storm_bench_token"
SECRET_ENV = {"STORM_SHOPIFY_TOKEN": TOKEN, "STORM_SHOPIFY_WEBHOOK_SECRET": SECRET}
FIRST_ID = 820_000_000_000
BASE_TIME = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SHOPIFY_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
NO_POLL_SECONDS = 100 * 365 * 86_400
"""The storm connection's poll interval: its next tick is in 2100, so `hub serve`'s scheduler never calls the
real shop's host (the reconciliation poll is tested against a simulated Admin API instead)."""
LAYOUTS = {
    "during": "`hub api` + `hub worker` processes",
    "after": "`hub api`, then `hub worker` once every delivery is answered",
    "serve": "`hub serve`: API, worker thread and scheduler in one process",
}


# -- deliveries ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Delivery:
    body: bytes
    headers: dict[str, str]
    kind: str  # new | dup | forged
    external_id: str
    version: int
    event: str


def updated_at(index: int, version: int) -> datetime:
    return BASE_TIME + timedelta(seconds=index * 7, minutes=version)


def revision(index: int, version: int) -> int:
    """The revision the Shopify adapter gives an order body: whole seconds of updated_at since 2000-01-01."""
    return int((updated_at(index, version) - SHOPIFY_EPOCH).total_seconds())


def quantity(version: int) -> int:
    return version + 1  # each update changes line 1, so the stored order shows which version won


def order_body(index: int, version: int) -> bytes:
    """A REST-shaped Shopify order (as orders/create and orders/updated webhooks carry it)."""
    order_id = FIRST_ID + index
    stamp = updated_at(index, version).isoformat().replace("+00:00", "Z")
    created = updated_at(index, 0).isoformat().replace("+00:00", "Z")
    data = {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#S{index}",
        "email": f"buyer{index}@example.com",
        "created_at": created,
        "updated_at": stamp,
        "cancelled_at": None,
        "cancel_reason": None,
        "currency": "EUR",
        "financial_status": "paid",
        "taxes_included": True,
        "customer": {"id": 7_000_000 + index, "first_name": "Kim", "last_name": f"Buyer{index}"},
        "shipping_address": {
            "name": f"Kim Buyer{index}",
            "address1": "Hauptstrasse 5",
            "city": "Berlin",
            "zip": "10115",
            "country": "Germany",
            "country_code": "DE",
        },
        "shipping_lines": [{"id": 1, "title": "DHL Paket", "code": "DHL", "price": "4.90"}],
        "line_items": [
            {
                "id": order_id * 10 + 1,
                "sku": f"SKU-{index % 50:03d}",
                "title": "T-Shirt",
                "name": "T-Shirt",
                "quantity": quantity(version),
                "price": "19.90",
                "variant_id": 900 + index % 50,
                "tax_lines": [],
                "discount_allocations": [],
            },
            {
                "id": order_id * 10 + 2,
                "sku": "MUG-BLUE",
                "title": "Mug",
                "name": "Mug",
                "quantity": 1,
                "price": "12.50",
                "variant_id": 999,
                "tax_lines": [],
                "discount_allocations": [],
            },
        ],
    }
    return json.dumps(data, separators=(",", ":")).encode()


def graphql_node(index: int, version: int) -> dict[str, Any]:
    """The same order as the Admin GraphQL API returns it to the reconciliation poll."""
    rest = json.loads(order_body(index, version))
    money = {"shopMoney": {"amount": "0.00", "currencyCode": "EUR"}}

    def price(amount: str) -> dict[str, Any]:
        return {"shopMoney": {"amount": amount, "currencyCode": "EUR"}}

    return {
        "id": rest["admin_graphql_api_id"],
        "name": rest["name"],
        "email": rest["email"],
        "createdAt": rest["created_at"],
        "updatedAt": rest["updated_at"],
        "cancelledAt": None,
        "cancelReason": None,
        "currencyCode": "EUR",
        "displayFinancialStatus": "PAID",
        "taxesIncluded": True,
        "customer": {"id": f"gid://shopify/Customer/{rest['customer']['id']}", "firstName": "Kim", "lastName": "B"},
        "shippingAddress": {
            "name": rest["shipping_address"]["name"],
            "address1": "Hauptstrasse 5",
            "city": "Berlin",
            "zip": "10115",
            "countryCodeV2": "DE",
        },
        "billingAddress": None,
        "taxLines": [],
        "totalTaxSet": money,
        "totalDiscountsSet": money,
        "discountCodes": [],
        "shippingLines": {"nodes": [{"title": "DHL Paket", "code": "DHL", "originalPriceSet": price("4.90")}]},
        "lineItems": {
            "pageInfo": {"hasNextPage": False},
            "nodes": [
                {
                    "id": f"gid://shopify/LineItem/{item['id']}",
                    "sku": item["sku"],
                    "name": item["name"],
                    "quantity": item["quantity"],
                    "variant": {"id": f"gid://shopify/ProductVariant/{item['variant_id']}"},
                    "originalUnitPriceSet": price(item["price"]),
                    "discountAllocations": [],
                    "taxLines": [],
                }
                for item in rest["line_items"]
            ],
        },
    }


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def storm(orders_count: int, *, versions: int = 4, forged_share: float = 0.1, seed: int = 7) -> list[Delivery]:
    """`orders_count` x (`versions` + 1) deliveries, shuffled: every version once, plus a redelivery or a forgery."""
    rng = random.Random(seed)
    out: list[Delivery] = []
    for index in range(orders_count):
        external_id = str(FIRST_ID + index)
        mine: list[Delivery] = []
        for version in range(versions):
            body = order_body(index, version)
            event = f"evt-{index}-{version}"
            headers = {
                "content-type": "application/json",
                "x-shopify-topic": "orders/create" if version == 0 else "orders/updated",
                "x-shopify-hmac-sha256": sign(body),
                "x-shopify-shop-domain": SHOP,
                "x-shopify-event-id": event,
                "x-shopify-webhook-id": f"wh-{index}-{version}-{rng.randrange(1 << 30)}",
                "x-shopify-api-version": "2026-10",
            }
            mine.append(Delivery(body, headers, "new", external_id, version, event))
        original = rng.choice(mine)
        if rng.random() < forged_share:
            tampered = original.body.replace(b'"price":"19.90"', b'"price":"0.01"')
            forged = {**original.headers, "x-shopify-event-id": f"{original.event}-forged"}
            mine.append(
                Delivery(tampered, forged, "forged", external_id, original.version, forged["x-shopify-event-id"])
            )
        else:
            mine.append(
                Delivery(original.body, dict(original.headers), "dup", external_id, original.version, original.event)
            )
        out += mine
    rng.shuffle(out)
    return out


# -- the hub under test ---------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def add_storm_connection(engine: Engine) -> None:
    with engine.begin() as conn:
        add_connection(
            conn,
            ConnectionRecord(
                name=CONNECTION,
                adapter="shopify",
                channel=CHANNEL,
                options={"shop": SHOP, "poll_interval_seconds": NO_POLL_SECONDS},
                secret_refs={"access_token": "STORM_SHOPIFY_TOKEN", "webhook_secret": "STORM_SHOPIFY_WEBHOOK_SECRET"},
            ),
        )


def hub_command() -> list[str]:
    script = Path(sys.executable).with_name("hub")
    if script.is_file():
        return [str(script)]
    found = shutil.which("hub")
    if found is None:
        raise RuntimeError("the `hub` console script is not installed next to this Python")
    return [found]


@dataclass
class RunningHub:
    """`hub api` on a loopback port, and `hub worker` once started; both stopped (SIGTERM) when the block ends."""

    base: str
    env: dict[str, str]
    home: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    logs: list[Any] = field(default_factory=list)

    def spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.home / f"{name}.log", "wb")  # noqa: SIM115 - closed by stop()
        self.logs.append(log)
        proc = subprocess.Popen([*hub_command(), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        self.names.append(name)
        return proc

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) each running process has used so far, by name: api, worker. The worker
        processes `hub serve` starts count as `worker`."""
        out: dict[str, float] = {}
        for name, proc in zip(self.names, self.procs, strict=True):
            own = _proc_stat(proc.pid)
            if own is None:
                continue
            out[name] = out.get(name, 0.0) + own[1]
            children = [stat[1] for stat in map(_proc_stat, child_pids(proc.pid)) if stat is not None]
            if children:
                out["worker"] = out.get("worker", 0.0) + sum(children)
        return out

    def start_worker(self) -> None:
        self.spawn("worker", "worker")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for log in self.logs:
            log.close()


def child_pids(parent: int) -> list[int]:
    """The live processes whose parent is `parent` (from /proc)."""
    pids = (int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit())
    return [pid for pid in pids if (stat := _proc_stat(pid)) is not None and stat[0] == parent]


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used) of a live process, from /proc; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def running_hub(
    database_url: str, home: Path, *, schema: str | None = None, worker: bool = True, serve: bool = False
) -> Iterator[RunningHub]:
    """`hub api` on a free loopback port (and `hub worker` unless `worker` is False) on the given database; with
    `serve`, `hub serve` instead (its process is named `api`; its worker is a thread of it)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(SECRET_ENV)
    env.update({"HUB_HOME": str(home), "HUB_DATABASE_URL": database_url})
    if schema:
        env["HUB_DATABASE_SCHEMA"] = schema
    home.mkdir(parents=True, exist_ok=True)
    hub = RunningHub(f"http://127.0.0.1:{port}", env, home)
    try:
        api = hub.spawn("api", "serve" if serve else "api", "--host", "127.0.0.1", "--port", str(port))
        _wait_healthy(hub.base, api, home / "api.log")
        if worker and not serve:
            hub.start_worker()
        yield hub
    finally:
        hub.stop()


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`hub api` exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"`hub api` did not answer /health within {timeout:g}s:\n{log.read_text(errors='replace')[-3000:]}"
    )


# -- sending ----------------------------------------------------------------------------------------------------------
@dataclass
class SendReport:
    codes: Counter[int] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)  # received | duplicate | rejected | other
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds, from when the delivery was due to its answer
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


class Wire:
    """One keep-alive HTTP/1.1 connection on a plain socket: writes prepared request bytes, reads one answer.

    The load generator shares the machine's cores with the hub, so it must cost little: no HTTP library per
    request, only a send and a receive (httpx cost more CPU per request than the hub's whole intake)."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=30.0)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pending = b""

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.pending:
            self.pending += self._recv()
        head, _, rest = self.pending.partition(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            rest += self._recv()
        self.pending = rest[length:]
        return status, rest[:length]

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        return chunk

    def close(self) -> None:
        self.sock.close()


def request_bytes(host: str, path: str, delivery: Delivery) -> bytes:
    head = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(delivery.body)}"]
    head += [f"{name}: {value}" for name, value in delivery.headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + delivery.body


def send(base: str, deliveries: Sequence[Delivery], *, threads: int = 8, rate: float | None = None) -> SendReport:
    """Post every delivery to /webhooks/<connection> from `threads` threads; open-loop at `rate` per second."""
    address = httpx.URL(base)
    host, port = str(address.host), int(address.port or 80)
    prepared = [request_bytes(f"{host}:{port}", f"/webhooks/{CONNECTION}", d) for d in deliveries]
    report = SendReport()
    lock = threading.Lock()
    counter = itertools.count()
    start = time.perf_counter() + 0.2

    def run() -> None:
        wire = Wire(host, port)
        try:
            while True:
                i = next(counter)
                if i >= len(deliveries):
                    return
                due = start + i / rate if rate else time.perf_counter()
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                delivery = deliveries[i]
                try:
                    status, body = wire.exchange(prepared[i])
                    elapsed = time.perf_counter() - due
                    answer = json.loads(body).get("status", "other") if body else "other"
                except (OSError, ValueError) as exc:
                    with lock:
                        report.errors.append(f"{delivery.event}: {type(exc).__name__}: {exc}")
                    wire.close()
                    wire = Wire(host, port)
                    continue
                with lock:
                    report.codes[status] += 1
                    report.answers[answer] += 1
                    report.by_kind.setdefault(delivery.kind, Counter()).update([answer])
                    report.latencies.append(elapsed)
        finally:
            wire.close()

    pool = [threading.Thread(target=run, name=f"storm-{n}", daemon=True) for n in range(threads)]
    began = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    report.seconds = time.perf_counter() - max(began, start if rate else began)
    return report


# -- checking -------------------------------------------------------------------------------------------------------
def wait_drained(engine: Engine, *, timeout: float = 300.0) -> bool:
    """Wait until the worker has taken every stored delivery from the inbox."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with read_only(engine) as conn:
            waiting = conn.execute(
                select(func.count()).select_from(inbox).where(inbox.c.status == "received")
            ).scalar_one()
        if waiting == 0:
            return True
        time.sleep(0.25)
    return False


def check(engine: Engine, deliveries: Sequence[Delivery], report: SendReport) -> list[str]:
    """What is wrong with the outcome (empty when exactly right): orders, revisions, inbox rows, answers, counter."""
    problems: list[str] = []
    newest: dict[str, int] = {}
    index_of: dict[str, int] = {}
    for d in deliveries:
        if d.kind == "new":
            newest[d.external_id] = max(newest.get(d.external_id, -1), d.version)
            index_of[d.external_id] = int(d.external_id) - FIRST_ID
    new = sum(1 for d in deliveries if d.kind == "new")
    dups = sum(1 for d in deliveries if d.kind == "dup")
    forged = sum(1 for d in deliveries if d.kind == "forged")
    if report.errors:
        problems.append(f"{len(report.errors)} requests failed, first: {report.errors[0]}")
    expected_codes = Counter({200: new + dups, 401: forged})
    if +report.codes != +expected_codes:
        problems.append(f"HTTP answers {dict(report.codes)}, expected {dict(expected_codes)}")
    if report.answers["received"] != new or report.answers["duplicate"] != dups:
        problems.append(f"answers {dict(report.answers)}: expected {new} received and {dups} duplicate")
    if report.by_kind.get("forged", Counter())["rejected"] != forged:
        problems.append(f"forged deliveries answered {dict(report.by_kind.get('forged', {}))}")
    with read_only(engine) as conn:
        rows = conn.execute(
            select(orders.c.id, orders.c.external_id, orders.c.revision, orders.c.source).where(
                orders.c.source == CHANNEL
            )
        ).all()
        line1 = dict(
            conn.execute(select(order_lines.c.order_id, order_lines.c.quantity).where(order_lines.c.line_no == 1)).all()
        )
        statuses = Counter(conn.execute(select(inbox.c.status).where(inbox.c.connection == CONNECTION)).scalars())
        failed = conn.execute(
            select(inbox.c.transport_id, inbox.c.error_code, inbox.c.error_message).where(inbox.c.status == "failed")
        ).first()
        rejected = conn.execute(
            select(webhook_rejections.c.rejected).where(webhook_rejections.c.connection == CONNECTION)
        ).scalar_one_or_none()
    stored = {r.external_id: r for r in rows}
    if sorted(stored) != sorted(newest):
        problems.append(f"{len(stored)} orders stored, expected {len(newest)} (extra/missing differ)")
    wrong = [
        ext
        for ext, version in newest.items()
        if ext in stored
        and (
            stored[ext].revision != revision(index_of[ext], version)
            or int(line1.get(stored[ext].id, -1)) != quantity(version)
        )
    ]
    if wrong:
        problems.append(f"{len(wrong)} orders not at their newest revision, e.g. {wrong[:3]}")
    if sum(statuses.values()) != new or statuses["received"] or statuses["failed"]:
        problems.append(f"inbox {dict(statuses)}: expected {new} rows, none waiting or failed (first failure {failed})")
    if (rejected or 0) != forged:
        problems.append(f"rejection counter {rejected}, expected {forged}")
    return problems


# -- the bench ------------------------------------------------------------------------------------------------------
@dataclass
class Run:
    store: str
    report: SendReport
    drain_seconds: float
    problems: list[str]
    cpu: dict[str, float]  # CPU seconds used during the storm: api, worker (when it ran), client (this process)

    def cpu_share(self, name: str) -> float:
        """Cores' worth of CPU the process used while the storm ran (1.0 = one core all the time)."""
        return self.cpu.get(name, 0.0) / self.report.seconds if self.report.seconds else 0.0


def run_on(
    store: str, deliveries: Sequence[Delivery], *, threads: int, rate: float | None, tmp: Path, layout: str
) -> Run:
    if store == "sqlite":
        folder = tmp / "sqlite"
        folder.mkdir()
        with sqlite_database(folder) as engine:
            add_storm_connection(engine)
            url = str(engine.url.render_as_string(hide_password=False))
            home = tmp / "home-sqlite"
            return _run(store, engine, url, None, deliveries, threads=threads, rate=rate, home=home, layout=layout)
    with postgres_database() as (engine, schema):
        add_storm_connection(engine)
        home = tmp / "home-pg"
        return _run(
            store,
            engine,
            postgres_url(),
            schema,
            deliveries,
            threads=threads,
            rate=rate,
            home=home,
            layout=layout,
        )


def _run(
    store: str,
    engine: Engine,
    url: str,
    schema: str | None,
    deliveries: Sequence[Delivery],
    *,
    threads: int,
    rate: float | None,
    home: Path,
    layout: str,
) -> Run:
    with running_hub(url, home, schema=schema, worker=layout == "during", serve=layout == "serve") as hub:
        before, client_before = hub.cpu_seconds(), time.process_time()
        report = send(hub.base, deliveries, threads=threads, rate=rate)
        after, client_after = hub.cpu_seconds(), time.process_time()
        cpu = {name: after[name] - before.get(name, 0.0) for name in after}
        cpu["client"] = client_after - client_before
        if layout == "after":
            hub.start_worker()
        began = time.perf_counter()
        drained = wait_drained(engine)
        drain = time.perf_counter() - began
    problems = [] if drained else ["the inbox was not drained within the timeout"]
    problems += check(engine, deliveries, report)
    return Run(store, report, drain, problems, cpu)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=2000, help="orders (each delivered 5 times); default 2000")
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="requests/s, open loop; 0 = closed loop")
    parser.add_argument("--threads", type=int, default=16, help="client threads (default 16)")
    parser.add_argument("--store", default="sqlite,postgresql", help="sqlite, postgresql or both (comma-separated)")
    parser.add_argument("--forged", type=float, default=0.1, help="share of orders with a forged delivery")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--worker",
        choices=tuple(LAYOUTS),
        default="during",
        help="; ".join(f"{name}: {text}" for name, text in LAYOUTS.items()) + " (default: during)",
    )
    args = parser.parse_args(argv)
    deliveries = storm(args.orders, forged_share=args.forged, seed=args.seed)
    rate = args.rate or None
    dups = sum(d.kind == "dup" for d in deliveries)
    forged = sum(d.kind == "forged" for d in deliveries)
    pacing = f"open loop at {rate:g} req/s" if rate else "closed loop"
    print(
        f"webhook storm: {len(deliveries)} deliveries of {args.orders} orders ({dups} redelivered, {forged} forged), "
        f"{pacing}, {args.threads} client threads, {LAYOUTS[args.worker]}, loopback only, {os.cpu_count()} CPUs"
    )
    print(f"target: p99 < {TARGET_P99_MS:g} ms at {TARGET_RATE:g} req/s")
    print("cpu: cores' worth used during the storm by the API process, the worker and this load generator")
    print(
        f"{'store':<11} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'drain s':>8} "
        f"{'cpu api':>8} {'worker':>7} {'client':>7}  result"
    )
    failed = False
    with tempfile.TemporaryDirectory(prefix="hub-webhook-bench-") as tmp:
        for n, store in enumerate(s.strip() for s in args.store.split(",") if s.strip()):
            if store.startswith("postgres"):
                reason = postgres_unavailable_reason()
                if reason:
                    print(f"{store:<11} skipped: {reason}")
                    continue
                store = "postgresql"
            elif store != "sqlite":
                parser.error(f"unknown store {store!r}")
            folder = Path(tmp) / f"run{n}"
            folder.mkdir()
            run = run_on(store, deliveries, threads=args.threads, rate=rate, tmp=folder, layout=args.worker)
            r = run.report
            met = rate is not None and rate >= TARGET_RATE and r.percentile(99) * 1000 < TARGET_P99_MS
            verdict = "correct" if not run.problems else "WRONG: " + "; ".join(run.problems)
            target = ("target met" if met else "target missed") if rate else "no target (closed loop)"
            print(
                f"{store:<11} {r.rate:8.0f} {r.percentile(50) * 1000:8.1f} {r.percentile(90) * 1000:8.1f} "
                f"{r.percentile(99) * 1000:8.1f} {max(r.latencies, default=0) * 1000:8.1f} {run.drain_seconds:8.1f} "
                f"{run.cpu_share('api'):8.2f} {run.cpu_share('worker'):7.2f} {run.cpu_share('client'):7.2f}  "
                f"{verdict}, {target}"
            )
            failed |= bool(run.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
