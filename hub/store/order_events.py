"""An order's timeline: one order_events row per status change, or per event that keeps the status."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from hub.model.ids import new_id, utcnow
from hub.store.tables import order_events

_INSERT = order_events.insert()


def _status(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def order_event(
    tenant: str,
    order_id: str,
    from_status: Any,
    to_status: Any,
    reason: str,
    detail: Mapping[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The row of one event (statuses as OrderStatus or their values; `from_status` None for a new order);
    `detail` must already be JSON-ready."""
    return {
        "id": new_id("evt"),
        "tenant": tenant,
        "order_id": order_id,
        "from_status": _status(from_status),
        "to_status": _status(to_status),
        "reason": reason,
        "detail": dict(detail) if detail is not None else None,
        "at": at or utcnow(),
    }


def add_order_event(conn: Connection, event: Mapping[str, Any]) -> str:
    """Insert one event row (`order_event`) in the caller's transaction; returns its id."""
    conn.execute(_INSERT, dict(event))
    return str(event["id"])
