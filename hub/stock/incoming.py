"""Incoming stock (purchase orders, transfers in transit): expected per node, SKU and date until received."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from hub.allocation.ledger import ensure_node
from hub.errors import Location
from hub.model.ids import new_id, utcnow
from hub.model.money import decimal_str
from hub.stock.errors import IncomingError
from hub.stock.movements import Movement, apply_movement
from hub.store.tables import stock_incoming

OPEN, RECEIVED, CANCELLED = "open", "received", "cancelled"


@dataclass(frozen=True)
class Incoming:
    id: str
    node: str
    sku: str
    quantity: Decimal
    expected_on: date
    reference: str | None
    status: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "node": self.node,
            "sku": self.sku,
            "quantity": self.quantity,
            "expected_on": self.expected_on,
            "reference": self.reference,
            "status": self.status,
        }


def _incoming(row: Any) -> Incoming:
    return Incoming(row.id, row.node, row.sku, Decimal(row.quantity), row.expected_on, row.reference, row.status)


def _check_qty(qty: Decimal) -> None:
    if not isinstance(qty, Decimal) or not qty.is_finite() or qty <= 0:
        raise IncomingError(f"incoming quantity must be positive, got {qty!r}", location=Location(field="qty"))


def add_incoming(
    conn: Connection,
    tenant: str,
    node: str,
    sku: str,
    qty: Decimal,
    expected_on: date,
    reference: str | None = None,
) -> str:
    """Expect `qty` of `sku` at `node` on `expected_on`; returns the id to receive or cancel it by."""
    _check_qty(qty)
    ensure_node(conn, tenant, node)
    incoming_id = new_id("inc")
    conn.execute(
        stock_incoming.insert().values(
            id=incoming_id,
            tenant=tenant,
            node=node,
            sku=sku,
            quantity=qty,
            expected_on=expected_on,
            reference=reference,
            status=OPEN,
            created_at=utcnow(),
        )
    )
    return incoming_id


def get_incoming(conn: Connection, tenant: str, incoming_id: str, *, lock: bool = False) -> Incoming:
    i = stock_incoming.c
    stmt = select(stock_incoming).where(i.tenant == tenant, i.id == incoming_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    if row is None:
        raise IncomingError(f"no incoming stock with id {incoming_id!r}", location=Location(field="id"))
    return _incoming(row)


def _open(conn: Connection, tenant: str, incoming_id: str) -> Incoming:
    found = get_incoming(conn, tenant, incoming_id, lock=True)
    if found.status != OPEN:
        raise IncomingError(f"incoming {incoming_id} is {found.status}, not open", location=Location(field="id"))
    return found


def cancel_incoming(conn: Connection, tenant: str, incoming_id: str) -> Incoming:
    """Stop expecting an open incoming (it will not arrive)."""
    found = _open(conn, tenant, incoming_id)
    i = stock_incoming.c
    conn.execute(stock_incoming.update().where(i.id == incoming_id, i.status == OPEN).values(status=CANCELLED))
    return Incoming(**(found.__dict__ | {"status": CANCELLED}))


def receive_incoming(
    conn: Connection, tenant: str, incoming_id: str, qty: Decimal | None = None, *, at: datetime | None = None
) -> Movement:
    """Receive an open incoming: a receipt movement of `qty` (default: all expected).

    Receiving less than expected keeps the rest open (same id, smaller quantity) and records the
    received part as its own row; receiving as much or more closes it.
    """
    found = _open(conn, tenant, incoming_id)
    qty = found.quantity if qty is None else qty
    _check_qty(qty)
    i = stock_incoming.c
    if qty < found.quantity:
        conn.execute(stock_incoming.update().where(i.id == incoming_id).values(quantity=found.quantity - qty))
        conn.execute(
            stock_incoming.insert().values(
                id=new_id("inc"),
                tenant=tenant,
                node=found.node,
                sku=found.sku,
                quantity=qty,
                expected_on=found.expected_on,
                reference=found.reference,
                status=RECEIVED,
                created_at=utcnow(),
            )
        )
    else:
        conn.execute(stock_incoming.update().where(i.id == incoming_id).values(status=RECEIVED, quantity=qty))
    reference = found.reference or f"incoming:{incoming_id}"
    return apply_movement(conn, tenant, found.node, found.sku, qty, "receipt", reference=reference, at=at)


def list_incoming(
    conn: Connection, tenant: str, *, sku: str | None = None, node: str | None = None, status: str | None = OPEN
) -> list[Incoming]:
    """Incoming stock by expected date (open only by default; None: every status)."""
    i = stock_incoming.c
    stmt = select(stock_incoming).where(i.tenant == tenant)
    if sku:
        stmt = stmt.where(i.sku == sku)
    if node:
        stmt = stmt.where(i.node == node)
    if status:
        stmt = stmt.where(i.status == status)
    return [_incoming(r) for r in conn.execute(stmt.order_by(i.expected_on, i.node, i.sku, i.id))]


def incoming_for(
    conn: Connection, tenant: str, skus: Iterable[str]
) -> dict[tuple[str, str], list[tuple[date, Decimal]]]:
    """Open incoming of `skus`: (node, sku) -> [(expected date, quantity)] by date, one entry per date."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    i = stock_incoming.c
    rows = conn.execute(
        select(i.node, i.sku, i.expected_on, i.quantity)
        .where(i.tenant == tenant, i.sku.in_(wanted), i.status == OPEN)
        .order_by(i.node, i.sku, i.expected_on)
    )
    by_level: dict[tuple[str, str], dict[date, Decimal]] = {}
    for r in rows:
        dates = by_level.setdefault((r.node, r.sku), {})
        dates[r.expected_on] = dates.get(r.expected_on, Decimal(0)) + Decimal(r.quantity)
    return {key: sorted(dates.items()) for key, dates in by_level.items()}


def describe(item: Incoming) -> str:
    return f"{decimal_str(item.quantity)} {item.sku} at {item.node} on {item.expected_on.isoformat()}"
