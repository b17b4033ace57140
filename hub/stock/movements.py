"""Stock movements reported by a node (receipts, picks, shipments, adjustments, returns, transfers).

Each movement is one guarded write to the level, one row in `stock_movements`, and a freshness
stamp: the node reported it, so the node's stock is confirmed as of the movement's time
(`nodes.stock_as_of` only moves forward). On hand never goes below 0; it may go below what is
reserved (a count or a loss the orders did not know of): the returned `Movement.short` says by how much,
and the caller decides what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, select

from hub.allocation.ledger import ensure_node
from hub.errors import Location
from hub.model.ids import new_id, utcnow
from hub.model.money import decimal_str
from hub.stock.errors import StockMovementError
from hub.store.sql import upsert
from hub.store.tables import nodes, reservations, stock_levels, stock_movements

INBOUND = frozenset({"receipt", "return", "transfer_in"})
OUTBOUND = frozenset({"pick", "shipment", "transfer_out"})
KINDS = INBOUND | OUTBOUND | {"adjustment"}
"""receipt, return, transfer_in add stock; pick, shipment, transfer_out take it; an adjustment goes either way."""


@dataclass(frozen=True)
class Movement:
    """A recorded movement and the level it left behind."""

    id: str
    node: str
    sku: str
    kind: str
    delta: Decimal
    on_hand: Decimal
    reserved: Decimal
    at: datetime
    reference: str | None = None

    @property
    def short(self) -> Decimal:
        """Reserved units no longer covered by stock on hand (0 when on hand covers every reservation)."""
        return max(self.reserved - self.on_hand, Decimal(0))


def check_movement(kind: str, delta: Decimal) -> None:
    """Refuse an unknown kind, a zero or non-finite delta, or a sign that contradicts the kind."""
    if kind not in KINDS:
        raise StockMovementError(
            f"unknown movement kind {kind!r}; expected one of {', '.join(sorted(KINDS))}",
            location=Location(field="kind"),
        )
    if not isinstance(delta, Decimal) or not delta.is_finite() or delta == 0:
        raise StockMovementError(f"a {kind} needs a non-zero quantity, got {delta!r}", location=Location(field="delta"))
    if kind in INBOUND and delta < 0:
        raise StockMovementError(
            f"a {kind} adds stock: delta must be positive, got {decimal_str(delta)}", location=Location(field="delta")
        )
    if kind in OUTBOUND and delta > 0:
        raise StockMovementError(
            f"a {kind} takes stock: delta must be negative, got {decimal_str(delta)}", location=Location(field="delta")
        )


def apply_movement(
    conn: Connection,
    tenant: str,
    node: str,
    sku: str,
    delta: Decimal,
    kind: str,
    *,
    reference: str | None = None,
    at: datetime | None = None,
) -> Movement:
    """Apply a movement with one guarded write (on hand never below 0); creates the node and level if missing."""
    check_movement(kind, delta)
    at = at or utcnow()
    ensure_node(conn, tenant, node)
    confirm_stock(conn, tenant, node, at)  # the node row first, then the level: the order snapshots lock in
    t = stock_levels.c
    if delta > 0:
        stmt = upsert(conn, stock_levels, ["tenant", "node", "sku"], {"on_hand": t.on_hand + delta, "updated_at": None})
        stmt = stmt.values(tenant=tenant, node=node, sku=sku, on_hand=delta, reserved=0, safety=0, updated_at=at)
    else:
        stmt = (
            stock_levels.update()
            .where(t.tenant == tenant, t.node == node, t.sku == sku, t.on_hand + delta >= 0)
            .values(on_hand=t.on_hand + delta, updated_at=at)
        )
    row = conn.execute(stmt.returning(t.on_hand, t.reserved)).first()
    if row is None:
        before = conn.execute(select(t.on_hand).where(t.tenant == tenant, t.node == node, t.sku == sku)).scalar()
        have = decimal_str(Decimal(before)) if before is not None else "0 (no stock recorded)"
        raise StockMovementError(
            f"{kind} of {decimal_str(-delta)} {sku} at {node} would make on hand negative: on hand is {have}",
            location=Location(field="delta"),
        )
    movement_id = log_movement(conn, tenant, node, sku, delta, kind, reference=reference, at=at)
    return Movement(movement_id, node, sku, kind, delta, Decimal(row.on_hand), Decimal(row.reserved), at, reference)


def record_movement(
    conn: Connection,
    tenant: str,
    node: str,
    sku: str,
    delta: Decimal,
    kind: str,
    *,
    reference: str | None = None,
    at: datetime | None = None,
) -> Decimal:
    """Apply a movement and return the new on hand (see `apply_movement` for the full result)."""
    return apply_movement(conn, tenant, node, sku, delta, kind, reference=reference, at=at).on_hand


def ship_reserved(
    conn: Connection,
    tenant: str,
    order_id: str,
    node: str,
    sku: str,
    qty: Decimal,
    *,
    at: datetime | None = None,
) -> Movement:
    """Ship `qty` units an order holds at a node: its held reservations become consumed (split when partly
    shipped), and on hand and reserved both drop by `qty` in one guarded UPDATE."""
    if not isinstance(qty, Decimal) or not qty.is_finite() or qty <= 0:
        raise StockMovementError(f"a shipment needs a positive quantity, got {qty!r}", location=Location(field="qty"))
    at = at or utcnow()
    r = reservations.c
    stmt = (
        select(reservations)
        .where(r.tenant == tenant, r.order_id == order_id, r.node == node, r.sku == sku, r.status == "held")
        .order_by(r.line_no, r.id)
    )
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    held_rows = conn.execute(stmt).all()
    held = sum((Decimal(h.quantity) for h in held_rows), Decimal(0))
    if held < qty:
        raise StockMovementError(
            f"order {order_id} holds {decimal_str(held)} of {sku} at {node}; cannot ship {decimal_str(qty)}",
            location=Location(field="qty"),
        )
    remaining = qty
    for h in held_rows:
        if remaining <= 0:
            break
        quantity = Decimal(h.quantity)
        if quantity <= remaining:
            conn.execute(reservations.update().where(r.id == h.id).values(status="consumed"))
            remaining -= quantity
            continue
        conn.execute(reservations.update().where(r.id == h.id).values(quantity=quantity - remaining))
        consumed = dict(h._mapping) | {"id": new_id("res"), "quantity": remaining, "status": "consumed"}
        conn.execute(reservations.insert().values(**consumed))
        remaining = Decimal(0)
    confirm_stock(conn, tenant, node, at)  # the node row before the level, as everywhere
    t = stock_levels.c
    row = conn.execute(
        stock_levels.update()
        .where(t.tenant == tenant, t.node == node, t.sku == sku, t.reserved >= qty, t.on_hand >= qty)
        .values(on_hand=t.on_hand - qty, reserved=t.reserved - qty, updated_at=at)
        .returning(t.on_hand, t.reserved)
    ).first()
    if row is None:
        raise StockMovementError(
            f"the ledger at {node} has less than {decimal_str(qty)} {sku} on hand and reserved, though order "
            f"{order_id} holds it; count the node (hub stock snapshot) before shipping",
            location=Location(field="qty"),
        )
    reference = f"order:{order_id}"
    movement_id = log_movement(conn, tenant, node, sku, -qty, "shipment", reference=reference, at=at)
    return Movement(
        movement_id, node, sku, "shipment", -qty, Decimal(row.on_hand), Decimal(row.reserved), at, reference
    )


def log_movement(
    conn: Connection,
    tenant: str,
    node: str,
    sku: str,
    delta: Decimal,
    kind: str,
    *,
    reference: str | None,
    at: datetime,
) -> str:
    movement_id = new_id("mov")
    conn.execute(
        stock_movements.insert().values(
            id=movement_id, tenant=tenant, node=node, sku=sku, delta=delta, kind=kind, reference=reference, at=at
        )
    )
    return movement_id


def confirm_stock(conn: Connection, tenant: str, node: str, at: datetime) -> None:
    """The node confirmed its stock at `at`: move its freshness stamp forward (never back).

    Writers of a node's stock lock the node row before its levels (snapshots with FOR UPDATE, movements
    with this UPDATE), so a count and a movement of the same node never deadlock on PostgreSQL.
    """
    n = nodes.c
    conn.execute(
        nodes.update()
        .where(n.tenant == tenant, n.code == node, (n.stock_as_of.is_(None)) | (n.stock_as_of < at))
        .values(stock_as_of=at)
    )
