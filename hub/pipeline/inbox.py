"""The inbox: raw bytes and transport metadata stored before the sender is acknowledged."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

from hub.errors import HubError
from hub.model.ids import new_id, utcnow
from hub.plugins.messages import RawMessage
from hub.store.sql import for_update_skip_locked
from hub.store.tables import inbox


class InboxStatus(StrEnum):
    RECEIVED = "received"  # stored, not yet processed (or waiting for a replay)
    PROCESSED = "processed"  # produced at least one new document
    DUPLICATE = "duplicate"  # every document in it was already known
    FAILED = "failed"  # kept with its typed error and step; replayable


def store_raw(engine: Engine, message: RawMessage) -> str:
    """Store the message and commit. Only after this returns may a transport acknowledge the sender."""
    with engine.begin() as conn:
        return insert_raw(conn, message)


_INSERT = inbox.insert()  # one statement object, values as parameters: compiled once, cached by SQLAlchemy


def insert_raw(conn: Connection, message: RawMessage) -> str:
    return insert_raws(conn, [message])[0]


def insert_raws(conn: Connection, messages: Sequence[RawMessage]) -> list[str]:
    """Insert the messages (one multi-row statement); their ids, given or new."""
    rows = [_row(message) for message in messages]
    if rows:
        conn.execute(_INSERT, rows)
    return [row["id"] for row in rows]


def _row(message: RawMessage) -> dict[str, Any]:
    return {
        "id": message.id or new_id("msg"),
        "tenant": message.tenant,
        "connection": message.connection,
        "transport": message.transport,
        "transport_id": message.transport_id,
        "filename": message.filename,
        "content_type": message.content_type,
        "headers": dict(message.headers),
        "body": message.body,
        "body_sha256": hashlib.sha256(message.body).hexdigest(),
        "status": InboxStatus.RECEIVED.value,
        "attempts": 0,
        "received_at": utcnow(),
    }


def to_raw_message(row: Any) -> RawMessage:
    return RawMessage(
        body=bytes(row.body),
        connection=row.connection,
        transport=row.transport,
        transport_id=row.transport_id,
        filename=row.filename,
        content_type=row.content_type,
        headers=dict(row.headers or {}),
        tenant=row.tenant,
        id=row.id,
    )


def claim(conn: Connection, *, limit: int, ids: Sequence[str] | None = None, tenant: str | None = None) -> list[Any]:
    """Lock up to `limit` received messages for this transaction (SKIP LOCKED on PostgreSQL)."""
    stmt = select(inbox).where(inbox.c.status == InboxStatus.RECEIVED)
    if ids is not None:
        stmt = stmt.where(inbox.c.id.in_(list(ids)))
    if tenant is not None:
        stmt = stmt.where(inbox.c.tenant == tenant)
    stmt = for_update_skip_locked(conn, stmt.order_by(inbox.c.id).limit(limit))
    return list(conn.execute(stmt).all())


_DONE_FIELDS = ("status", "format", "result", "error_step", "error_code", "error_message", "error_location")


def mark_done(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Write the outcome of a batch of messages (status, result or error) in one executemany."""
    if not rows:
        return
    now = utcnow()
    stmt = (
        inbox.update()
        .where(inbox.c.id == bindparam("b_id"))
        .values(
            {
                **{name: bindparam(f"b_{name}") for name in _DONE_FIELDS},
                "attempts": inbox.c.attempts + 1,
                "processed_at": now,
            }
        )
    )
    params = [{"b_id": r["id"], **{f"b_{n}": r.get(n) for n in _DONE_FIELDS}} for r in rows]
    conn.execute(stmt, params)


def failure_fields(step: str, error: BaseException) -> dict[str, Any]:
    if isinstance(error, HubError):
        return {
            "status": InboxStatus.FAILED,
            "error_step": step,
            "error_code": error.code,
            "error_message": error.message,
            "error_location": error.location.as_dict(),
        }
    return {
        "status": InboxStatus.FAILED,
        "error_step": step,
        "error_code": "internal_error",
        "error_message": f"{type(error).__name__}: {error}",
        "error_location": {},
    }


def requeue(conn: Connection, message_id: str, *, tenant: str | None = None) -> bool:
    """Put a failed (or any finished) message back to be processed again: `hub messages replay`.

    With `tenant`, only that tenant's message (False for another tenant's id, as for an unknown one).
    """
    where = [inbox.c.id == message_id] + ([inbox.c.tenant == tenant] if tenant is not None else [])
    result = conn.execute(
        inbox.update()
        .where(*where)
        .values(status=InboxStatus.RECEIVED, error_step=None, error_code=None, error_message=None, error_location=None)
    )
    return result.rowcount == 1
