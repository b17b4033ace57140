"""Recording a shipment: find its order, consume what the order held, move the order's status, keep the record."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from hub.errors import Location, RecordError
from hub.model.ids import new_id, utcnow
from hub.model.order import OrderStatus, check_transition
from hub.model.shipment import Shipment
from hub.stock.movements import StockMovementError, ship_reserved
from hub.store.dedup import claim_key
from hub.store.order_events import add_order_event, order_event
from hub.store.tables import order_lines, orders, reservations, shipments

SHIPPABLE = frozenset(
    {OrderStatus.ALLOCATED, OrderStatus.RELEASED, OrderStatus.PARTIALLY_SHIPPED, OrderStatus.BACKORDERED}
)


class ShipmentForUnknownOrder(RecordError):
    code = "shipment_unknown_order"


class ShipmentNotAllowed(RecordError):
    code = "shipment_not_allowed"


@dataclass
class RecordedShipment:
    id: str
    order_id: str
    outcome: str  # created | duplicate
    order_status: str | None = None
    problems: list[str] = field(default_factory=list)  # lines shipped without a matching reservation


def find_order(conn: Connection, tenant: str, reference: str) -> Any:
    """The order a shipment names: by hub order id first, else by external id (unique within the tenant)."""
    o = orders.c
    row = conn.execute(select(orders).where(o.tenant == tenant, o.id == reference)).first()
    if row is not None:
        return row
    rows = conn.execute(select(orders).where(o.tenant == tenant, o.external_id == reference).limit(2)).all()
    if len(rows) == 1:
        return rows[0]
    if rows:
        raise ShipmentForUnknownOrder(
            f"shipment names order {reference!r}, which several sources use; send the hub order id",
            location=Location(field="order_external_id"),
        )
    raise ShipmentForUnknownOrder(
        f"shipment names order {reference!r}, which the hub does not know", location=Location(field="order_external_id")
    )


def record_shipment(
    conn: Connection, tenant: str, shipment: Shipment, *, message_id: str, connection: str
) -> RecordedShipment:
    """Store one shipment (once per source + external id + revision) and apply it to its order and stock."""
    order = find_order(conn, tenant, shipment.order_external_id)
    key = shipment_key(tenant, shipment)
    shipment_id = new_id("shp")
    owner, _ = claim_key(conn, tenant, key, Shipment.doc_type, shipment_id, message_id)
    if owner != shipment_id:
        return RecordedShipment(owner, order.id, "duplicate", order.status)
    status = OrderStatus(order.status)
    if status not in SHIPPABLE:
        raise ShipmentNotAllowed(
            f"order {order.external_id} is {status}: a shipment cannot be recorded for it",
            location=Location(field="order_external_id"),
        )
    problems = _consume(conn, tenant, order.id, shipment)
    new_status = _status_after(conn, order.id, shipment)
    _move(conn, tenant, order.id, status, new_status, shipment)
    tracking = [p.tracking.number for p in shipment.parcels if p.tracking]
    carrier = next((p.tracking.carrier for p in shipment.parcels if p.tracking), None)
    conn.execute(
        shipments.insert().values(
            id=shipment_id,
            tenant=tenant,
            order_id=order.id,
            source=shipment.source,
            external_id=shipment.external_id,
            node=shipment.node,
            carrier=carrier,
            tracking=tracking,
            shipped_at=shipment.shipped_at,
            lines=[line.model_dump(mode="json", exclude_none=True) for line in shipment.lines],
            parcels=[p.model_dump(mode="json", exclude_none=True) for p in shipment.parcels],
            message_id=message_id,
            connection=connection,
            created_at=utcnow(),
        )
    )
    return RecordedShipment(shipment_id, order.id, "created", new_status.value, problems)


def shipment_key(tenant: str, shipment: Shipment) -> str:
    return f"{tenant}|shipment|{shipment.source}|{shipment.external_id}|{shipment.revision}"


def _consume(conn: Connection, tenant: str, order_id: str, shipment: Shipment) -> list[str]:
    """Ship from what the order holds: at the shipment's node when it names one the order holds at, else
    wherever the line holds. A quantity nothing holds is reported (the node shipped more than it was given)."""
    problems: list[str] = []
    held_rows = conn.execute(
        select(reservations.c.node, reservations.c.sku, reservations.c.line_no, reservations.c.quantity).where(
            reservations.c.order_id == order_id, reservations.c.status == "held"
        )
    ).all()
    held: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in held_rows:
        held[(r.node, r.sku)] += Decimal(r.quantity)
    for line in shipment.lines:
        remaining = Decimal(line.quantity)
        nodes = sorted({node for node, sku in held if sku == line.sku}, key=lambda n: (n != shipment.node, n))
        for node in nodes:
            take = min(remaining, held[(node, line.sku)])
            if take <= 0:
                continue
            try:
                ship_reserved(conn, tenant, order_id, node, line.sku, take, at=shipment.shipped_at)
            except StockMovementError as exc:
                problems.append(f"line {line.line_no} ({line.sku}): {exc.message}")
                continue
            held[(node, line.sku)] -= take
            remaining -= take
            if remaining <= 0:
                break
        if remaining > 0:
            problems.append(f"line {line.line_no} ({line.sku}): {remaining} shipped that the order did not hold")
    return problems


def _status_after(conn: Connection, order_id: str, shipment: Shipment) -> OrderStatus:
    """Shipped when every line has shipped in full (this shipment and earlier ones), else partially shipped."""
    ordered = {
        r.line_no: Decimal(r.quantity)
        for r in conn.execute(
            select(order_lines.c.line_no, order_lines.c.quantity).where(order_lines.c.order_id == order_id)
        )
    }
    shipped: dict[int, Decimal] = defaultdict(Decimal)
    for row in conn.execute(select(shipments.c.lines).where(shipments.c.order_id == order_id)):
        for line in row.lines or []:
            shipped[int(line["line_no"])] += Decimal(str(line["quantity"]))
    for line in shipment.lines:
        shipped[line.line_no] += Decimal(line.quantity)
    complete = all(shipped.get(no, Decimal(0)) >= qty for no, qty in ordered.items())
    return OrderStatus.SHIPPED if complete else OrderStatus.PARTIALLY_SHIPPED


def _move(
    conn: Connection, tenant: str, order_id: str, before: OrderStatus, after: OrderStatus, shipment: Shipment
) -> None:
    steps = [after] if before != OrderStatus.ALLOCATED else [OrderStatus.RELEASED, after]
    if before == OrderStatus.BACKORDERED:
        steps = [OrderStatus.ALLOCATED, OrderStatus.RELEASED, after]
    current = before
    now = utcnow()
    for target in steps:
        if target == current:
            continue
        check_transition(current, target)
        add_order_event(
            conn,
            order_event(
                tenant,
                order_id,
                current,
                target,
                f"shipment {shipment.external_id} from {shipment.source}",
                {"shipment": shipment.external_id, "node": shipment.node},
                at=now,
            ),
        )
        current = target
    conn.execute(orders.update().where(orders.c.id == order_id).values(status=current.value, updated_at=now))


def shipment_rows(
    conn: Connection, tenant: str, *, order_id: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Shipments as the CLI and API show them, newest first: carrier, tracking numbers and lines."""
    s = shipments.c
    stmt = select(shipments, orders.c.external_id.label("order_external_id")).join(orders, orders.c.id == s.order_id)
    stmt = stmt.where(s.tenant == tenant)
    if order_id is not None:
        stmt = stmt.where(s.order_id == order_id)
    stmt = stmt.order_by(s.created_at.desc(), s.id.desc()).limit(limit)
    return [
        {
            "id": r.id,
            "order_id": r.order_id,
            "order_external_id": r.order_external_id,
            "source": r.source,
            "external_id": r.external_id,
            "connection": r.connection,
            "node": r.node,
            "carrier": r.carrier,
            "tracking_numbers": list(r.tracking or []),
            "shipped_at": r.shipped_at.isoformat() if r.shipped_at else None,
            "lines": list(r.lines or []),
            "parcels": list(r.parcels or []),
        }
        for r in conn.execute(stmt)
    ]
