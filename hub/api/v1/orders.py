"""GET /api/v1/orders (filters, cursor pages) and /api/v1/orders/{key} (lines, decision, timeline)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from hub.api.security import Problem
from hub.api.v1.deps import VIEWER, Caller
from hub.api.v1.models import Page
from hub.model.order import OrderStatus
from hub.store import queries
from hub.store.db import read_only
from hub.store.tables import order_lines, orders
from hub.timeline import order_timeline

router = APIRouter(prefix="/orders", tags=["orders"])


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@router.get("", response_model=Page, summary="List orders, newest first, with filters and cursor pages")
def list_orders(
    who: Caller = VIEWER,
    status: OrderStatus | None = None,
    source: Annotated[str | None, Query(max_length=200)] = None,
    external_id: Annotated[str | None, Query(max_length=200)] = None,
    sku: Annotated[str | None, Query(max_length=100, description="Orders with a line of this SKU.")] = None,
    created_from: Annotated[datetime | None, Query(description="Created at or after (ISO 8601).")] = None,
    created_to: Annotated[datetime | None, Query(description="Created before (ISO 8601).")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[
        str | None, Query(pattern=r"^ord_[0-9A-Z]{26}$", description="`next_cursor` of the previous page.")
    ] = None,
) -> dict[str, Any]:
    t = orders.c
    stmt = select(orders).where(t.tenant == who.tenant)
    if status is not None:
        stmt = stmt.where(t.status == status.value)
    if source:
        stmt = stmt.where(t.source == source)
    if external_id:
        stmt = stmt.where(t.external_id == external_id)
    if sku:
        lines = select(order_lines.c.order_id).where(order_lines.c.tenant == who.tenant, order_lines.c.sku == sku)
        stmt = stmt.where(t.id.in_(lines))
    if created_from is not None:
        stmt = stmt.where(t.created_at >= _aware(created_from))
    if created_to is not None:
        stmt = stmt.where(t.created_at < _aware(created_to))
    if cursor is not None:
        stmt = stmt.where(t.id < cursor)
    with read_only(who.ctx.engine) as conn:
        rows = conn.execute(stmt.order_by(t.id.desc()).limit(limit + 1)).all()
        page = rows[:limit]
        counts = dict(
            conn.execute(
                select(order_lines.c.order_id, func.count())
                .where(order_lines.c.order_id.in_([r.id for r in page]))
                .group_by(order_lines.c.order_id)
            ).all()
        )
    items = [
        {
            "id": r.id,
            "source": r.source,
            "external_id": r.external_id,
            "revision": r.revision,
            "status": r.status,
            "currency": r.currency,
            "placed_at": _ts(r.placed_at),
            "ship_to": dict(r.ship_to or {}),
            "lines": counts.get(r.id, 0),
            "created_at": _ts(r.created_at),
            "updated_at": _ts(r.updated_at),
        }
        for r in page
    ]
    return {"items": items, "next_cursor": page[-1].id if len(rows) > limit else None}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@router.get("/{key}", summary="One order: lines, reservations, allocation decision, exceptions, shipments, timeline")
def get_order(key: str, who: Caller = VIEWER) -> dict[str, Any]:
    with read_only(who.ctx.engine) as conn:
        try:
            order = queries.get_order(conn, who.tenant, key)
        except queries.NotFound as exc:
            raise Problem(404, str(exc)) from None
        except queries.Ambiguous as exc:
            raise Problem(409, str(exc)) from None
        order["timeline"] = order_timeline(conn, who.tenant, order["id"])
    return order


@router.get("/{key}/timeline", summary="The order's timeline across systems")
def get_timeline(key: str, who: Caller = VIEWER) -> dict[str, Any]:
    with read_only(who.ctx.engine) as conn:
        try:
            order = queries.get_order(conn, who.tenant, key)
        except queries.NotFound as exc:
            raise Problem(404, str(exc)) from None
        except queries.Ambiguous as exc:
            raise Problem(409, str(exc)) from None
        return {"order_id": order["id"], "items": order_timeline(conn, who.tenant, order["id"])}
