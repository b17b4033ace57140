"""Webhook deliveries refused at verification: a counter per connection, for operators (GET /webhooks/rejections)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from hub.model.ids import utcnow
from hub.store.sql import upsert
from hub.store.tables import webhook_rejections


def count_rejection(conn: Connection, tenant: str, connection: str, code: str, count: int = 1) -> None:
    """Add `count` refused deliveries to the connection's counter (nothing of the deliveries themselves is kept)."""
    t = webhook_rejections
    stmt = upsert(
        conn, t, ["tenant", "connection"], {"rejected": t.c.rejected + count, "last_code": None, "last_at": None}
    )
    conn.execute(
        stmt,
        [{"tenant": tenant, "connection": connection, "rejected": count, "last_code": code[:60], "last_at": utcnow()}],
    )


def rejections(conn: Connection, tenant: str) -> dict[str, dict[str, Any]]:
    """Refused deliveries per connection: count, last error code and when."""
    t = webhook_rejections
    rows = conn.execute(select(t).where(t.c.tenant == tenant).order_by(t.c.connection))
    return {
        r.connection: {"rejected": r.rejected, "last_code": r.last_code, "last_at": r.last_at.isoformat()} for r in rows
    }
