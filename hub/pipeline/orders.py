"""The orders of one pipeline batch: plan (dedup, create or amend), allocate, and gather the rows to write.

Everything that can make a message fail (an amendment that comes too late) is decided while
planning, before anything is written, so a message is atomic without a savepoint. Statements
are per batch, not per order: one look-up of known orders, one multi-row claim of idempotency
keys, one locked read of the stock rows, then batched inserts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, select, update

from hub.allocation.allocator import Allocation, AllocationSession
from hub.allocation.ledger import StockView
from hub.allocation.releases import release_messages
from hub.errors import AmendmentRejected
from hub.model.ids import new_id, utcnow
from hub.model.order import AMENDABLE, Order, OrderStatus
from hub.outbox.enqueue import Outgoing
from hub.rules.facts import OrderFacts
from hub.rules.planner import priority_of
from hub.store.dedup import claim_keys
from hub.store.order_events import order_event
from hub.store.tables import allocations, order_events, order_lines, orders, reservations


@dataclass
class Writes:
    """Rows gathered while processing a batch, written once at its end."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    reservations: list[dict[str, Any]] = field(default_factory=list)
    allocations: list[dict[str, Any]] = field(default_factory=list)
    outgoing: list[Outgoing] = field(default_factory=list)
    touched_skus: set[str] = field(default_factory=set)
    decided: list[tuple[str, Order, Allocation, str]] = field(default_factory=list)  # follow-ups after the flush

    def flush(self, conn: Connection) -> None:
        for table, rows in (
            (orders, self.orders),
            (order_lines, self.lines),
            (order_events, self.events),
            (reservations, self.reservations),
            (allocations, self.allocations),
        ):
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


@dataclass(frozen=True)
class Known:
    """An order already in the store."""

    id: str
    revision: int
    status: OrderStatus


@dataclass
class Planned:
    """What the batch will do with one order document."""

    order: Order
    message_id: str
    connection: str
    key: str
    action: str  # create | amend | duplicate | stale
    order_id: str
    known: Known | None = None
    same_as: Planned | None = None  # a duplicate of another document in this batch
    status: str | None = None

    def stored(self) -> StoredDocument:
        if self.same_as is not None:
            return StoredDocument(
                "order", self.order.external_id, self.same_as.order_id, "duplicate", self.same_as.status
            )
        outcome = {"create": "created", "amend": "amended"}.get(self.action, self.action)
        return StoredDocument("order", self.order.external_id, self.order_id, outcome, self.status)


class DeferToNextBatch(Exception):
    """Another revision of the same order is already in this batch; the message waits for the next one."""


class OrderBatch:
    """Plans and stores the orders of one batch, inside the pipeline's transaction."""

    def __init__(self, conn: Connection, tenant: str) -> None:
        self.conn = conn
        self.tenant = tenant
        self.planned: list[Planned] = []
        self._known: dict[tuple[str, str], Known] = {}
        self._by_key: dict[str, Planned] = {}
        self._names: set[tuple[str, str]] = set()

    def load_known(self, docs: list[Order]) -> None:
        """One look-up of the orders these documents may already be."""
        names = {(d.source, d.external_id) for d in docs}
        if not names:
            return
        # tenant, source IN, external_id IN: served by the (tenant, source, external_id) unique index.
        rows = self.conn.execute(
            select(orders.c.id, orders.c.source, orders.c.external_id, orders.c.revision, orders.c.status).where(
                orders.c.tenant == self.tenant,
                orders.c.source.in_(sorted({s for s, _ in names})),
                orders.c.external_id.in_(sorted({e for _, e in names})),
            )
        )
        for r in rows:
            if (r.source, r.external_id) in names:
                self._known[(r.source, r.external_id)] = Known(r.id, r.revision, OrderStatus(r.status))

    def plan(self, message_id: str, connection: str, docs: list[Order]) -> list[Planned]:
        """Plan one message's orders, all or none: raises AmendmentRejected or DeferToNextBatch."""
        mine: list[Planned] = []
        names = set(self._names)
        for doc in docs:
            key = doc.ref.dedup_key(Order.doc_type)
            name = (doc.source, doc.external_id)
            earlier = self._by_key.get(key) or next((p for p in mine if p.key == key), None)
            if earlier is not None:
                mine.append(Planned(doc, message_id, connection, key, "duplicate", earlier.order_id, same_as=earlier))
                continue
            if any(p.order.source == doc.source and p.order.external_id == doc.external_id for p in mine):
                raise AmendmentRejected(
                    f"the message holds order {doc.external_id} twice, with different revisions; "
                    "send each revision in its own message"
                )
            if name in names:
                raise DeferToNextBatch(f"order {doc.external_id} has another revision in this batch")
            names.add(name)
            known = self._known.get(name)
            if known is None:
                action = "create"
            elif doc.revision < known.revision:
                action = "stale"
            elif doc.revision == known.revision:
                action = "duplicate"
            elif known.status not in AMENDABLE and self._same_fulfilment(known, doc):
                action = "unchanged"  # a channel's update that changes nothing to ship (a note, a tag, a payment)
            elif known.status not in AMENDABLE:
                raise AmendmentRejected(
                    f"order {doc.external_id} revision {doc.revision} arrived while the order is {known.status}; "
                    f"it can only be amended while {', '.join(sorted(AMENDABLE))}"
                )
            else:
                action = "amend"
            order_id = known.id if known else new_id("ord")
            planned = Planned(doc, message_id, connection, key, action, order_id, known=known)
            planned.status = known.status if known and action in {"stale", "duplicate", "unchanged"} else None
            mine.append(planned)
        for p in mine:
            if p.same_as is None:
                self._by_key[p.key] = p
        self._names = names
        self.planned += mine
        return mine

    def _same_fulfilment(self, known: Known, doc: Order) -> bool:
        """Whether `doc` asks for what the stored order already ships: the same lines and the same ship-to."""
        stored_lines = self.conn.execute(
            select(order_lines.c.line_no, order_lines.c.sku, order_lines.c.quantity, order_lines.c.uom)
            .where(order_lines.c.order_id == known.id)
            .order_by(order_lines.c.line_no)
        ).all()
        wanted = sorted((line.line_no, line.sku, line.quantity, line.uom) for line in doc.lines)
        if [(r.line_no, r.sku, Decimal(r.quantity), r.uom) for r in stored_lines] != wanted:
            return False
        ship_to = self.conn.execute(select(orders.c.ship_to).where(orders.c.id == known.id)).scalar_one()
        return ship_to == doc.ship_to.model_dump(mode="json", exclude_none=True)

    def claim_keys(self) -> None:
        """Claim the idempotency keys of everything to write, in one statement, in key order.

        A key some other worker claimed first (this batch saw no order yet, but it committed one
        meanwhile) turns the document into a duplicate of that worker's.
        """
        todo = [p for p in self.planned if p.action in {"create", "amend"}]
        holders = claim_keys(self.conn, self.tenant, [(p.key, Order.doc_type, p.order_id, p.message_id) for p in todo])
        # Each planned document has its own fresh id: the key is ours when the stored id is that id.
        for p in todo:
            holder = holders[p.key][0]
            if holder != p.order_id:
                p.action, p.order_id = "duplicate", holder

    def skus(self) -> set[str]:
        """The SKUs whose stock rows the batch will change: new lines, and what amended orders held."""
        skus = {line.sku for p in self.planned if p.action in {"create", "amend"} for line in p.order.lines}
        amended = [p.order_id for p in self.planned if p.action == "amend"]
        if amended:
            held = select(reservations.c.sku).where(
                reservations.c.order_id.in_(amended), reservations.c.status == "held"
            )
            skus |= set(self.conn.execute(held).scalars())
        return skus

    def store(self, view: StockView, session: AllocationSession, writes: Writes) -> None:
        """Allocate every order to write and gather its rows: higher rule priority first, then arrival order."""
        for p in self.planned:
            if p.action == "unchanged":  # later, older revisions must find this one: the revision moves on
                self.conn.execute(
                    update(orders)
                    .where(orders.c.id == p.order_id)
                    .values(revision=p.order.revision, attributes=p.order.attributes, updated_at=utcnow())
                )
        todo = [(i, p, session.facts(p.order)) for i, p in enumerate(self.planned) if p.action in {"create", "amend"}]
        todo.sort(key=lambda item: (-priority_of(session.rule_set, item[2]), item[0]))
        for _, p, facts in todo:
            if p.action == "create":
                self._create(p, view, session, writes, facts)
            else:
                self._amend(p, view, session, writes, facts)

    def _create(
        self, p: Planned, view: StockView, session: AllocationSession, writes: Writes, facts: OrderFacts
    ) -> None:
        order = p.order
        allocation = session.allocate(order, p.order_id, view, facts=facts)
        now = utcnow()
        writes.orders.append(
            {
                "id": p.order_id,
                "tenant": order.tenant,
                "source": order.source,
                "external_id": order.external_id,
                "revision": order.revision,
                "status": allocation.status,
                "currency": order.currency,
                "placed_at": order.placed_at,
                "ship_to": order.ship_to.model_dump(mode="json", exclude_none=True),
                "customer": order.customer.model_dump(mode="json", exclude_none=True) if order.customer else None,
                "attributes": order.attributes,
                "message_id": p.message_id,
                "created_at": now,
                "updated_at": now,
            }
        )
        reason = f"received from connection {p.connection} (message {p.message_id})"
        self._record(p, None, reason, allocation, writes)

    def _amend(
        self, p: Planned, view: StockView, session: AllocationSession, writes: Writes, facts: OrderFacts
    ) -> None:
        """A newer revision while the order waits: give back its stock, replace its lines, allocate again."""
        order, conn = p.order, self.conn
        assert p.known is not None
        held = reservations.c.order_id == p.order_id, reservations.c.status == "held"
        for res in conn.execute(select(reservations).where(*held)):
            view.release(res.node, res.sku, res.quantity)
        conn.execute(update(reservations).where(*held).values(status="released"))
        conn.execute(delete(order_lines).where(order_lines.c.order_id == p.order_id))
        allocation = session.allocate(order, p.order_id, view, reason="amended", facts=facts)
        conn.execute(
            orders.update()
            .where(orders.c.id == p.order_id)
            .values(
                revision=order.revision,
                status=allocation.status,
                currency=order.currency,
                ship_to=order.ship_to.model_dump(mode="json", exclude_none=True),
                attributes=order.attributes,
                message_id=p.message_id,
                updated_at=utcnow(),
            )
        )
        reason = f"amended to revision {order.revision} from connection {p.connection}"
        self._record(p, p.known.status, reason, allocation, writes)

    def _record(
        self, p: Planned, before: OrderStatus | None, reason: str, allocation: Allocation, writes: Writes
    ) -> None:
        """Gather the lines, the 'received' event, what allocation decided and the release to the node."""
        order, order_id = p.order, p.order_id
        p.status = allocation.status
        writes.lines += [
            {
                "order_id": order_id,
                "line_no": ln.line_no,
                "tenant": order.tenant,
                "sku": ln.sku,
                "quantity": ln.quantity,
                "uom": ln.uom,
                "unit_price": ln.unit_price,
                "description": ln.description,
            }
            for ln in order.lines
        ]
        received = {"message_id": p.message_id, "revision": order.revision}
        writes.events.append(order_event(order.tenant, order_id, before, OrderStatus.RECEIVED, reason, received))
        decided = order_event(
            order.tenant, order_id, OrderStatus.RECEIVED, allocation.status, allocation.reason, allocation.detail
        )
        writes.events.append(decided)
        writes.reservations += allocation.reservations
        writes.allocations.append(allocation.record)
        writes.decided.append((order_id, order, allocation, p.connection))
        if allocation.reservations:
            writes.touched_skus |= {line.sku for line in order.lines}
        writes.outgoing += release_messages(order, order_id, allocation)
