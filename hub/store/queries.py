"""Read models for the faces: orders with lines and events, stock levels, nodes, inbox and outbox rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from hub.allocation.ledger import Level
from hub.exceptions.queries import exceptions_for_order
from hub.model.money import decimal_str
from hub.shipments.store import shipment_rows
from hub.store.tables import (
    allocations,
    inbox,
    nodes,
    order_events,
    order_lines,
    orders,
    outbox,
    reservations,
    stock_levels,
)


class NotFound(LookupError):
    """No row matches what the operator asked for."""


class Ambiguous(LookupError):
    """An external id matches orders from more than one source."""


def _dec(value: Any) -> str | None:
    return None if value is None else decimal_str(Decimal(value))


def _ts(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _ship_to(raw: dict[str, Any] | None) -> dict[str, Any]:
    raw = raw or {}
    shown = {k: raw.get(k) for k in ("name", "country_code", "postal_code", "city")}
    return shown | {k: v for k, v in raw.items() if k not in shown}


def _lines(conn: Connection, order_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    by_order: dict[str, list[dict[str, Any]]] = {i: [] for i in order_ids}
    if not order_ids:
        return by_order
    rows = conn.execute(
        select(order_lines).where(order_lines.c.order_id.in_(order_ids)).order_by(order_lines.c.line_no)
    )
    for r in rows:
        by_order[r.order_id].append(
            {
                "line_no": r.line_no,
                "sku": r.sku,
                "quantity": _dec(r.quantity),
                "uom": r.uom,
                "unit_price": _dec(r.unit_price),
                "description": r.description,
            }
        )
    return by_order


def _order(row: Any, lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": row.id,
        "source": row.source,
        "external_id": row.external_id,
        "revision": row.revision,
        "status": row.status,
        "currency": row.currency,
        "placed_at": _ts(row.placed_at),
        "ship_to": _ship_to(row.ship_to),
        "lines": lines,
        "message_id": row.message_id,
        "created_at": _ts(row.created_at),
        "updated_at": _ts(row.updated_at),
    }


def list_orders(conn: Connection, tenant: str, *, status: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    stmt = select(orders).where(orders.c.tenant == tenant)
    if status:
        stmt = stmt.where(orders.c.status == status)
    rows = conn.execute(stmt.order_by(orders.c.id).limit(limit)).all()
    lines = _lines(conn, [r.id for r in rows])
    return [_order(r, lines[r.id]) for r in rows]


def get_order(conn: Connection, tenant: str, key: str) -> dict[str, Any]:
    """An order by hub id or by external id, with its lines and its event timeline."""
    rows = conn.execute(select(orders).where(orders.c.tenant == tenant, orders.c.id == key)).all()
    if not rows:
        rows = conn.execute(select(orders).where(orders.c.tenant == tenant, orders.c.external_id == key)).all()
    if not rows:
        raise NotFound(f"no order with id or external id {key!r}")
    if len(rows) > 1:
        choices = ", ".join(f"{r.id} ({r.source})" for r in rows)
        raise Ambiguous(f"external id {key!r} matches {len(rows)} orders: {choices}; show one by its id")
    row = rows[0]
    data = _order(row, _lines(conn, [row.id])[row.id])
    events = conn.execute(
        select(order_events).where(order_events.c.order_id == row.id).order_by(order_events.c.at, order_events.c.id)
    )
    data["reservations"] = [
        {"line_no": r.line_no, "node": r.node, "sku": r.sku, "quantity": _dec(r.quantity), "status": r.status}
        for r in conn.execute(
            select(reservations).where(reservations.c.order_id == row.id).order_by(reservations.c.line_no)
        )
    ]
    data["events"] = [
        {
            "at": _ts(e.at),
            "from_status": e.from_status,
            "to_status": e.to_status,
            "reason": e.reason,
            "detail": e.detail or {},
        }
        for e in events
    ]
    data["decision"] = latest_decision(conn, tenant, row.id)
    data["exceptions"] = exceptions_for_order(conn, tenant, row.id)
    data["shipments"] = shipment_rows(conn, tenant, order_id=row.id)
    return data


def latest_decision(conn: Connection, tenant: str, order_id: str) -> dict[str, Any] | None:
    """The newest allocation decision: rule set version, each node weighed and why, the plan and its cost."""
    t = allocations.c
    record = conn.execute(
        select(allocations).where(t.tenant == tenant, t.order_id == order_id).order_by(t.created_at.desc(), t.id.desc())
    ).first()
    if record is None:
        return None
    decision = dict(record.decision)
    decision["at"] = _ts(record.created_at)
    decision["allocation_id"] = record.id
    decision["trigger"] = record.reason
    return decision


def order_counts(conn: Connection, tenant: str) -> dict[str, int]:
    rows = conn.execute(
        select(orders.c.status, func.count()).where(orders.c.tenant == tenant).group_by(orders.c.status)
    )
    return {status: count for status, count in sorted(rows)}


def stock(conn: Connection, tenant: str, *, sku: str | None = None) -> list[dict[str, Any]]:
    stmt = select(stock_levels).where(stock_levels.c.tenant == tenant)
    if sku:
        stmt = stmt.where(stock_levels.c.sku == sku)
    result = []
    for r in conn.execute(stmt.order_by(stock_levels.c.sku, stock_levels.c.node)):
        level = Level(r.node, r.sku, Decimal(r.on_hand), Decimal(r.reserved), Decimal(r.safety))
        result.append(
            {
                "node": level.node,
                "sku": level.sku,
                "on_hand": _dec(level.on_hand),
                "reserved": _dec(level.reserved),
                "safety": _dec(level.safety),
                "available": _dec(level.available),
            }
        )
    return result


def list_nodes(conn: Connection, tenant: str) -> list[dict[str, Any]]:
    skus = dict(
        conn.execute(
            select(stock_levels.c.node, func.count())
            .where(stock_levels.c.tenant == tenant)
            .group_by(stock_levels.c.node)
        ).all()
    )
    rows = conn.execute(select(nodes).where(nodes.c.tenant == tenant).order_by(nodes.c.priority, nodes.c.code))
    return [
        {
            "code": r.code,
            "name": r.name,
            "priority": r.priority,
            "connection": r.connection,
            "enabled": bool(r.enabled),
            "skus": skus.get(r.code, 0),
            "country": r.country,
            "postal_code": r.postal_code,
            "latitude": _dec(r.latitude),
            "longitude": _dec(r.longitude),
            "timezone": r.timezone,
            "cutoff": r.cutoff,
            "capacity_per_day": r.capacity_per_day,
            "attributes": dict(r.attributes or {}),
            "stock_as_of": _ts(r.stock_as_of),
        }
        for r in rows
    ]


def _error(row: Any) -> dict[str, Any] | None:
    if not row.error_code:
        return None
    return {
        "step": row.error_step,
        "code": row.error_code,
        "message": row.error_message,
        "location": row.error_location or {},
    }


def list_inbox(conn: Connection, tenant: str, *, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    cols = [c for c in inbox.c if c.name not in {"body", "headers", "result"}]
    stmt = select(*cols).where(inbox.c.tenant == tenant)
    if status:
        stmt = stmt.where(inbox.c.status == status)
    rows = conn.execute(stmt.order_by(inbox.c.id.desc()).limit(limit)).all()
    return [
        {
            "id": r.id,
            "box": "inbox",
            "connection": r.connection,
            "transport": r.transport,
            "filename": r.filename,
            "status": r.status,
            "format": r.format,
            "attempts": r.attempts,
            "received_at": _ts(r.received_at),
            "processed_at": _ts(r.processed_at),
            "error": _error(r),
        }
        for r in rows
    ]


def list_outbox(conn: Connection, tenant: str, *, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    stmt = select(outbox).where(outbox.c.tenant == tenant)
    if status:
        stmt = stmt.where(outbox.c.status == status)
    rows = conn.execute(stmt.order_by(outbox.c.id.desc()).limit(limit)).all()
    return [_outbox(r, body=False) for r in rows]


def _outbox(r: Any, *, body: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": r.id,
        "box": "outbox",
        "connection": r.connection,
        "kind": r.kind,
        "status": r.status,
        "attempts": r.attempts,
        "idempotency_key": r.idempotency_key,
        "next_attempt_at": _ts(r.next_attempt_at),
        "created_at": _ts(r.created_at),
        "delivered_at": _ts(r.delivered_at),
        "error": {"code": r.last_error_code, "message": r.last_error} if r.last_error else None,
    }
    if body:
        data["body"] = r.body
    return data


def get_message(conn: Connection, tenant: str, message_id: str) -> dict[str, Any]:
    """An inbox (`msg_...`) or outbox (`out_...`) row in full; the raw body is returned as bytes."""
    if message_id.startswith("out_"):
        row = conn.execute(select(outbox).where(outbox.c.tenant == tenant, outbox.c.id == message_id)).first()
        if row is None:
            raise NotFound(f"no outbox message {message_id!r}")
        return _outbox(row, body=True)
    row = conn.execute(select(inbox).where(inbox.c.tenant == tenant, inbox.c.id == message_id)).first()
    if row is None:
        raise NotFound(f"no inbox message {message_id!r} (inbox ids start with msg_, outbox ids with out_)")
    return {
        "id": row.id,
        "box": "inbox",
        "connection": row.connection,
        "transport": row.transport,
        "transport_id": row.transport_id,
        "filename": row.filename,
        "content_type": row.content_type,
        "headers": dict(row.headers or {}),
        "status": row.status,
        "format": row.format,
        "attempts": row.attempts,
        "received_at": _ts(row.received_at),
        "processed_at": _ts(row.processed_at),
        "error": _error(row),
        "result": row.result or {},
        "body_sha256": row.body_sha256,
        "body": bytes(row.body),
    }
