"""The stock ledger: levels per node and SKU, guarded atomic reservations, imports and movements."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, bindparam, select

from hub.errors import TransientError
from hub.model.ids import new_id, utcnow
from hub.stock.holds import holds_at, read_hold_rules
from hub.store.sql import insert_ignore, upsert
from hub.store.tables import QTY, nodes, stock_levels, stock_movements


@dataclass
class Level:
    """One node's stock of one SKU. `holds`: channel -> units ring-fenced for that channel here."""

    node: str
    sku: str
    on_hand: Decimal
    reserved: Decimal
    safety: Decimal
    holds: dict[str, Decimal] = field(default_factory=dict)

    @property
    def available(self) -> Decimal:
        """Physically free: on hand less reserved and safety stock (holds not subtracted)."""
        return max(self.on_hand - self.reserved - self.safety, Decimal(0))

    def available_to(self, channel: str | None = None) -> Decimal:
        """Sellable by `channel`: free stock less what other channels hold (None: less every hold)."""
        held = sum((q for c, q in self.holds.items() if c != channel), Decimal(0))
        return max(self.on_hand - self.reserved - self.safety - held, Decimal(0))


class StockView:
    """The levels of some SKUs at every node, as read in this transaction.

    Allocation reserves in the view; `apply_reservations` writes the net change per row once, with
    a guarded UPDATE that refuses to take more than is available (on SQLite the transaction holds
    the write lock, so the view cannot go stale; on PostgreSQL the guard catches a stale read).
    """

    def __init__(self, levels: Iterable[Level] = ()) -> None:
        self._levels: dict[tuple[str, str], Level] = {(lv.node, lv.sku): lv for lv in levels}
        self.deltas: dict[tuple[str, str], Decimal] = {}

    def get(self, node: str, sku: str) -> Level | None:
        return self._levels.get((node, sku))

    def available(self, node: str, sku: str, channel: str | None = None) -> Decimal:
        """Available to `channel` (holds of other channels subtracted; None: every hold subtracted)."""
        level = self.get(node, sku)
        return level.available_to(channel) if level else Decimal(0)

    def total_available(self, sku: str, node_codes: Iterable[str], channel: str | None = None) -> Decimal:
        return sum((self.available(n, sku, channel) for n in node_codes), Decimal(0))

    def reserve(self, node: str, sku: str, qty: Decimal, channel: str | None = None) -> bool:
        """Reserve in the view if that much is available to `channel`; remembered for apply_reservations."""
        level = self.get(node, sku)
        if level is None or level.available_to(channel) < qty:
            return False
        self._change(level, qty)
        return True

    def release(self, node: str, sku: str, qty: Decimal) -> None:
        level = self.get(node, sku)
        if level is None:  # a row the batch did not load: still give the stock back
            level = self._levels[(node, sku)] = Level(node, sku, Decimal(0), Decimal(0), Decimal(0))
        self._change(level, -qty)

    def _change(self, level: Level, qty: Decimal) -> None:
        level.reserved += qty
        key = (level.node, level.sku)
        self.deltas[key] = self.deltas.get(key, Decimal(0)) + qty


def load_levels(conn: Connection, tenant: str, skus: Iterable[str], *, lock: bool = False) -> StockView:
    """Read the levels of `skus` at every node (with `lock`, FOR UPDATE on PostgreSQL, in key order),
    with the channel holds at each level (one more query; holds are units as of this read).

    The pipeline reads without locking and lets `apply_reservations` be the guard: its UPDATEs run
    last, in key order, so stock rows are held only for the end of the transaction, and a batch that
    read a level another worker has since consumed gets a ReservationConflict and is retried.
    """
    wanted = sorted(set(skus))
    if not wanted:
        return StockView()
    stmt = (
        select(stock_levels)
        .where(stock_levels.c.tenant == tenant, stock_levels.c.sku.in_(wanted))
        .order_by(stock_levels.c.node, stock_levels.c.sku)
    )
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    rows = conn.execute(stmt).all()
    levels = [Level(r.node, r.sku, Decimal(r.on_hand), Decimal(r.reserved), Decimal(r.safety)) for r in rows]
    rules = read_hold_rules(conn, tenant, wanted) if levels else []
    if rules:
        for level in levels:
            free = level.on_hand - level.reserved - level.safety
            level.holds = holds_at(rules, level.node, level.sku, free)
    return StockView(levels)


def reserve(conn: Connection, tenant: str, node: str, sku: str, qty: Decimal) -> bool:
    """Reserve `qty` if and only if that much is available: one guarded UPDATE, never read-then-write."""
    t = stock_levels.c
    result = conn.execute(
        stock_levels.update()
        .where(
            t.tenant == tenant,
            t.node == node,
            t.sku == sku,
            t.on_hand - t.reserved - t.safety >= qty,
        )
        .values(reserved=t.reserved + qty, updated_at=utcnow())
    )
    return result.rowcount == 1


class ReservationConflict(TransientError):
    """A guarded update found less stock than the locked view said: retry the whole batch."""

    code = "reservation_conflict"


def apply_reservations(conn: Connection, tenant: str, view: StockView) -> None:
    """Write the view's net reservation changes: one guarded UPDATE per row, sent as one batch, in key order."""
    t = stock_levels.c
    now = utcnow()
    ups = [{"b_node": n, "b_sku": s, "b_qty": q} for (n, s), q in sorted(view.deltas.items()) if q > 0]
    downs = [{"b_node": n, "b_sku": s, "b_qty": -q} for (n, s), q in sorted(view.deltas.items()) if q < 0]
    row = (t.tenant == tenant) & (t.node == bindparam("b_node")) & (t.sku == bindparam("b_sku"))
    qty = bindparam("b_qty", type_=QTY)
    if ups:
        guarded = stock_levels.update().where(row, t.on_hand - t.reserved - t.safety >= qty)
        result = conn.execute(guarded.values(reserved=t.reserved + qty, updated_at=now), ups)
        if result.rowcount != len(ups):
            raise ReservationConflict(f"{len(ups) - result.rowcount} of {len(ups)} reservations found too little stock")
    if downs:
        conn.execute(stock_levels.update().where(row).values(reserved=t.reserved - qty, updated_at=now), downs)
    view.deltas.clear()


def ensure_node(
    conn: Connection,
    tenant: str,
    code: str,
    *,
    priority: int = 100,
    name: str | None = None,
    connection: str | None = None,
) -> None:
    conn.execute(
        insert_ignore(conn, nodes, ["tenant", "code"]).values(
            tenant=tenant, code=code, name=name or code, priority=priority, connection=connection, enabled=1
        )
    )


def set_node(
    conn: Connection, tenant: str, code: str, *, priority: int, connection: str | None, name: str | None = None
) -> None:
    stmt = upsert(conn, nodes, ["tenant", "code"], {"priority": None, "connection": None, "name": None})
    conn.execute(
        stmt.values(tenant=tenant, code=code, name=name or code, priority=priority, connection=connection, enabled=1)
    )


def set_on_hand(
    conn: Connection, tenant: str, node: str, sku: str, on_hand: Decimal, *, reference: str = "import"
) -> Decimal:
    """Set on-hand from a snapshot (WMS count or CSV import); records the difference as a movement."""
    ensure_node(conn, tenant, node)
    now = utcnow()
    t = stock_levels.c
    row = conn.execute(select(t.on_hand).where(t.tenant == tenant, t.node == node, t.sku == sku)).first()
    before = Decimal(row.on_hand) if row else Decimal(0)
    stmt = upsert(conn, stock_levels, ["tenant", "node", "sku"], {"on_hand": None, "updated_at": None})
    conn.execute(stmt.values(tenant=tenant, node=node, sku=sku, on_hand=on_hand, reserved=0, safety=0, updated_at=now))
    delta = on_hand - before
    if delta:
        conn.execute(
            stock_movements.insert().values(
                id=new_id("mov"),
                tenant=tenant,
                node=node,
                sku=sku,
                delta=delta,
                kind="adjustment",
                reference=reference,
                at=now,
            )
        )
    return delta
