"""Putting a message in the outbox: a row first, in the same transaction as the change that caused it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from hub.model.ids import new_id, utcnow
from hub.store.sql import insert_ignore
from hub.store.tables import outbox


@dataclass(frozen=True)
class Outgoing:
    """A message to queue. `coalesce_key` marks updates of one thing (stock of a SKU at a channel):
    when a newer one is queued, older pending ones are superseded, so only the latest state is sent."""

    connection: str
    kind: str
    idempotency_key: str
    body: Mapping[str, Any]
    coalesce_key: str | None = None


def outbox_row(tenant: str, item: Outgoing, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    return {
        "id": new_id("out"),
        "tenant": tenant,
        "connection": item.connection,
        "kind": item.kind,
        "idempotency_key": item.idempotency_key,
        "coalesce_key": item.coalesce_key,
        "body": dict(item.body),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def enqueue(conn: Connection, tenant: str, items: list[Outgoing]) -> int:
    """Queue `items`; a repeated idempotency key is ignored. Returns how many rows were added."""
    if not items:
        return 0
    coalesce = sorted({i.coalesce_key for i in items if i.coalesce_key})
    if coalesce:
        conn.execute(
            outbox.update()
            .where(outbox.c.tenant == tenant, outbox.c.coalesce_key.in_(coalesce), outbox.c.status == "pending")
            .values(status="superseded")
        )
    latest: dict[str, Outgoing] = {}
    plain: list[Outgoing] = []
    for item in items:
        if item.coalesce_key:
            latest[item.coalesce_key] = item  # within one call too, only the last state counts
        else:
            plain.append(item)
    now = utcnow()
    rows = [outbox_row(tenant, i, now) for i in [*plain, *latest.values()]]
    result = conn.execute(insert_ignore(conn, outbox, ["tenant", "idempotency_key"]), rows)
    return max(result.rowcount, 0) if result.rowcount is not None else len(rows)
