"""Reading orders back in the public JSON shape (CLI and API), with lines, reservations and timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, or_, select

from hub.model.money import decimal_str
from hub.store.tables import order_events, order_lines, orders, reservations


def _order_dict(row: Any, lines: list[Any]) -> dict[str, Any]:
    ship_to = dict(row.ship_to or {})
    return {
        "id": row.id,
        "source": row.source,
        "external_id": row.external_id,
        "revision": row.revision,
        "status": row.status,
        "currency": row.currency,
        "placed_at": row.placed_at.isoformat() if row.placed_at else None,
        "ship_to": {k: ship_to.get(k) for k in ("name", "country_code", "postal_code", "city")}
        | {k: v for k, v in ship_to.items() if k not in {"name", "country_code", "postal_code", "city"}},
        "lines": [
            {
                "line_no": ln.line_no,
                "sku": ln.sku,
                "quantity": decimal_str(ln.quantity),
                "uom": ln.uom,
                "unit_price": decimal_str(ln.unit_price),
            }
            for ln in sorted(lines, key=lambda ln: ln.line_no)
        ],
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def list_orders(
    conn: Connection, tenant: str, *, status: str | None = None, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    stmt = select(orders).where(orders.c.tenant == tenant)
    if status:
        stmt = stmt.where(orders.c.status == status)
    rows = conn.execute(stmt.order_by(orders.c.id).limit(limit).offset(offset)).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    by_order: dict[str, list[Any]] = {}
    for ln in conn.execute(select(order_lines).where(order_lines.c.order_id.in_(ids))):
        by_order.setdefault(ln.order_id, []).append(ln)
    return [_order_dict(r, by_order.get(r.id, [])) for r in rows]


def get_order(conn: Connection, tenant: str, key: str) -> dict[str, Any] | None:
    """By hub id, or by external id (the newest match when several sources share it)."""
    row = conn.execute(
        select(orders)
        .where(orders.c.tenant == tenant, or_(orders.c.id == key, orders.c.external_id == key))
        .order_by(orders.c.id.desc())
    ).first()
    if row is None:
        return None
    lines = conn.execute(select(order_lines).where(order_lines.c.order_id == row.id)).all()
    result = _order_dict(row, list(lines))
    result["reservations"] = [
        {"line_no": r.line_no, "node": r.node, "sku": r.sku, "quantity": decimal_str(r.quantity), "status": r.status}
        for r in conn.execute(select(reservations).where(reservations.c.order_id == row.id))
    ]
    result["timeline"] = [
        {"at": e.at.isoformat(), "from": e.from_status, "to": e.to_status, "reason": e.reason, "detail": e.detail}
        for e in conn.execute(
            select(order_events).where(order_events.c.order_id == row.id).order_by(order_events.c.at, order_events.c.id)
        )
    ]
    return result
