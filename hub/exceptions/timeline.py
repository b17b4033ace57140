"""Exceptions on the order's timeline: an order_events row that keeps the order's status as it is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, select

from hub.exceptions.errors import ExceptionNotFound
from hub.jsonable import to_jsonable
from hub.store.order_events import add_order_event, order_event
from hub.store.tables import orders

_STATUS = select(orders.c.status).where(orders.c.tenant == bindparam("tenant"), orders.c.id == bindparam("order_id"))


def order_status(conn: Connection, tenant: str, order_id: str) -> str:
    """The order's current status; ExceptionNotFound when the tenant has no such order."""
    status = conn.execute(_STATUS, {"tenant": tenant, "order_id": order_id}).scalar_one_or_none()
    if status is None:
        raise ExceptionNotFound(f"no order {order_id!r} for tenant {tenant!r}")
    return str(status)


def add_timeline_event(
    conn: Connection,
    tenant: str,
    order_id: str,
    reason: str,
    detail: Mapping[str, Any],
    *,
    status: str | None = None,
) -> str:
    """Write an event with from_status = to_status = the order's current status (read unless the caller, who has
    just read it in this transaction, passes it); returns the event id."""
    status = status if status is not None else order_status(conn, tenant, order_id)
    return add_order_event(
        conn, order_event(tenant, order_id, status, status, reason, to_jsonable(dict(detail), normalize_decimals=True))
    )
