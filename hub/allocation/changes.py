"""A partner's change to an order it sent (X12 860, EDIFACT ORDCHG) or a cancellation: applied as a new revision."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection, delete, select, update

from hub.allocation.allocator import Allocator
from hub.allocation.reallocate import give_back, held, load_order, replan
from hub.errors import AmendmentRejected, Location, RecordError
from hub.model.documents import Cancellation, LineChange, OrderChange
from hub.model.ids import utcnow
from hub.model.order import Order, OrderLine, OrderStatus, check_transition
from hub.store.order_events import add_order_event, order_event
from hub.store.tables import order_lines, orders, reservations

CHANGEABLE = frozenset(
    {OrderStatus.RECEIVED, OrderStatus.ON_HOLD, OrderStatus.BACKORDERED, OrderStatus.ALLOCATED, OrderStatus.RELEASED}
)


class ChangeForUnknownOrder(RecordError):
    code = "change_unknown_order"


def find_order_id(conn: Connection, tenant: str, source: str, external_id: str) -> str:
    o = orders.c
    order_id = conn.execute(
        select(o.id).where(o.tenant == tenant, o.source == source, o.external_id == external_id)
    ).scalar()
    if order_id is None:
        raise ChangeForUnknownOrder(
            f"{source} changes order {external_id!r}, which the hub does not have",
            location=Location(field="order_external_id"),
        )
    return str(order_id)


def changed_lines(order: Order, changes: list[LineChange]) -> list[OrderLine]:
    """The order's lines after the changes, or AmendmentRejected naming the change that does not fit."""
    lines = {line.line_no: line for line in order.lines}
    for number, change in enumerate(changes, start=1):
        where = Location(field=f"changes[{number - 1}]")
        current = lines.get(change.line_no)
        if change.action == "add":
            if current is not None:
                raise AmendmentRejected(f"change {number} adds line {change.line_no}, which exists", location=where)
            if not change.sku or change.quantity is None:
                raise AmendmentRejected(
                    f"change {number} adds line {change.line_no} without SKU or quantity", location=where
                )
            lines[change.line_no] = OrderLine(
                line_no=change.line_no,
                sku=change.sku,
                quantity=change.quantity,
                uom=change.uom or "EA",
                unit_price=change.unit_price if change.unit_price is not None else Decimal(0),
                description=change.description,
            )
            continue
        if current is None:
            raise AmendmentRejected(
                f"change {number} ({change.action}) names line {change.line_no}, which the order does not have",
                location=where,
            )
        if change.sku and change.sku != current.sku:
            raise AmendmentRejected(
                f"change {number} names line {change.line_no} as {change.sku}, the order has {current.sku}",
                location=where,
            )
        if change.action == "delete":
            del lines[change.line_no]
            continue
        update_: dict[str, object] = {}
        if change.quantity is not None:
            update_["quantity"] = change.quantity
        if change.unit_price is not None:
            update_["unit_price"] = change.unit_price
        if change.uom:
            update_["uom"] = change.uom
        lines[change.line_no] = current.model_copy(update=update_)
    return [lines[no] for no in sorted(lines)]


def apply_change(
    conn: Connection, tenant: str, allocator: Allocator, change: OrderChange, *, message_id: str
) -> tuple[str, str]:
    """Apply one change to its order; returns (order id, new status). Cancels when asked or no line is left."""
    order_id = find_order_id(conn, tenant, change.source, change.order_external_id)
    order = load_order(conn, tenant, order_id, lock=True)
    if order.status not in CHANGEABLE:
        raise AmendmentRejected(
            f"order {order.external_id} is {order.status}: the change {change.external_id} comes too late",
            location=Location(field="order_external_id"),
        )
    if change.cancel:
        cancel_order(
            conn, tenant, order_id, reason=change.reason or f"cancelled by {change.source} ({change.external_id})"
        )
        return order_id, OrderStatus.CANCELLED.value
    lines = changed_lines(order, change.changes)
    if not lines:
        cancel_order(conn, tenant, order_id, reason=f"every line deleted by {change.source} ({change.external_id})")
        return order_id, OrderStatus.CANCELLED.value
    revision = order.revision + 1
    Order.model_validate(order.model_dump() | {"lines": [ln.model_dump() for ln in lines], "revision": revision})
    conn.execute(delete(order_lines).where(order_lines.c.order_id == order_id))
    conn.execute(
        order_lines.insert(),
        [
            {
                "order_id": order_id,
                "line_no": ln.line_no,
                "tenant": tenant,
                "sku": ln.sku,
                "quantity": ln.quantity,
                "uom": ln.uom,
                "unit_price": ln.unit_price,
                "description": ln.description,
            }
            for ln in lines
        ],
    )
    attributes = changed_attributes(order.attributes, change)
    conn.execute(
        orders.update()
        .where(orders.c.id == order_id)
        .values(revision=revision, attributes=attributes, message_id=message_id, updated_at=utcnow())
    )
    allocation = replan(
        conn, tenant, allocator, order_id, trigger="changed", note=f"changed by {change.source} ({change.external_id})"
    )
    return order_id, allocation.status.value


def changed_attributes(current: dict, change: OrderChange) -> dict:
    """The order's attributes after a change: the change is kept in `changes`, and its EDI line echoes
    (`attributes.edi.lines`, keyed by line number) are merged into the order's, so outbound documents
    (855, 856, 810, ORDRSP...) echo what the partner now has; deleted lines lose their echo."""
    attributes = dict(current)
    if not change.attributes:
        return attributes
    attributes["changes"] = [*attributes.get("changes", []), change.attributes]
    echoes = (change.attributes.get("edi") or {}).get("lines") or {}
    edi = attributes.get("edi")
    if not isinstance(edi, dict):
        return attributes
    lines = dict(edi.get("lines") or {})
    for key, echo in echoes.items():
        lines[key] = {**lines.get(key, {}), **echo}
    for line_change in change.changes:
        if line_change.action == "delete":
            lines.pop(str(line_change.line_no), None)
    attributes["edi"] = {**edi, "lines": lines}
    return attributes


def cancel_order(conn: Connection, tenant: str, order_id: str, *, reason: str, detail: dict | None = None) -> list[str]:
    """Cancel the order and give back everything it holds; returns the nodes that held stock for it."""
    order = load_order(conn, tenant, order_id, lock=True)
    check_transition(order.status, OrderStatus.CANCELLED)
    by_node: dict[str, dict[int, Decimal]] = {}
    for res in held(conn, order_id):
        by_node.setdefault(res.node, {})[res.line_no] = Decimal(res.quantity)
    for node, quantities in by_node.items():
        give_back(conn, tenant, order_id, node, quantities)
    conn.execute(
        update(reservations)
        .where(reservations.c.order_id == order_id, reservations.c.status == "held")
        .values(status="released")
    )
    now = utcnow()
    conn.execute(orders.update().where(orders.c.id == order_id).values(status="cancelled", updated_at=now))
    add_order_event(conn, order_event(tenant, order_id, order.status, "cancelled", reason, detail or {}, at=now))
    return sorted(by_node)


ALREADY_CANCELLED = "already_cancelled"


def apply_cancellation(
    conn: Connection, tenant: str, allocator: Allocator, doc: Cancellation, *, message_id: str
) -> tuple[str, str]:
    """A cancellation document: the whole order, or only the lines it names (as deletions)."""
    if doc.line_nos:
        change = OrderChange(
            tenant=doc.tenant,
            source=doc.source,
            external_id=doc.external_id,
            order_external_id=doc.order_external_id,
            reason=doc.reason,
            changes=[LineChange(action="delete", line_no=no) for no in doc.line_nos],
        )
        return apply_change(conn, tenant, allocator, change, message_id=message_id)
    order_id = find_order_id(conn, tenant, doc.source, doc.order_external_id)
    order = load_order(conn, tenant, order_id)
    if order.status == OrderStatus.CANCELLED:  # cancelled already (by the hub, or an earlier message): nothing to do
        return order_id, ALREADY_CANCELLED
    if order.status not in CHANGEABLE:
        raise AmendmentRejected(f"order {order.external_id} is {order.status}: it cannot be cancelled now")
    cancel_order(conn, tenant, order_id, reason=doc.reason or f"cancelled by {doc.source}")
    return order_id, OrderStatus.CANCELLED.value
