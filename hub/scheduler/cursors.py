"""Poll cursors, saved in the same transaction as the raw messages they produced."""

from __future__ import annotations

from sqlalchemy import Connection, select

from hub.model.ids import utcnow
from hub.plugins.messages import Cursor
from hub.store.sql import upsert
from hub.store.tables import cursors


def load_cursor(conn: Connection, tenant: str, connection: str, stream: str = "default") -> Cursor:
    value = conn.execute(
        select(cursors.c.value).where(
            cursors.c.tenant == tenant, cursors.c.connection == connection, cursors.c.stream == stream
        )
    ).scalar_one_or_none()
    return Cursor.from_json(value)


def save_cursor(conn: Connection, tenant: str, connection: str, cursor: Cursor, stream: str = "default") -> None:
    stmt = upsert(conn, cursors, ["tenant", "connection", "stream"], {"value": None, "updated_at": None})
    conn.execute(
        stmt.values(tenant=tenant, connection=connection, stream=stream, value=cursor.to_json(), updated_at=utcnow())
    )
