"""Documents other than orders: order changes, cancellations, shipments, stock counts and receipts, partner acks.

Each message's documents are applied inside a savepoint of the pipeline's transaction: one that
cannot be applied (a change for an order the hub does not have) rolls back that message's
documents only and is reported with its typed error; the rest of the batch goes on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection

from hub.allocation.allocator import Allocator
from hub.allocation.changes import ALREADY_CANCELLED, apply_cancellation, apply_change, find_order_id
from hub.allocation.release_cancels import withdraw_releases
from hub.context import HubContext
from hub.errors import RecordError
from hub.model.documents import Cancellation, OrderChange, ReceivedAck
from hub.model.ids import utcnow
from hub.model.order import OrderStatus
from hub.model.shipment import Shipment
from hub.model.stock import StockLevel, StockMovement
from hub.outbox.enqueue import Outgoing
from hub.outbox.received import reconcile
from hub.pipeline.orders import StoredDocument
from hub.shipments.notices import shipment_notices
from hub.shipments.store import record_shipment
from hub.stock.movements import apply_movement
from hub.stock.snapshots import apply_snapshot
from hub.stock.transfers import receive_transferred
from hub.store.dedup import claim_key

OTHER_DOCUMENTS: tuple[type[BaseModel], ...] = (
    OrderChange,
    Cancellation,
    Shipment,
    StockLevel,
    StockMovement,
    ReceivedAck,
)


@dataclass
class Applying:
    """One message's documents being applied, and what they cause."""

    conn: Connection
    ctx: HubContext
    allocator: Allocator
    message_id: str
    connection: str
    outgoing: list[Outgoing] = field(default_factory=list)
    touched_skus: set[str] = field(default_factory=set)
    changed_orders: set[str] = field(default_factory=set)


def claim(conn: Connection, tenant: str, key: str, doc_type: str, document_id: str, message_id: str) -> bool:
    """Claim an idempotency key; False when another message holds it (a replay of the same message may reclaim)."""
    return claim_key(conn, tenant, key, doc_type, document_id, message_id)[1] == message_id


def _change(a: Applying, doc: OrderChange) -> StoredDocument:
    key = f"{doc.tenant}|order_change|{doc.source}|{doc.external_id}"
    if not claim(a.conn, doc.tenant, key, doc.doc_type, doc.external_id, a.message_id):
        return StoredDocument(doc.doc_type, doc.external_id, doc.order_external_id, "duplicate")
    order_id, status = apply_change(a.conn, a.ctx.tenant, a.allocator, doc, message_id=a.message_id)
    a.changed_orders.add(order_id)
    return StoredDocument(doc.doc_type, doc.external_id, order_id, "applied", status)


def _cancellation(a: Applying, doc: Cancellation) -> StoredDocument:
    key = f"{doc.tenant}|cancellation|{doc.source}|{doc.external_id}|{doc.revision}"
    if not claim(a.conn, doc.tenant, key, doc.doc_type, doc.external_id, a.message_id):
        return StoredDocument(doc.doc_type, doc.external_id, doc.order_external_id, "duplicate")
    releases: list[Outgoing] = []
    if not doc.line_nos:  # a whole order a warehouse may already have: tell it too (when its sink takes that)
        known = find_order_id(a.conn, a.ctx.tenant, doc.source, doc.order_external_id)
        reason = doc.reason or f"cancelled by {doc.source}"
        releases = withdraw_releases(a.conn, a.ctx, known, reason=reason)
    order_id, status = apply_cancellation(a.conn, a.ctx.tenant, a.allocator, doc, message_id=a.message_id)
    a.outgoing += releases
    if status == ALREADY_CANCELLED:
        return StoredDocument(doc.doc_type, doc.external_id, order_id, "unchanged", OrderStatus.CANCELLED.value)
    a.changed_orders.add(order_id)
    return StoredDocument(doc.doc_type, doc.external_id, order_id, "applied", status)


def _shipment(a: Applying, doc: Shipment) -> StoredDocument:
    recorded = record_shipment(a.conn, a.ctx.tenant, doc, message_id=a.message_id, connection=a.connection)
    if recorded.outcome == "created":
        a.outgoing += shipment_notices(a.conn, a.ctx, recorded.order_id, recorded.id, doc)
        a.touched_skus |= {line.sku for line in doc.lines}
    stored = StoredDocument(doc.doc_type, doc.external_id, recorded.id, recorded.outcome, recorded.order_status)
    if recorded.problems:
        raise _Partial(stored, recorded.problems)
    return stored


def _movement(a: Applying, doc: StockMovement) -> StoredDocument:
    reference = doc.reference or a.message_id
    key = f"{doc.tenant}|stock_movement|{doc.node}|{doc.sku}|{reference}|{doc.kind}"
    if not claim(a.conn, doc.tenant, key, doc.doc_type, reference, a.message_id):
        return StoredDocument(doc.doc_type, reference, reference, "duplicate")
    moved = None
    if doc.kind == "receipt" and doc.reference and doc.delta > 0:  # the receipt of a transfer the hub announced
        moved = receive_transferred(a.conn, a.ctx.tenant, doc.node, doc.sku, doc.delta, doc.reference, at=doc.at)
    if moved is None:
        moved = apply_movement(
            a.conn, a.ctx.tenant, doc.node, doc.sku, doc.delta, doc.kind, reference=reference, at=doc.at
        )
    a.touched_skus.add(doc.sku)
    return StoredDocument(doc.doc_type, reference, moved.id, "applied", f"on hand {moved.on_hand}")


def _received_ack(a: Applying, doc: ReceivedAck) -> StoredDocument:
    key = f"{doc.tenant}|received_ack|{doc.source}|{doc.external_id}|{doc.counter}|{doc.control_number}"
    if not claim(a.conn, doc.tenant, key, doc.doc_type, doc.external_id, a.message_id):
        return StoredDocument(doc.doc_type, doc.external_id, doc.control_number, "duplicate")
    outbox_id = reconcile(a.conn, a.ctx.tenant, doc)
    return StoredDocument(doc.doc_type, doc.external_id, outbox_id, "reconciled", doc.status.value)


HANDLERS: dict[type[BaseModel], Callable[[Applying, Any], StoredDocument]] = {
    OrderChange: _change,
    Cancellation: _cancellation,
    Shipment: _shipment,
    StockMovement: _movement,
    ReceivedAck: _received_ack,
}


class _Partial(Exception):
    """A document applied, with problems worth reporting (kept, not rolled back)."""

    def __init__(self, stored: StoredDocument, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.stored = stored
        self.problems = problems


def apply_documents(a: Applying, docs: list[BaseModel]) -> tuple[list[StoredDocument], list[dict[str, Any]]]:
    """Apply one message's documents in order; stock counts of a node are applied together.

    Raises the first RecordError (the caller rolls the message's savepoint back); problems of a
    document that was applied anyway come back as errors.
    """
    stored: list[StoredDocument] = []
    errors: list[dict[str, Any]] = []
    counts: dict[tuple[str, Any], dict[str, Decimal]] = defaultdict(dict)
    for doc in docs:
        if isinstance(doc, StockLevel):
            counts[(doc.node, doc.as_of)][doc.sku] = Decimal(doc.on_hand)
            continue
        handler = HANDLERS.get(type(doc))
        if handler is None:
            raise RecordError(
                f"{type(doc).__name__} documents are not handled by the pipeline", code="unsupported_document"
            )
        try:
            stored.append(handler(a, doc))
        except _Partial as partial:
            stored.append(partial.stored)
            errors += [
                {"code": "shipment_problem", "message": p, "segment": None, "position": None} for p in partial.problems
            ]
    for (node, as_of), skus in counts.items():
        report = apply_snapshot(
            a.conn, a.ctx.tenant, node, skus, as_of=as_of or utcnow(), reference=f"message:{a.message_id}", full=False
        )
        a.touched_skus |= set(skus)
        stored.append(
            StoredDocument(StockLevel.doc_type, node, a.message_id, "applied", f"{len(report.drifts)} drift(s)")
        )
    return stored, errors
