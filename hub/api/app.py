"""The HTTP API: health, orders, inbox messages, files posted to a connection (EDI, order files), webhook intake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from hub.api.rejections import rejections
from hub.api.webhook_endpoint import WebhookEndpoint
from hub.api.webhooks import WebhookIntake
from hub.context import HubContext
from hub.errors import ConfigError, HubError
from hub.jsonable import to_jsonable
from hub.model.ids import new_id
from hub.pipeline.inbox import store_raw
from hub.pipeline.ingest import ingest_bytes
from hub.pipeline.runner import Pipeline
from hub.plugins.capabilities import Capability
from hub.plugins.messages import RawMessage
from hub.promise import PromiseRequest, answer_request
from hub.store.connections import get_connection
from hub.store.db import read_only
from hub.store.queries import Ambiguous, NotFound, get_order, list_orders
from hub.store.tables import inbox


def create_app(ctx: HubContext) -> FastAPI:
    intake = WebhookIntake(ctx)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(intake.close)  # waits for the deliveries still being stored

    app = FastAPI(title="hub", version="0.1.0", lifespan=lifespan)
    app.add_middleware(WebhookEndpoint, intake=intake)  # POST /webhooks/{connection}: see hub.api.webhook_endpoint

    @app.get("/health")
    def health() -> dict[str, Any]:
        with read_only(ctx.engine) as conn:
            conn.execute(select(1))
        return {"status": "ok", "tenant": ctx.tenant}

    @app.get("/webhooks/rejections")
    def webhook_rejections() -> dict[str, dict[str, Any]]:
        """Webhook deliveries refused at verification, per connection: count, last error code, when."""
        with read_only(ctx.engine) as conn:
            return rejections(conn, ctx.tenant)

    @app.get("/orders")
    def orders(status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        with read_only(ctx.engine) as conn:
            return list_orders(conn, ctx.tenant, status=status, limit=limit)

    @app.get("/orders/{key}")
    def order(key: str) -> dict[str, Any]:
        try:
            with read_only(ctx.engine) as conn:
                return get_order(conn, ctx.tenant, key)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except Ambiguous as exc:
            raise HTTPException(409, str(exc)) from None

    @app.get("/messages")
    def messages(status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        stmt = select(
            inbox.c.id,
            inbox.c.connection,
            inbox.c.transport,
            inbox.c.filename,
            inbox.c.status,
            inbox.c.error_step,
            inbox.c.error_code,
            inbox.c.error_message,
            inbox.c.received_at,
        )
        stmt = stmt.where(inbox.c.tenant == ctx.tenant).order_by(inbox.c.id.desc()).limit(limit)
        if status:
            stmt = stmt.where(inbox.c.status == status)
        with read_only(ctx.engine) as conn:
            return [{**row._mapping, "received_at": row.received_at.isoformat()} for row in conn.execute(stmt)]

    @app.post("/messages/{connection}")
    async def post_message(connection: str, request: Request, filename: str | None = None, process: bool = True):
        """Hand the hub a file (an EDI interchange, an order file) through a connection that parses files.

        The body is stored raw first; with `process` (the default) it then runs through the pipeline and the
        answer is the `hub ingest --json` report of that file (documents, errors, acknowledgments with their
        content): 200 when accepted or duplicate, 422 when rejected (kept in the inbox for replay). Without
        `process` the answer is 202 and a worker takes it from the inbox.
        """
        body = await request.body()
        with read_only(ctx.engine) as conn:
            match = get_connection(conn, ctx.tenant, connection, missing_ok=True)
        if match is None:
            raise HTTPException(404, f"no connection {connection!r}")
        if not ctx.offers(match, Capability.FILE_PARSER):
            raise HTTPException(400, f"connection {connection!r} (adapter {match.adapter}) does not read files")
        name = filename or request.headers.get("x-filename") or f"api-{new_id('msg')}"
        if not process:
            raw = RawMessage(
                body=body, connection=connection, transport="api", transport_id=name, filename=name, tenant=ctx.tenant
            )
            return JSONResponse({"message_id": store_raw(ctx.engine, raw), "status": "received"}, 202)
        report = await run_in_threadpool(
            ingest_bytes, Pipeline(ctx), body, connection=connection, filename=name, transport="api"
        )
        data = to_jsonable(report.as_dict(), normalize_decimals=True)
        return JSONResponse(data, 422 if report.status == "rejected" else 200)

    @app.post("/promise")
    def promise(request: PromiseRequest, save: bool = True) -> dict[str, Any]:
        """Can the basket ship to the address, from where, when (the same JSON as `hub promise --json`)."""
        try:
            return to_jsonable(answer_request(ctx, request, save=save).as_dict(), normalize_decimals=True)
        except HubError as exc:
            raise HTTPException(500 if isinstance(exc, ConfigError) else 422, exc.as_dict()) from None

    mount_faces(app, ctx)
    return app


def mount_faces(app: FastAPI, ctx: HubContext) -> None:
    """The versioned API (/api/v1, with its problem-detail handlers), the operator console, KPIs and /metrics."""
    from hub.api.metrics import metrics_router
    from hub.api.v1 import mount
    from hub.console import console_router
    from hub.console.kpis import kpis_router

    mount(app, ctx)
    app.include_router(console_router(ctx))
    app.include_router(kpis_router(ctx))
    app.include_router(metrics_router(ctx))
