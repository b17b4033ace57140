"""Read models of exceptions for the faces: the exceptions of one order, for `hub orders show`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from hub.exceptions.store import record_from_row
from hub.store.tables import exceptions


def exceptions_for_order(conn: Connection, tenant: str, order_id: str) -> list[dict[str, Any]]:
    """Every exception of the order, oldest first, in the JSON shape of `ExceptionRecord.as_dict()`."""
    t = exceptions.c
    rows = conn.execute(
        select(exceptions).where(t.tenant == tenant, t.order_id == order_id).order_by(t.created_at, t.id)
    )
    return [record_from_row(r).as_dict() for r in rows]
