"""The demo scenario: a small network on SQLite fed with fixture files, returning what happened."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from hub.allocation.ledger import set_node
from hub.allocation.stock_import import import_stock_csv
from hub.auth import Role, create_token
from hub.context import HubContext
from hub.demo_webhooks import deliver_webhooks, demo_environ
from hub.exceptions import list_exceptions
from hub.partners.store import load_file, save_profile
from hub.pipeline.ingest import ingest_path
from hub.pipeline.runner import Pipeline
from hub.plugins.registry import default_registry
from hub.rules.store import activate, save_rule_set
from hub.store import queries
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import make_engine, read_only
from hub.store.migrate import upgrade
from hub.store.queries import latest_decision
from hub.store.tables import nodes, reservations

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "demo"
DEFAULT_HOME = Path(".hub") / "demo"
MARKER = ".hub-demo"


class DemoError(RuntimeError):
    """The demo cannot run (for example, it was pointed at a folder it did not create)."""


@dataclass
class DemoSummary:
    """What the scenario did, for the CLI to print and tests to check."""

    home: str
    files: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    orders_by_status: dict[str, int] = field(default_factory=dict)
    stock_before: list[dict[str, Any]] = field(default_factory=list)
    stock_after: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    outbound_files: list[str] = field(default_factory=list)
    failed_messages: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    console_token: str = ""  # an operator token for the console, printed once like `hub tokens create` does

    @property
    def delivered(self) -> int:
        return sum(1 for d in self.deliveries if d["outcome"] == "delivered")

    @property
    def duplicates(self) -> int:
        return sum(1 for f in self.files if f["status"] == "duplicate")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"delivered": self.delivered, "duplicates": self.duplicates}


def fresh_home(home: Path) -> None:
    """Wipe and recreate the demo folder, refusing to delete a non-empty folder the demo did not create."""
    if home.exists():
        if any(home.iterdir()) and not (home / MARKER).exists():
            raise DemoError(f"{home} exists and was not made by `hub demo`; choose another --home or empty it")
        shutil.rmtree(home)
    home.mkdir(parents=True)
    (home / MARKER).write_text("made by `hub demo`; wiped at each run\n", encoding="utf-8")


def load_network(fixtures: Path) -> dict[str, Any]:
    with (fixtures / "network.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def setup(ctx: HubContext, network: dict[str, Any], fixtures: Path) -> None:
    """Connections, trading partners and nodes from network.yaml, stock from its CSV."""
    with ctx.engine.begin() as conn:
        for c in network["connections"]:
            add_connection(
                conn,
                ConnectionRecord(
                    name=c["name"],
                    adapter=c["adapter"],
                    channel=c.get("channel", c["name"]),
                    tenant=ctx.tenant,
                    options=dict(c.get("options") or {}),
                    secret_refs=dict(c.get("secrets") or {}),
                ),
            )
        for n in network["nodes"]:
            set_node(
                conn, ctx.tenant, n["code"], priority=n["priority"], connection=n.get("connection"), name=n["name"]
            )
            where = {k: n[k] for k in ("country", "postal_code", "latitude", "longitude") if k in n}
            if where:
                conn.execute(
                    nodes.update()
                    .where(nodes.c.tenant == ctx.tenant, nodes.c.code == n["code"])
                    .values(**{k: Decimal(str(v)) if k in {"latitude", "longitude"} else v for k, v in where.items()})
                )
        if network.get("rules"):
            rule_set = save_rule_set(
                conn, ctx.tenant, (fixtures / network["rules"]).read_text(encoding="utf-8"), network["rules"]
            )
            assert rule_set.version is not None
            activate(conn, ctx.tenant, rule_set.version)
        for partner_file in network.get("partners") or []:
            save_profile(conn, ctx.tenant, load_file(fixtures / partner_file))
    import_stock_csv(ctx.engine, ctx.tenant, fixtures / network["stock"])


def order_nodes(ctx: HubContext) -> dict[str, str]:
    with read_only(ctx.engine) as conn:
        rows = conn.execute(
            select(reservations.c.order_id, reservations.c.node)
            .where(reservations.c.status.in_(("held", "consumed")))  # consumed: shipped from there
            .distinct()
        )
        found: dict[str, list[str]] = {}
        for order_id, node in rows:
            found.setdefault(order_id, []).append(node)
        return {order_id: "+".join(sorted(codes)) for order_id, codes in found.items()}


def _webhook_secrets(network: dict[str, Any], environ: dict[str, str]) -> dict[str, str]:
    """Each webhook connection's signing secret, read from the environment variable its `secrets` names."""
    return {
        c["name"]: environ[c["secrets"]["webhook_secret"]]
        for c in network["connections"]
        if "webhook_secret" in (c.get("secrets") or {})
    }


def run_demo(home: Path | None = None, *, fixtures: Path = FIXTURES) -> DemoSummary:
    """Run the whole scenario in `home` (wiped first) on its own SQLite file; returns the summary."""
    from hub.outbox.worker import OutboxWorker

    started = time.monotonic()
    home = home or DEFAULT_HOME
    fresh_home(home)
    network = load_network(fixtures)
    engine = make_engine(f"sqlite:///{home / 'hub.db'}")
    try:
        upgrade(engine)
        environ = demo_environ(dict(os.environ))
        ctx = HubContext(engine=engine, registry=default_registry(), home=home, environ=environ)
        setup(ctx, network, fixtures)
        summary = DemoSummary(home=str(home))
        with read_only(engine) as conn:
            summary.stock_before = queries.stock(conn, ctx.tenant)

        pipeline = Pipeline(ctx)
        results = []
        for wave in (network["arrivals"], network.get("then") or []):  # `then`: answers to what was delivered
            for arrival in wave:
                path = (fixtures / arrival["file"]).resolve()
                report = ingest_path(pipeline, path, connection=arrival["connection"]).as_dict()
                report["path"] = path.name
                summary.files.append(report | {"connection": arrival["connection"], "note": arrival.get("note", "")})
            if wave is network["arrivals"] and network.get("webhooks"):
                secrets = _webhook_secrets(network, environ)
                summary.files += deliver_webhooks(ctx, pipeline, network["webhooks"], secrets, fixtures)
            results += OutboxWorker(ctx).drain()
        summary.console_token = create_token(engine, ctx.tenant, Role.OPERATOR, "demo console")
        summary.deliveries = [
            {
                "id": r.id,
                "connection": r.connection,
                "kind": r.kind,
                "outcome": r.outcome,
                "attempts": r.attempts,
                "error": r.error,
            }
            for r in results
        ]
        nodes = order_nodes(ctx)
        with read_only(engine) as conn:
            summary.stock_after = queries.stock(conn, ctx.tenant)
            summary.orders_by_status = queries.order_counts(conn, ctx.tenant)
            summary.orders = [
                {
                    "id": o["id"],
                    "source": o["source"],
                    "external_id": o["external_id"],
                    "status": o["status"],
                    "node": nodes.get(o["id"]),
                    "lines": len(o["lines"]),
                    "why": (latest_decision(conn, ctx.tenant, o["id"]) or {}).get("reason"),
                    "rule_set": (latest_decision(conn, ctx.tenant, o["id"]) or {}).get("rule_set"),
                }
                for o in queries.list_orders(conn, ctx.tenant)
            ]
            summary.exceptions = [
                {
                    "id": e.id,
                    "kind": e.kind.value,
                    "order_id": e.order_id,
                    "summary": e.summary,
                    "suggested_action": e.suggested_action,
                }
                for e in list_exceptions(conn, ctx.tenant, state="open")
            ]
            summary.failed_messages = [
                {"id": m["id"], "connection": m["connection"], "filename": m["filename"], "error": m["error"]}
                for m in queries.list_inbox(conn, ctx.tenant, status="failed")
            ]
        outbound = home / "outbound"
        summary.outbound_files = (
            sorted(str(p.relative_to(home)) for p in outbound.rglob("*") if p.is_file() and not p.name.startswith("."))
            if outbound.exists()
            else []
        )
        summary.seconds = round(time.monotonic() - started, 2)
        return summary
    finally:
        engine.dispose()
