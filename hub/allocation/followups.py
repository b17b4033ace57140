"""What an allocation decision raises on the exception workbench, and what a successful retry closes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from hub.allocation.allocator import Allocation
from hub.calendars import CalendarSet
from hub.exceptions import ExceptionKind, ExceptionRecord, ExceptionState, list_exceptions, raise_exception
from hub.exceptions.store import mark_resolved
from hub.model.order import Order
from hub.promise.store import PromiseCheck, check_promise
from hub.store.tables import allocations


def _lines(lines: list[Any]) -> list[dict[str, Any]]:
    return [ln.as_dict() for ln in lines]


def decision_exceptions(conn: Connection, tenant: str, order_id: str, allocation: Allocation) -> list[ExceptionRecord]:
    """The exceptions a fresh decision raises: held, backordered (whole or in part), split."""
    decision = allocation.decision
    raised: list[ExceptionRecord] = []
    if decision.status == "on_hold" and decision.hold:
        raised.append(
            raise_exception(
                conn,
                tenant,
                ExceptionKind.ON_HOLD,
                order_id=order_id,
                summary=decision.reason,
                detail={"hold": decision.hold.get("rule"), "explanation": decision.hold.get("explanation")},
            )
        )
    if decision.backordered:
        whole = decision.status == "backordered"
        summary = decision.reason if whole else f"partly shipped: {len(decision.backordered)} line(s) backordered"
        raised.append(
            raise_exception(
                conn,
                tenant,
                ExceptionKind.BACKORDER,
                order_id=order_id,
                summary=summary,
                detail={"lines": _lines(decision.backordered), "partial": not whole},
            )
        )
    if len(decision.shipments) > 1:
        raised.append(
            raise_exception(
                conn,
                tenant,
                ExceptionKind.ORDER_SPLIT,
                order_id=order_id,
                summary=f"ships in {len(decision.shipments)} shipments from {', '.join(decision.nodes)}",
                detail={"shipments": [s.as_dict() for s in decision.shipments]},
            )
        )
    return raised


def close_waiting(conn: Connection, tenant: str, order_id: str, why: str) -> int:
    """Resolve the order's open backorder exceptions once it is allocated after all; returns how many."""
    waiting = list_exceptions(
        conn,
        tenant,
        state=[ExceptionState.OPEN, ExceptionState.ACKNOWLEDGED],
        kind=ExceptionKind.BACKORDER,
        order_id=order_id,
    )
    for record in waiting:
        mark_resolved(conn, record, action="retry_allocation", resolution=why, by="hub")
    return len(waiting)


def keep_promise(
    conn: Connection, tenant: str, order_id: str, order: Order, allocation: Allocation, calendars: CalendarSet | None
) -> PromiseCheck | None:
    """An order placed on a promise (attribute `promise_id`): keep or break it, and note the promised dates
    on the allocation record. A broken promise raises a broken_promise exception (see hub.promise)."""
    check = check_promise(conn, tenant, order_id, order, allocation.decision, calendars=calendars)
    if check is None:
        return None
    conn.execute(
        allocations.update()
        .where(allocations.c.id == allocation.record["id"])
        .values(
            promised_ship_date=check.promised_ship_date,
            promised_delivery_latest=check.promised_delivery_latest,
        )
    )
    return check
