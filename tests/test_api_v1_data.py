"""Two tenants built through the real pipeline (the demo's network and files), API tokens for each, and the app
with /api/v1 mounted: what the API v1 tests share. (No tests here.)"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from hub.allocation.ledger import set_on_hand
from hub.api.app import create_app
from hub.api.v1 import mount
from hub.auth import Role, create_token, token_id_of
from hub.context import HubContext
from hub.demo import FIXTURES, load_network, setup
from hub.exceptions import list_exceptions
from hub.outbox.worker import OutboxWorker
from hub.partners.store import profile_from_data, save_profile
from hub.pipeline.ingest import ingest_path
from hub.pipeline.runner import Pipeline
from hub.plugins.registry import default_registry
from hub.rules.store import save_rule_set
from hub.store import queries
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.tables import outbox
from hub.testing.databases import postgres_database, sqlite_database
from tests.conftest import require_postgres

TENANTS = ("acme", "globex")


@dataclass
class TenantData:
    """What one tenant holds after the demo's files went through the pipeline: ids to ask for."""

    tenant: str
    ctx: HubContext
    tokens: dict[Role, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def auth(self, role: Role = Role.VIEWER) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def build_tenant(engine: Engine, tenant: str, home: Path) -> TenantData:
    """Run the demo network for `tenant`: orders from CSV, JSON lines and an X12 850 (released as a 940, shipped
    by a 945), a duplicate file, a malformed file kept as failed, a backorder exception, deliveries."""
    home.mkdir(parents=True, exist_ok=True)
    ctx = HubContext(engine=engine, registry=default_registry(), tenant=tenant, home=home, environ=dict(os.environ))
    network = load_network(FIXTURES)
    setup(ctx, network, FIXTURES)
    pipeline = Pipeline(ctx)
    for wave in (network["arrivals"], network.get("then") or []):
        for arrival in wave:
            ingest_path(pipeline, (FIXTURES / arrival["file"]).resolve(), connection=arrival["connection"])
        OutboxWorker(ctx).drain()
    data = TenantData(tenant, ctx)
    for role in Role:
        data.tokens[role] = create_token(engine, tenant, role, f"{tenant}-{role.value}")
    data.ids["token"] = token_id_of(data.tokens[Role.VIEWER]) or ""
    with read_only(engine) as conn:
        orders = queries.list_orders(conn, tenant)
        data.ids["order"] = next(o["id"] for o in orders if o["source"] == "shopmart")
        data.ids["order_external"] = next(o["external_id"] for o in orders if o["source"] == "shopmart")
        data.ids["exception"] = list_exceptions(conn, tenant)[0].id
        data.ids["inbox_failed"] = queries.list_inbox(conn, tenant, status="failed")[0]["id"]
        data.ids["inbox"] = queries.list_inbox(conn, tenant, status="processed")[0]["id"]
        data.ids["outbox"] = conn.execute(
            select(outbox.c.id).where(outbox.c.tenant == tenant, outbox.c.kind == "order_release").limit(1)
        ).scalar_one()
        data.ids["sku"] = queries.stock(conn, tenant)[0]["sku"]
    data.ids["connection"] = "shopmart-edi"
    data.ids["partner"] = "shopmart"
    data.ids["rule_version"] = "1"
    data.ids["channel"] = "webshop"
    return data


def add_own_objects(data: TenantData) -> None:
    """Objects whose names only this tenant has (names like SKUs, connections and partners are per tenant, so the
    demo gives both tenants the same ones): what another tenant then asks for by name must be a 404."""
    t = data.tenant
    version = 7 + TENANTS.index(t)
    rules = (FIXTURES / "rules.yaml").read_text(encoding="utf-8").replace("version: 1", f"version: {version}")
    with data.ctx.engine.begin() as conn:
        add_connection(
            conn, ConnectionRecord(name=f"{t}-only", adapter="order_files", channel=f"{t}-channel", tenant=t)
        )
        save_profile(conn, t, profile_from_data({"name": f"{t}-partner", "x12": f"ZZ:{t.upper()}PARTNER"}))
        save_rule_set(conn, t, rules, f"rules v{version}")
        set_on_hand(conn, t, "BER", f"{t.upper()}-ONLY", Decimal(5))
    data.ids |= {
        "connection": f"{t}-only",
        "partner": f"{t}-partner",
        "rule_version": str(version),
        "sku": f"{t.upper()}-ONLY",
        "channel": f"{t}-channel",
    }


def api_app(ctx: HubContext) -> FastAPI:
    """The hub's app with /api/v1 mounted (once, even when create_app mounts it itself)."""
    return mount(create_app(ctx), ctx)


@contextmanager
def database(kind: str, folder: Path) -> Iterator[Engine]:
    """A freshly migrated store (`sqlite` or `postgresql`), for module-scoped fixtures."""
    if kind == "sqlite":
        with sqlite_database(folder) as engine:
            yield engine
        return
    require_postgres()
    with postgres_database() as (engine, _schema):
        yield engine


def make_tenants(engine: Engine, tmp_path: Path) -> dict[str, TenantData]:
    """Both tenants, each with objects of its own (for the `tenants` fixture of the test modules)."""
    built = {t: build_tenant(engine, t, tmp_path / t) for t in TENANTS}
    for data in built.values():
        add_own_objects(data)
    return built


def make_client(tenants: dict[str, TenantData]) -> TestClient:
    """A client of the app whose base context is the default tenant's (tokens choose the tenant)."""
    base = tenants[TENANTS[0]].ctx
    default = HubContext(engine=base.engine, registry=base.registry, home=base.home, environ=base.environ)
    return TestClient(api_app(default), raise_server_exceptions=False)


def problem_of(response: Any) -> dict[str, Any]:
    """The problem document of an error answer, checked for the RFC 9457 members."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body = response.json()
    assert body["status"] == response.status_code
    assert {"type", "title", "status", "detail", "instance"} <= set(body), body
    return body
