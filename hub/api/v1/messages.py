"""Inbox and outbox messages: lists (status, connection, cursor pages), one message with its raw body (secrets
masked), and replay (an inbox message is processed again now; an outbox message is queued to be sent again)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import Table, select

from hub.api.security import Problem
from hub.api.v1.deps import OPERATOR, VIEWER, Caller
from hub.api.v1.models import Page
from hub.jsonable import to_jsonable
from hub.masking import mask_data, mask_headers, mask_text, secret_values
from hub.outbox.worker import replay as replay_outbox_row
from hub.pipeline.inbox import InboxStatus
from hub.pipeline.replay import replay_inbox
from hub.store import queries
from hub.store.connections import get_connection
from hub.store.db import read_only
from hub.store.tables import inbox, outbox

router = APIRouter(prefix="/messages", tags=["messages"])


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    DEAD = "dead"
    SUPERSEDED = "superseded"


_IDS = {"inbox": re.compile(r"^msg_[0-9A-Z]{26}$"), "outbox": re.compile(r"^out_[0-9A-Z]{26}$")}
Limit = Annotated[int, Query(ge=1, le=500)]
Connection = Annotated[str | None, Query(max_length=100)]
InboxCursor = Annotated[
    str | None, Query(pattern=r"^msg_[0-9A-Z]{26}$", description="`next_cursor` of the previous page.")
]
OutboxCursor = Annotated[
    str | None, Query(pattern=r"^out_[0-9A-Z]{26}$", description="`next_cursor` of the previous page.")
]


def _page(
    who: Caller, table: Table, status: str | None, connection: str | None, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """One page of the tenant's rows, newest first, and the cursor of the next page (None on the last)."""
    cols = [c for c in table.c if c.name not in {"body", "headers", "result"}]
    stmt = select(*cols).where(table.c.tenant == who.tenant)
    if status is not None:
        stmt = stmt.where(table.c.status == status)
    if connection:
        stmt = stmt.where(table.c.connection == connection)
    if cursor is not None:
        stmt = stmt.where(table.c.id < cursor)
    with read_only(who.ctx.engine) as conn:
        rows = conn.execute(stmt.order_by(table.c.id.desc()).limit(limit + 1)).all()
    page = list(rows[:limit])
    return page, (page[-1].id if len(rows) > limit else None)


@router.get("/inbox", response_model=Page, summary="Messages received, newest first")
def list_inbox(
    who: Caller = VIEWER,
    status: InboxStatus | None = None,
    connection: Connection = None,
    limit: Limit = 100,
    cursor: InboxCursor = None,
) -> dict[str, Any]:
    page, after = _page(who, inbox, status, connection, limit, cursor)
    items = [
        {
            "id": r.id,
            "connection": r.connection,
            "transport": r.transport,
            "transport_id": r.transport_id,
            "filename": r.filename,
            "status": r.status,
            "format": r.format,
            "attempts": r.attempts,
            "received_at": r.received_at,
            "processed_at": r.processed_at,
            "error": {"step": r.error_step, "code": r.error_code, "message": r.error_message} if r.error_code else None,
        }
        for r in page
    ]
    return {"items": to_jsonable(items), "next_cursor": after}


@router.get("/outbox", response_model=Page, summary="Messages to send (pending, delivered, dead...), newest first")
def list_outbox(
    who: Caller = VIEWER,
    status: OutboxStatus | None = None,
    connection: Connection = None,
    limit: Limit = 100,
    cursor: OutboxCursor = None,
) -> dict[str, Any]:
    page, after = _page(who, outbox, status, connection, limit, cursor)
    items = [
        {
            "id": r.id,
            "connection": r.connection,
            "kind": r.kind,
            "status": r.status,
            "attempts": r.attempts,
            "idempotency_key": r.idempotency_key,
            "next_attempt_at": r.next_attempt_at,
            "created_at": r.created_at,
            "delivered_at": r.delivered_at,
            "error": {"code": r.last_error_code, "message": r.last_error} if r.last_error else None,
        }
        for r in page
    ]
    return {"items": to_jsonable(items), "next_cursor": after}


def _message(who: Caller, message_id: str) -> dict[str, Any]:
    if not any(p.match(message_id) for p in _IDS.values()):
        raise Problem(404, f"no message {message_id!r} (inbox ids start with msg_, outbox ids with out_)")
    with read_only(who.ctx.engine) as conn:
        try:
            return queries.get_message(conn, who.tenant, message_id)
        except queries.NotFound as exc:
            raise Problem(404, str(exc)) from None


@router.get("/{message_id}", summary="One message in full: raw body as text, headers and errors, secrets masked")
def get_message(message_id: str, who: Caller = VIEWER) -> dict[str, Any]:
    data = _message(who, message_id)
    with read_only(who.ctx.engine) as conn:
        record = get_connection(conn, who.tenant, data["connection"], missing_ok=True)
    secrets = secret_values(who.ctx, record)
    if data["box"] == "inbox":
        raw: bytes = data.pop("body")
        data["body"] = mask_text(raw.decode("utf-8", errors="replace"), secrets)
        data["body_bytes"] = len(raw)
        data["headers"] = mask_headers(data["headers"], secrets)
    return to_jsonable(mask_data(data, secrets), normalize_decimals=True)


@router.post("/{message_id}/replay", summary="Replay: process an inbox message again now, or send an outbox one again")
def replay(message_id: str, who: Caller = OPERATOR) -> dict[str, Any]:
    data = _message(who, message_id)  # 404 unless it is this tenant's
    if data["box"] == "outbox":
        with who.ctx.engine.begin() as conn:
            queued = replay_outbox_row(conn, message_id, tenant=who.tenant)
        if not queued:
            raise Problem(409, f"outbox message {message_id} is {data['status']}: only dead or delivered ones replay")
        return {"id": message_id, "box": "outbox", "status": "pending"}
    if data["status"] == InboxStatus.RECEIVED:
        raise Problem(409, f"inbox message {message_id} is waiting to be processed already")
    report = replay_inbox(who.ctx, message_id)
    if report is None:  # gone since it was read
        raise Problem(404, f"no inbox message {message_id!r}")
    return to_jsonable({"id": message_id, "box": "inbox"} | report.as_dict(), normalize_decimals=True)
