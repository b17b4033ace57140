"""The full HTTP app for tests: `create_app(ctx)` plus the console's, the API's and the KPIs' routers where they
exist and are not mounted yet (once the lead mounts them in create_app, this adds nothing twice)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.routing import Route

from hub.api.app import create_app
from hub.console.templating import serves
from hub.context import HubContext


def include_once(app: FastAPI, router: Any) -> None:
    """Include `router` unless the app already serves its first route (path and method)."""
    first = next((r for r in router.routes if isinstance(r, Route) and r.methods), None)
    if first is not None and serves(app, first.path, sorted(first.methods)[0]):
        return
    app.include_router(router)


def build_app(ctx: HubContext, *routers: Any) -> FastAPI:
    """The app a deployment serves: the API (`create_app`), API v1, the console, its KPI and alert pages, and any
    further `routers`; each only where it is not mounted yet (so this keeps working once create_app mounts them)."""
    from hub.api.v1 import mount
    from hub.console import console_router
    from hub.console.kpis import kpis_router

    app = create_app(ctx)
    if not serves(app, "/api/v1/orders"):
        mount(app, ctx)
    for router in (console_router(ctx), kpis_router(ctx), *routers):
        include_once(app, router)
    return app


def load_demo(ctx: HubContext) -> None:
    """The demo's network and arrivals through the real pipeline and outbox, on any store (SQLite or PostgreSQL):
    orders from a CSV, JSON lines and an X12 850 (released to the 3PL as a 940, shipped by its 945), a file sent
    twice, a malformed file left failed, a backorder exception."""
    from hub.demo import FIXTURES, load_network, setup
    from hub.outbox.worker import OutboxWorker
    from hub.pipeline.ingest import ingest_path
    from hub.pipeline.runner import Pipeline

    network = load_network(FIXTURES)
    setup(ctx, network, FIXTURES)
    pipeline = Pipeline(ctx)
    for wave in (network["arrivals"], network.get("then") or []):
        for arrival in wave:
            ingest_path(pipeline, (FIXTURES / arrival["file"]).resolve(), connection=arrival["connection"])
        OutboxWorker(ctx).drain()


BLOCKED_ORDER = (
    "order_id,revision,placed_at,currency,ship_name,ship_country,ship_postal_code,ship_city,line_no,sku,quantity,"
    "unit_price,uom\n"
    "SO-DEAD-1,1,2024-05-03T10:00:00Z,EUR,Jonas Weber,DE,10117,Berlin,1,STICKER-PACK,1,0.99,EA\n"
)


def dead_letter(ctx: HubContext, folder: Path) -> tuple[str, Callable[[], None]]:
    """A release to Berlin that cannot be written (a file stands where its outbound folder should be), delivered
    with a one-attempt policy so it is dead-lettered; returns its outbox id and the fix (remove the file)."""
    from hub.outbox.retry import RetryPolicy
    from hub.outbox.worker import OutboxWorker
    from hub.pipeline.ingest import ingest_path
    from hub.pipeline.runner import Pipeline

    outbound = ctx.home / "outbound" / "wms-berlin"
    moved = outbound.with_name("wms-berlin.before")
    if outbound.is_dir():
        outbound.rename(moved)
    outbound.parent.mkdir(parents=True, exist_ok=True)
    outbound.write_text("not a folder\n", encoding="utf-8")
    order_file = folder / "orders-dead-letter.csv"
    order_file.write_text(BLOCKED_ORDER, encoding="utf-8")
    ingest_path(Pipeline(ctx), order_file, connection="webshop")
    results = OutboxWorker(ctx, policy=RetryPolicy(max_attempts=1)).drain()
    [dead] = [r for r in results if r.outcome == "dead" and r.connection == "wms-berlin"]

    def fix() -> None:
        outbound.unlink()
        if moved.is_dir():
            moved.rename(outbound)

    return dead.id, fix
