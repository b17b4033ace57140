"""Allocate an order again after it was stored: a hold released, stock arrived, a node rejected it or picked short.

`replan` works inside the caller's transaction: it gives back the reservations it replaces (in a
locked stock view), plans with the active rule set while avoiding the nodes named in `exclude`,
reserves the new plan, moves the order's status, and records the allocation, the timeline event and
a release message per new shipment. Either the whole order is planned again, or only some lines
(a short pick, a rejected shipment) while the rest stays where it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, update

from hub.allocation.allocator import Allocation, Allocator
from hub.allocation.followups import close_waiting, decision_exceptions, keep_promise
from hub.allocation.ledger import apply_reservations, load_levels
from hub.allocation.releases import release_messages
from hub.context import HubContext
from hub.errors import IllegalTransition, RecordError
from hub.model.ids import new_id, utcnow
from hub.model.order import Order, OrderLine, OrderStatus, check_transition
from hub.model.party import Address, Party
from hub.outbox.enqueue import Outgoing, enqueue
from hub.stock.service import publish
from hub.store.order_events import add_order_event, order_event
from hub.store.tables import allocations, order_lines, orders, reservations

REPLANNABLE = frozenset(
    {OrderStatus.RECEIVED, OrderStatus.ON_HOLD, OrderStatus.BACKORDERED, OrderStatus.ALLOCATED, OrderStatus.RELEASED}
)


class OrderNotFound(RecordError):
    code = "order_not_found"


def load_order(conn: Connection, tenant: str, order_id: str, *, lock: bool = False) -> Order:
    """An order as stored, rebuilt as the canonical model (with its id and status)."""
    stmt = select(orders).where(orders.c.tenant == tenant, orders.c.id == order_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    if row is None:
        raise OrderNotFound(f"no order {order_id}")
    lines = conn.execute(
        select(order_lines).where(order_lines.c.order_id == order_id).order_by(order_lines.c.line_no)
    ).all()
    return Order(
        id=row.id,
        tenant=row.tenant,
        source=row.source,
        external_id=row.external_id,
        revision=row.revision,
        status=OrderStatus(row.status),
        currency=row.currency,
        placed_at=row.placed_at,
        ship_to=Address.model_validate(row.ship_to),
        customer=Party.model_validate(row.customer) if row.customer else None,
        lines=[
            OrderLine(
                line_no=ln.line_no,
                sku=ln.sku,
                quantity=Decimal(ln.quantity),
                uom=ln.uom,
                unit_price=Decimal(ln.unit_price),
                description=ln.description,
            )
            for ln in lines
        ],
        attributes=dict(row.attributes or {}),
    )


def held(conn: Connection, order_id: str) -> list[Any]:
    return list(
        conn.execute(
            select(reservations)
            .where(reservations.c.order_id == order_id, reservations.c.status == "held")
            .order_by(reservations.c.line_no, reservations.c.node)
        )
    )


def replan(
    conn: Connection,
    tenant: str,
    allocator: Allocator,
    order_id: str,
    *,
    lines: Mapping[int, Decimal] | None = None,
    exclude: Mapping[str, str] | None = None,
    skip_holds: bool = False,
    trigger: str,
    note: str,
) -> Allocation:
    """Plan the order (or only `lines`: line number -> quantity) again; see the module docstring.

    With `lines`, the caller has already given back what those lines held where they failed; the
    order keeps its other reservations.
    """
    order = load_order(conn, tenant, order_id, lock=True)
    if order.status not in REPLANNABLE:
        raise IllegalTransition(f"order {order.external_id} is {order.status}: it cannot be allocated again")
    if lines is None:
        target = order
    else:
        chosen = [ln.model_copy(update={"quantity": lines[ln.line_no]}) for ln in order.lines if lines.get(ln.line_no)]
        if not chosen:
            raise RecordError(f"order {order.external_id} has none of the lines {sorted(lines)}")
        target = order.model_copy(update={"lines": chosen})
    kept = held(conn, order_id)
    skus = {ln.sku for ln in order.lines} | {r.sku for r in kept}
    view = load_levels(conn, tenant, skus, lock=True)
    if lines is None:
        for res in kept:
            view.release(res.node, res.sku, Decimal(res.quantity))
        conn.execute(
            update(reservations)
            .where(reservations.c.order_id == order_id, reservations.c.status == "held")
            .values(status="released")
        )
        kept = []
    session = allocator.begin(conn, tenant, skus)
    allocation = session.allocate(
        target, order_id, view, exclude=dict(exclude or {}), skip_holds=skip_holds, reason=trigger
    )
    status = _new_status(order.status, allocation.status, still_holding=bool(kept))
    now = utcnow()
    if status != order.status:
        check_transition(order.status, status)
        conn.execute(orders.update().where(orders.c.id == order_id).values(status=status.value, updated_at=now))
    add_order_event(
        conn,
        order_event(tenant, order_id, order.status, status, f"{note}: {allocation.reason}", allocation.detail, at=now),
    )
    if allocation.reservations:
        conn.execute(reservations.insert(), allocation.reservations)
    conn.execute(allocations.insert().values(**allocation.record))
    released = release_messages(target, order_id, allocation)
    enqueue(conn, tenant, [_unique(item, allocation.record["id"]) for item in released])
    apply_reservations(conn, tenant, view)
    session.write_load(conn, tenant)
    decision_exceptions(conn, tenant, order_id, allocation)
    keep_promise(conn, tenant, order_id, order, allocation, allocator.calendars)
    return allocation


def _unique(item: Outgoing, allocation_id: str) -> Outgoing:
    """A release of a new allocation must not be taken for a repeat of the first one."""
    return Outgoing(
        connection=item.connection,
        kind=item.kind,
        idempotency_key=f"{item.idempotency_key}:{allocation_id}",
        body={**item.body, "allocation_id": allocation_id},
        coalesce_key=item.coalesce_key,
    )


def _new_status(current: OrderStatus, planned: OrderStatus, *, still_holding: bool) -> OrderStatus:
    if still_holding:
        # part of the order is still reserved where it was: it stays allocated (or released) as it is,
        # the lines that found no node are listed as backordered in the decision
        return current if current in {OrderStatus.ALLOCATED, OrderStatus.RELEASED} else OrderStatus.ALLOCATED
    if planned is OrderStatus.ALLOCATED and current is OrderStatus.RELEASED:
        return OrderStatus.ALLOCATED
    return planned


def give_back(conn: Connection, tenant: str, order_id: str, node: str, quantities: Mapping[int, Decimal]) -> None:
    """Release what lines (line number -> quantity) hold at `node`, splitting a reservation if only part goes."""
    from hub.allocation.ledger import StockView

    view = StockView()
    for res in held(conn, order_id):
        want = quantities.get(res.line_no, Decimal(0))
        if res.node != node or want <= 0:
            continue
        qty = Decimal(res.quantity)
        take = min(qty, want)
        conn.execute(update(reservations).where(reservations.c.id == res.id).values(status="released"))
        if take < qty:
            conn.execute(
                reservations.insert().values(
                    id=new_id("res"),
                    tenant=tenant,
                    order_id=order_id,
                    line_no=res.line_no,
                    node=node,
                    sku=res.sku,
                    quantity=qty - take,
                    status="held",
                    created_at=utcnow(),
                    shipment_no=res.shipment_no,
                )
            )
        view.release(node, res.sku, take)
    apply_reservations(conn, tenant, view)


def retry_backorders(
    conn: Connection, tenant: str, allocator: Allocator, *, limit: int = 100, ctx: HubContext | None = None
) -> list[str]:
    """Allocate backordered orders again, oldest first; returns the ids that found stock.

    With `ctx`, the availability of the SKUs they took is published to the channels."""
    waiting = conn.execute(
        select(orders.c.id)
        .where(orders.c.tenant == tenant, orders.c.status == OrderStatus.BACKORDERED.value)
        .order_by(orders.c.created_at, orders.c.id)
        .limit(limit)
    ).scalars()
    found: list[str] = []
    for order_id in list(waiting):
        try:
            with conn.begin_nested():  # still short: roll back, so nothing is written for it
                allocation = replan(
                    conn, tenant, allocator, order_id, skip_holds=True, trigger="retry", note="allocated again"
                )
                if allocation.status is OrderStatus.BACKORDERED:
                    raise _StillShort
        except _StillShort:
            continue
        close_waiting(conn, tenant, order_id, "allocated when stock arrived")
        found.append(order_id)
    if ctx is not None and found:
        skus = conn.execute(select(order_lines.c.sku).where(order_lines.c.order_id.in_(found))).scalars()
        publish(conn, ctx, set(skus))
    return found


class _StillShort(Exception):
    """Rolls back the savepoint of an order that still cannot be allocated."""
