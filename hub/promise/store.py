"""Promises kept in the store: saved answers (open for a while), and keeping or breaking them at allocation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, or_, select

from hub.allocation.profiles import load_node_profiles
from hub.calendars import CalendarSet
from hub.exceptions import ExceptionKind, raise_exception
from hub.jsonable import to_jsonable
from hub.model.ids import new_id, utcnow
from hub.model.order import Order
from hub.promise.answer import PromiseAnswer
from hub.promise.engine import ShipmentDater
from hub.rules.decision import Decision
from hub.store.tables import promises

OPEN, KEPT, BROKEN, EXPIRED = "open", "kept", "broken", "expired"
DEFAULT_TTL = timedelta(hours=24)


def save_promise(conn: Connection, tenant: str, answer: PromiseAnswer, *, ttl: timedelta = DEFAULT_TTL) -> str:
    """Store the answer as an open promise (expiring `ttl` after now); sets and returns its id."""
    created = utcnow()
    answer.promise_id = answer.promise_id or new_id("prm")
    answer.expires_at = created + ttl
    conn.execute(
        promises.insert().values(
            id=answer.promise_id,
            tenant=tenant,
            request=to_jsonable(answer.request, normalize_decimals=True),
            answer=to_jsonable(answer.as_dict(), normalize_decimals=True),
            status=OPEN,
            order_id=None,
            created_at=created,
            expires_at=answer.expires_at,
        )
    )
    return answer.promise_id


def get_promise(conn: Connection, tenant: str, promise_id: str) -> dict[str, Any] | None:
    """A stored promise as a dict (request, answer, status, order_id, created_at, expires_at), or None."""
    row = conn.execute(select(promises).where(promises.c.tenant == tenant, promises.c.id == promise_id)).first()
    return dict(row._mapping) if row is not None else None


@dataclass(frozen=True)
class PromiseCheck:
    """How an allocated order fared against the promise it was given, with the dates for the allocation record."""

    promise_id: str
    status: str  # kept | broken | expired | open (waiting for incoming stock it was promised with)
    reason: str
    promised_ship_date: date | None = None
    promised_delivery_latest: date | None = None
    ship_date: date | None = None
    delivery_latest: date | None = None
    exception_id: str | None = None


def _day(text: Any) -> date | None:
    return date.fromisoformat(text) if isinstance(text, str) and text else None


def _set(conn: Connection, tenant: str, promise_id: str, status: str, order_id: str) -> None:
    t = promises.c
    conn.execute(
        promises.update().where(t.tenant == tenant, t.id == promise_id).values(status=status, order_id=order_id)
    )


def check_promise(
    conn: Connection,
    tenant: str,
    order_id: str,
    order: Order,
    decision: Decision,
    *,
    calendars: CalendarSet | None = None,
    dater: ShipmentDater | None = None,
    at: datetime | None = None,
) -> PromiseCheck | None:
    """Keep or break the promise named by the order's `promise_id` attribute after the order was allocated.

    None when the order carries no promise id or the promise is unknown or taken by another order.
    An expired promise is marked expired and ignored. Otherwise the allocation's shipments are dated
    the way the promise was (same calendars: pass the hub's `calendars` or a `dater`), at the order's
    `placed_at` (or now): a later delivery latest than promised, or an order that could not be allocated,
    breaks the promise and raises a BROKEN_PROMISE exception; else it is kept. An order backordered
    while its promise counted on incoming stock leaves the promise open (checked again at reallocation).
    """
    promise_id = order.attributes.get("promise_id")
    if not promise_id:
        return None
    t = promises.c
    row = conn.execute(
        select(promises).where(
            t.tenant == tenant, t.id == str(promise_id), or_(t.status == OPEN, t.order_id == order_id)
        )
    ).first()
    if row is None:
        return None
    when = at or order.placed_at or utcnow()
    answer: dict[str, Any] = row.answer
    promised_ship, promised_latest = _day(answer.get("ship_date")), _day(answer.get("delivery_latest"))
    base = {"promised_ship_date": promised_ship, "promised_delivery_latest": promised_latest}
    if row.status == EXPIRED or (row.status == OPEN and row.expires_at < when):
        _set(conn, tenant, row.id, EXPIRED, order_id)
        return PromiseCheck(row.id, EXPIRED, f"promise expired {row.expires_at.isoformat()}", **base)
    allocated = decision.status == "allocated" and not decision.backordered
    if not allocated:
        waits = any(s.get("incoming") for s in answer.get("shipments", []))
        if waits and decision.status == "backordered":
            _set(conn, tenant, row.id, OPEN, order_id)
            why = "order backordered while its promise waits for incoming stock: checked again at reallocation"
            return PromiseCheck(row.id, OPEN, why, **base)
        now_ship = now_latest = None
        why = f"the order could not be allocated ({decision.status}: {decision.reason})"
    else:
        if dater is None:
            nodes = {p.code: p for p in load_node_profiles(conn, tenant, enabled_only=False)}
            dater = ShipmentDater(nodes, calendars)
        dated = dater.date_decision(decision, when)
        now_ship = max(s.ship_date for s in dated)
        latests = [s.delivery_latest for s in dated]
        now_latest = max(d for d in latests if d is not None) if all(d is not None for d in latests) else None
        if promised_latest is not None and now_latest is not None:
            late = now_latest > promised_latest
            why = f"delivery latest {now_latest.isoformat()} vs promised {promised_latest.isoformat()}"
        else:
            late = promised_ship is not None and now_ship > promised_ship
            why = f"ship date {now_ship.isoformat()} vs promised {promised_ship}"
        if not late:
            _set(conn, tenant, row.id, KEPT, order_id)
            return PromiseCheck(row.id, KEPT, why, **base, ship_date=now_ship, delivery_latest=now_latest)
    _set(conn, tenant, row.id, BROKEN, order_id)
    promised_nodes = [s.get("node") for s in answer.get("shipments", [])]
    record = raise_exception(
        conn,
        tenant,
        ExceptionKind.BROKEN_PROMISE,
        order_id=order_id,
        summary=f"promise {row.id} broken: {why}",
        detail={
            "promise_id": row.id,
            "promised_ship_date": promised_ship,
            "promised_delivery_latest": promised_latest,
            "ship_date": now_ship,
            "delivery_latest": now_latest,
            "promised_nodes": promised_nodes,
            "nodes": [s.node for s in decision.shipments],
            "allocation_status": decision.status,
        },
    )
    return PromiseCheck(
        row.id, BROKEN, why, **base, ship_date=now_ship, delivery_latest=now_latest, exception_id=record.id
    )
