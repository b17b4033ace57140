"""Storing an order: dedup on its idempotency key, create or amend, allocate, and queue what follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, select, update

from hub.allocation.allocator import Allocation, Allocator
from hub.allocation.ledger import StockView, unreserve
from hub.allocation.policy import NodeInfo
from hub.errors import AmendmentRejected
from hub.model.ids import new_id, utcnow
from hub.model.order import AMENDABLE, Order, OrderStatus
from hub.outbox.enqueue import Outgoing
from hub.store.sql import insert_ignore
from hub.store.tables import dedup_keys, order_events, order_lines, orders, reservations


@dataclass
class Writes:
    """Rows gathered while processing messages, written once per batch."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    reservations: list[dict[str, Any]] = field(default_factory=list)
    outgoing: list[Outgoing] = field(default_factory=list)
    touched_skus: set[str] = field(default_factory=set)

    def extend(self, other: Writes) -> None:
        self.lines += other.lines
        self.events += other.events
        self.reservations += other.reservations
        self.outgoing += other.outgoing
        self.touched_skus |= other.touched_skus

    def flush(self, conn: Connection) -> None:
        for table, rows in ((order_lines, self.lines), (order_events, self.events), (reservations, self.reservations)):
            if rows:
                conn.execute(table.insert(), rows)


@dataclass
class StoredDocument:
    type: str
    external_id: str
    id: str
    outcome: str  # created | amended | duplicate | stale
    status: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "external_id": self.external_id,
            "id": self.id,
            "outcome": self.outcome,
            "status": self.status,
        }


def claim_dedup_key(
    conn: Connection, key: str, tenant: str, doc_type: str, document_id: str, message_id: str
) -> str | None:
    """Record the idempotency key; None if it was new, else the id of the document that has it."""
    inserted = conn.execute(
        insert_ignore(conn, dedup_keys, ["dedup_key"])
        .values(
            dedup_key=key,
            tenant=tenant,
            doc_type=doc_type,
            document_id=document_id,
            message_id=message_id,
            created_at=utcnow(),
        )
        .returning(dedup_keys.c.dedup_key)
    ).first()
    if inserted is not None:
        return None
    return conn.execute(select(dedup_keys.c.document_id).where(dedup_keys.c.dedup_key == key)).scalar_one()


class OrderStore:
    """What happens to one canonical order inside the pipeline's transaction."""

    def __init__(self, allocator: Allocator) -> None:
        self.allocator = allocator

    def store(
        self,
        conn: Connection,
        order: Order,
        message_id: str,
        connection: str,
        view: StockView,
        nodes: list[NodeInfo],
        writes: Writes,
    ) -> StoredDocument:
        new_order_id = new_id("ord")
        existing_id = claim_dedup_key(
            conn, order.ref.dedup_key(Order.doc_type), order.tenant, Order.doc_type, new_order_id, message_id
        )
        if existing_id is not None:
            return StoredDocument("order", order.external_id, existing_id, "duplicate")
        current = conn.execute(
            select(orders.c.id, orders.c.revision, orders.c.status).where(
                orders.c.tenant == order.tenant,
                orders.c.source == order.source,
                orders.c.external_id == order.external_id,
            )
        ).first()
        if current is None:
            return self._create(conn, order, new_order_id, message_id, connection, view, nodes, writes)
        if order.revision <= current.revision:
            return StoredDocument("order", order.external_id, current.id, "stale", current.status)
        status = OrderStatus(current.status)
        if status not in AMENDABLE:
            raise AmendmentRejected(
                f"order {order.external_id} revision {order.revision} arrived while the order is {status}; "
                f"it can only be amended while {', '.join(sorted(AMENDABLE))}"
            )
        return self._amend(conn, order, current.id, status, message_id, connection, view, nodes, writes)

    def _create(
        self,
        conn: Connection,
        order: Order,
        order_id: str,
        message_id: str,
        connection: str,
        view: StockView,
        nodes: list[NodeInfo],
        writes: Writes,
    ) -> StoredDocument:
        allocation = self.allocator.allocate(conn, order, order_id, view, nodes)
        now = utcnow()
        conn.execute(
            orders.insert().values(
                id=order_id,
                tenant=order.tenant,
                source=order.source,
                external_id=order.external_id,
                revision=order.revision,
                status=allocation.status,
                currency=order.currency,
                placed_at=order.placed_at,
                ship_to=order.ship_to.model_dump(mode="json", exclude_none=True),
                customer=order.customer.model_dump(mode="json", exclude_none=True) if order.customer else None,
                attributes=order.attributes,
                message_id=message_id,
                created_at=now,
                updated_at=now,
            )
        )
        reason = f"received from connection {connection} (message {message_id})"
        return self._record(order, order_id, None, reason, message_id, allocation, "created", writes)

    def _amend(
        self,
        conn: Connection,
        order: Order,
        order_id: str,
        status: OrderStatus,
        message_id: str,
        connection: str,
        view: StockView,
        nodes: list[NodeInfo],
        writes: Writes,
    ) -> StoredDocument:
        held = conn.execute(
            select(reservations).where(reservations.c.order_id == order_id, reservations.c.status == "held")
        ).all()
        for res in held:
            unreserve(conn, order.tenant, res.node, res.sku, res.quantity)
            view.note_reserved(res.node, res.sku, -res.quantity)
        conn.execute(
            update(reservations)
            .where(reservations.c.order_id == order_id, reservations.c.status == "held")
            .values(status="released")
        )
        conn.execute(delete(order_lines).where(order_lines.c.order_id == order_id))
        allocation = self.allocator.allocate(conn, order, order_id, view, nodes)
        conn.execute(
            orders.update()
            .where(orders.c.id == order_id)
            .values(
                revision=order.revision,
                status=allocation.status,
                currency=order.currency,
                ship_to=order.ship_to.model_dump(mode="json", exclude_none=True),
                attributes=order.attributes,
                message_id=message_id,
                updated_at=utcnow(),
            )
        )
        reason = f"amended to revision {order.revision} from connection {connection}"
        return self._record(order, order_id, status, reason, message_id, allocation, "amended", writes)

    def _record(
        self,
        order: Order,
        order_id: str,
        before: OrderStatus | None,
        reason: str,
        message_id: str,
        allocation: Allocation,
        outcome: str,
        writes: Writes,
    ) -> StoredDocument:
        """Gather the lines, the 'received' event and what allocation decided, for the batch to write."""
        writes.lines += _line_rows(order, order_id)
        detail = {"message_id": message_id, "revision": order.revision}
        writes.events.append(_event(order.tenant, order_id, before, OrderStatus.RECEIVED, reason, detail))
        self._after_allocation(order, order_id, allocation, writes)
        return StoredDocument("order", order.external_id, order_id, outcome, allocation.status)

    def _after_allocation(self, order: Order, order_id: str, allocation: Allocation, writes: Writes) -> None:
        detail = dict(allocation.detail)
        if allocation.node is not None:
            detail["node"] = allocation.node.code
        writes.events.append(
            _event(order.tenant, order_id, OrderStatus.RECEIVED, allocation.status, allocation.reason, detail)
        )
        writes.reservations += allocation.reservations
        writes.touched_skus |= {line.sku for line in order.lines} if allocation.reservations else set()
        node = allocation.node
        if node is not None and node.connection:
            body = order.model_copy(update={"id": order_id, "status": allocation.status}).public_dict()
            body["node"] = node.code
            writes.outgoing.append(
                Outgoing(
                    connection=node.connection,
                    kind="order_release",
                    idempotency_key=f"order_release:{order_id}:r{order.revision}",
                    body=body,
                )
            )


def _line_rows(order: Order, order_id: str) -> list[dict[str, Any]]:
    return [
        {
            "order_id": order_id,
            "line_no": line.line_no,
            "tenant": order.tenant,
            "sku": line.sku,
            "quantity": line.quantity,
            "uom": line.uom,
            "unit_price": line.unit_price,
            "description": line.description,
        }
        for line in order.lines
    ]


def _event(
    tenant: str, order_id: str, before: OrderStatus | None, after: OrderStatus, reason: str, detail: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": new_id("evt"),
        "tenant": tenant,
        "order_id": order_id,
        "from_status": before.value if before else None,
        "to_status": after.value,
        "reason": reason,
        "detail": detail,
        "at": utcnow(),
    }
