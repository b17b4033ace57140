"""Exception flows of allocation: what a decision raises, short picks and node rejections, and the actions
that resolve them (allocate again elsewhere, release a hold, retry a backorder, cancel).

`register_allocation_actions()` plugs the actions into the exception workbench; the CLI and the
API call it at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from hub.allocation.allocator import Allocation, Allocator
from hub.allocation.changes import cancel_order as cancel_whole_order
from hub.allocation.reallocate import give_back, held, replan
from hub.allocation.release_cancels import withdraw_releases
from hub.channels.cancellations import cancel_notices, queue_cancel_notices
from hub.context import HubContext
from hub.errors import RecordError
from hub.exceptions import ExceptionKind, ExceptionRecord, raise_exception
from hub.exceptions.actions import register_action
from hub.model.money import decimal_str
from hub.stock.movements import record_movement
from hub.stock.service import publish
from hub.store.tables import allocations, order_lines, promises, stock_levels


def _quantities(order_id: str, node: str, held_rows: list[Any], wanted: Mapping[str, Decimal]) -> dict[int, Decimal]:
    """Spread per-SKU missing quantities over the order's lines held at `node`."""
    out: dict[int, Decimal] = {}
    left = dict(wanted)
    for res in held_rows:
        if res.node != node or left.get(res.sku, Decimal(0)) <= 0:
            continue
        take = min(Decimal(res.quantity), left[res.sku])
        out[res.line_no] = out.get(res.line_no, Decimal(0)) + take
        left[res.sku] -= take
    missing = {sku: q for sku, q in left.items() if q > 0}
    if missing:
        what = ", ".join(f"{sku} x{decimal_str(q)}" for sku, q in sorted(missing.items()))
        raise RecordError(f"order {order_id} holds less than that at {node}: {what} not held there")
    return out


def report_short_pick(
    ctx: HubContext,
    allocator: Allocator,
    order_id: str,
    *,
    node: str,
    missing: Mapping[str, Decimal],
    reference: str | None = None,
    reallocate: bool = True,
) -> tuple[ExceptionRecord, Allocation | None]:
    """A node picked short: the stock it lacked is written off there, the short lines are given back and
    (by default) allocated again elsewhere; a short_pick exception records what happened."""
    with ctx.engine.begin() as conn:
        quantities = _quantities(order_id, node, held(conn, order_id), missing)
        give_back(conn, ctx.tenant, order_id, node, quantities)
        _write_off(conn, ctx.tenant, node, missing, reference=f"short pick {order_id}")
        detail = {
            "node": node,
            "lines": {str(k): decimal_str(v) for k, v in sorted(quantities.items())},
            "missing": {sku: decimal_str(q) for sku, q in sorted(missing.items())},
            "reference": reference,
        }
        record = raise_exception(
            conn,
            ctx.tenant,
            ExceptionKind.SHORT_PICK,
            order_id=order_id,
            summary=f"{node} picked short: " + ", ".join(f"{s} x{decimal_str(q)}" for s, q in sorted(missing.items())),
            detail=detail,
        )
        allocation = None
        if reallocate:
            allocation = _reallocate_lines(conn, ctx.tenant, allocator, order_id, node, quantities, "short pick")
        publish_order_stock(conn, ctx, order_id)
    return record, allocation


def _write_off(conn: Connection, tenant: str, node: str, missing: Mapping[str, Decimal], *, reference: str) -> None:
    """The node does not have what it lacked at pick: take it off its on-hand (never below zero)."""
    t = stock_levels.c
    for sku, qty in sorted(missing.items()):
        on_hand = conn.execute(
            select(t.on_hand).where(t.tenant == tenant, t.node == node, t.sku == sku)
        ).scalar_one_or_none()
        take = min(qty, Decimal(on_hand or 0))
        if take > 0:
            record_movement(conn, tenant, node, sku, -take, "adjustment", reference=reference)


def _reallocate_lines(
    conn: Connection,
    tenant: str,
    allocator: Allocator,
    order_id: str,
    node: str,
    quantities: Mapping[int, Decimal],
    why: str,
) -> Allocation:
    return replan(
        conn,
        tenant,
        allocator,
        order_id,
        lines=quantities,
        exclude={node: f"{why} at {node}"},
        skip_holds=True,
        trigger=why.replace(" ", "_"),
        note=f"{why} at {node}: lines {', '.join(map(str, sorted(quantities)))} allocated again",
    )


def report_node_rejection(
    ctx: HubContext,
    allocator: Allocator,
    order_id: str,
    *,
    node: str,
    reason: str,
    reference: str | None = None,
    reallocate: bool = True,
) -> tuple[ExceptionRecord, Allocation | None]:
    """A node refused the order: what it held is given back and (by default) allocated again without it."""
    with ctx.engine.begin() as conn:
        held_rows = held(conn, order_id)
        quantities: dict[int, Decimal] = {}
        for res in held_rows:
            if res.node == node:
                quantities[res.line_no] = quantities.get(res.line_no, Decimal(0)) + Decimal(res.quantity)
        if not quantities:
            raise RecordError(f"order {order_id} holds nothing at {node}: there is nothing to reject")
        give_back(conn, ctx.tenant, order_id, node, quantities)
        record = raise_exception(
            conn,
            ctx.tenant,
            ExceptionKind.NODE_REJECTION,
            order_id=order_id,
            summary=f"{node} rejected the order: {reason}",
            detail={
                "node": node,
                "reason": reason,
                "reference": reference,
                "lines": {str(k): decimal_str(v) for k, v in sorted(quantities.items())},
            },
        )
        allocation = None
        if reallocate:
            allocation = _reallocate_lines(conn, ctx.tenant, allocator, order_id, node, quantities, "node rejection")
        publish_order_stock(conn, ctx, order_id)
    return record, allocation


def publish_order_stock(conn: Connection, ctx: HubContext, order_id: str) -> int:
    """The availability of the order's SKUs changed: queue the new figures for the channels that publish stock."""
    skus = set(conn.execute(select(order_lines.c.sku).where(order_lines.c.order_id == order_id)).scalars())
    return publish(conn, ctx, skus)


# -- actions on exceptions ---------------------------------------------------------------------------------
def _allocator(ctx: HubContext) -> Allocator:
    return Allocator.for_hub(ctx.environ, ctx.home)


def _describe(allocation: Allocation) -> str:
    return f"{allocation.status.value}: {allocation.reason}"


def reallocate_recorded_lines(conn: Connection, ctx: HubContext, record: ExceptionRecord) -> str:
    """short_pick / node_rejection: allocate the recorded lines again, avoiding the node (if not done yet)."""
    node = str(record.detail.get("node"))
    lines = {int(k): Decimal(v) for k, v in dict(record.detail.get("lines") or {}).items()}
    if record.order_id is None or not lines:
        raise RecordError(f"exception {record.id} names no order lines to allocate again")
    still = [r for r in held(conn, record.order_id) if r.line_no in lines and r.node != node]
    if still and sum(Decimal(r.quantity) for r in still) >= sum(lines.values()):
        return "the lines are already allocated elsewhere: nothing to do"
    allocation = _reallocate_lines(conn, ctx.tenant, _allocator(ctx), record.order_id, node, lines, record.kind)
    publish_order_stock(conn, ctx, record.order_id)
    return _describe(allocation)


def release_hold(conn: Connection, ctx: HubContext, record: ExceptionRecord) -> str:
    """on_hold: allocate the order now, without the hold rules."""
    assert record.order_id is not None
    allocation = replan(
        conn,
        ctx.tenant,
        _allocator(ctx),
        record.order_id,
        skip_holds=True,
        trigger="hold_released",
        note="hold released",
    )
    publish_order_stock(conn, ctx, record.order_id)
    return _describe(allocation)


def retry_allocation(conn: Connection, ctx: HubContext, record: ExceptionRecord) -> str:
    """backorder: try to allocate the order again now."""
    assert record.order_id is not None
    allocation = replan(
        conn, ctx.tenant, _allocator(ctx), record.order_id, skip_holds=True, trigger="retry", note="allocation retried"
    )
    publish_order_stock(conn, ctx, record.order_id)
    return _describe(allocation)


def cancel_order(conn: Connection, ctx: HubContext, record: ExceptionRecord) -> str:
    """Cancel the order and give back everything it holds."""
    assert record.order_id is not None
    reason = f"cancelled on exception {record.kind}"
    code = "inventory" if record.kind in {ExceptionKind.BACKORDER, ExceptionKind.NODE_REJECTION} else "other"
    notices = cancel_notices(conn, ctx, record.order_id, reason=reason, reason_code=code)  # read before cancelling
    notices += withdraw_releases(conn, ctx, record.order_id, reason=reason)  # its warehouse, if a release left
    nodes = cancel_whole_order(conn, ctx.tenant, record.order_id, reason=reason, detail={"exception_id": record.id})
    queue_cancel_notices(conn, ctx, notices)  # the order's channel hears of it (outbox kind order_cancel)
    publish_order_stock(conn, ctx, record.order_id)
    return f"order cancelled; released stock at {', '.join(nodes) or 'no node'}"


def register_allocation_actions() -> None:
    """Plug the allocation actions into the exception workbench (idempotent)."""
    register_action(ExceptionKind.SHORT_PICK, "reallocate_short_lines", reallocate_recorded_lines)
    register_action(ExceptionKind.NODE_REJECTION, "reallocate_elsewhere", reallocate_recorded_lines)
    register_action(ExceptionKind.NODE_REJECTION, "cancel_order", cancel_order)
    register_action(ExceptionKind.ON_HOLD, "release_hold", release_hold)
    register_action(ExceptionKind.ON_HOLD, "cancel_order", cancel_order)
    register_action(ExceptionKind.BACKORDER, "retry_allocation", retry_allocation)
    register_action(ExceptionKind.BACKORDER, "cancel_order", cancel_order)


def report_carrier_delay(
    ctx: HubContext, order_id: str, *, new_delivery_date: date, reason: str, shipment: int | None = None
) -> list[ExceptionRecord]:
    """A carrier will deliver late: a carrier_delay exception (re-promise and notify); if the order was placed on
    a promise whose delivery date this misses, the promise is broken too (a broken_promise exception)."""
    with ctx.engine.begin() as conn:
        raised = [
            raise_exception(
                conn,
                ctx.tenant,
                ExceptionKind.CARRIER_DELAY,
                order_id=order_id,
                summary=f"delivery now expected {new_delivery_date.isoformat()}: {reason}",
                detail={"shipment": shipment, "new_delivery_date": new_delivery_date.isoformat(), "reason": reason},
            )
        ]
        t = allocations.c
        promised = conn.execute(
            select(t.promised_delivery_latest)
            .where(t.tenant == ctx.tenant, t.order_id == order_id, t.promised_delivery_latest.is_not(None))
            .order_by(t.created_at.desc())
        ).scalar()
        if promised is not None and new_delivery_date > promised:
            conn.execute(
                promises.update()
                .where(promises.c.tenant == ctx.tenant, promises.c.order_id == order_id)
                .values(status="broken")
            )
            raised.append(
                raise_exception(
                    conn,
                    ctx.tenant,
                    ExceptionKind.BROKEN_PROMISE,
                    order_id=order_id,
                    summary=f"promised delivery by {promised.isoformat()}, the carrier now says "
                    f"{new_delivery_date.isoformat()}",
                    detail={
                        "promised_delivery_latest": promised.isoformat(),
                        "delivery_latest": new_delivery_date.isoformat(),
                        "cause": "carrier_delay",
                    },
                )
            )
    return raised
