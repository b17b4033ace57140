"""Stock snapshots (a WMS count of a node): reconcile against the ledger, record the drift, confirm freshness."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from hub.allocation.ledger import ensure_node
from hub.errors import Location
from hub.model.ids import new_id
from hub.model.money import decimal_str
from hub.stock.errors import SnapshotError, StaleSnapshotError
from hub.store.sql import upsert
from hub.store.tables import nodes, stock_drifts, stock_levels, stock_movements


@dataclass(frozen=True)
class Drift:
    """What the ledger said, what was counted, and the difference (counted - ledger)."""

    sku: str
    ledger: Decimal
    counted: Decimal
    drift: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {"sku": self.sku, "ledger": self.ledger, "counted": self.counted, "drift": self.drift}


@dataclass(frozen=True)
class SnapshotReport:
    """The outcome of reconciling one node's count. `short`: SKUs counted below what orders have reserved."""

    node: str
    as_of: datetime
    reference: str
    counted: int
    drifts: list[Drift] = field(default_factory=list)
    zeroed: list[str] = field(default_factory=list)
    short: list[str] = field(default_factory=list)

    @property
    def total_drift(self) -> Decimal:
        """The sum of absolute drifts: how far the ledger was from the count."""
        return sum((abs(d.drift) for d in self.drifts), Decimal(0))

    @property
    def changed_skus(self) -> list[str]:
        return [d.sku for d in self.drifts]

    def as_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "as_of": self.as_of,
            "reference": self.reference,
            "skus_counted": self.counted,
            "drifts": [d.as_dict() for d in self.drifts],
            "total_drift": self.total_drift,
            "zeroed": self.zeroed,
            "short": self.short,
        }


def check_counts(counts: Mapping[str, Decimal]) -> None:
    for sku, qty in counts.items():
        if not sku:
            raise SnapshotError("a count has an empty SKU", location=Location(field="sku"))
        if not isinstance(qty, Decimal) or not qty.is_finite() or qty < 0:
            raise SnapshotError(
                f"count of {sku} is {qty!r}; expected a number of 0 or more", location=Location(field=sku)
            )


def apply_snapshot(
    conn: Connection,
    tenant: str,
    node: str,
    counts: Mapping[str, Decimal],
    *,
    as_of: datetime,
    reference: str,
    full: bool = True,
    force: bool = False,
) -> SnapshotReport:
    """Make the ledger at `node` match the count taken at `as_of`.

    Every SKU whose ledger on hand differs from its count gets a `stock_drifts` row and an adjustment
    movement; on hand becomes the count (reserved and safety are kept). With `full`, SKUs the ledger has
    at the node but the count does not mention were counted as 0. The node's stock is then confirmed as
    of `as_of`. A count older than the node's last confirmation is refused (it would undo newer
    movements) unless `force`.
    """
    check_counts(counts)
    if as_of.tzinfo is None:
        raise SnapshotError(f"snapshot time {as_of.isoformat()} has no time zone", location=Location(field="as_of"))
    ensure_node(conn, tenant, node)
    n = nodes.c
    node_stmt = select(n.stock_as_of).where(n.tenant == tenant, n.code == node)
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        node_stmt = node_stmt.with_for_update()  # one snapshot or movement of this node at a time
    confirmed = conn.execute(node_stmt).scalar()
    if confirmed is not None and as_of < confirmed and not force:
        raise StaleSnapshotError(
            f"snapshot {reference} of {node} is as of {as_of.isoformat()}, older than the stock confirmed at "
            f"{confirmed.isoformat()}; applying it would undo newer movements (force it to apply anyway)",
            location=Location(file=reference, field="as_of"),
        )
    t = stock_levels.c
    level_stmt = select(t.sku, t.on_hand, t.reserved).where(t.tenant == tenant, t.node == node)
    if not full:
        level_stmt = level_stmt.where(t.sku.in_(sorted(counts)))
    if postgres:
        level_stmt = level_stmt.with_for_update()
    ledger = {r.sku: (Decimal(r.on_hand), Decimal(r.reserved)) for r in conn.execute(level_stmt.order_by(t.sku))}

    drifts: list[Drift] = []
    short: list[str] = []
    levels: list[dict[str, Any]] = []
    for sku in sorted(set(counts) | set(ledger)):
        on_hand, reserved = ledger.get(sku, (Decimal(0), Decimal(0)))
        counted = counts.get(sku, Decimal(0))
        drift = counted - on_hand
        if drift:
            drifts.append(Drift(sku, on_hand, counted, drift))
        if drift or sku not in ledger:
            levels.append(
                {
                    "tenant": tenant,
                    "node": node,
                    "sku": sku,
                    "on_hand": counted,
                    "reserved": 0,
                    "safety": 0,
                    "updated_at": as_of,
                }
            )
        if counted < reserved:
            short.append(sku)
    if levels:
        stmt = upsert(conn, stock_levels, ["tenant", "node", "sku"], {"on_hand": None, "updated_at": None})
        conn.execute(stmt, levels)
    if drifts:
        base = {"tenant": tenant, "node": node, "at": as_of}
        conn.execute(
            stock_drifts.insert(),
            [
                base
                | {
                    "id": new_id("drf"),
                    "sku": d.sku,
                    "ledger_on_hand": d.ledger,
                    "counted": d.counted,
                    "drift": d.drift,
                    "snapshot": reference,
                }
                for d in drifts
            ],
        )
        conn.execute(
            stock_movements.insert(),
            [
                base
                | {
                    "id": new_id("mov"),
                    "sku": d.sku,
                    "delta": d.drift,
                    "kind": "adjustment",
                    "reference": f"snapshot:{reference}",
                }
                for d in drifts
            ],
        )
    conn.execute(nodes.update().where(n.tenant == tenant, n.code == node).values(stock_as_of=as_of))
    zeroed = sorted(sku for sku in ledger if sku not in counts)
    return SnapshotReport(node, as_of, reference, len(counts), drifts, zeroed, short)


def list_drifts(
    conn: Connection, tenant: str, *, node: str | None = None, sku: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Recorded drifts, newest first."""
    d = stock_drifts.c
    stmt = select(stock_drifts).where(d.tenant == tenant)
    if node:
        stmt = stmt.where(d.node == node)
    if sku:
        stmt = stmt.where(d.sku == sku)
    rows = conn.execute(stmt.order_by(d.at.desc(), d.id.desc()).limit(limit))
    return [
        {
            "at": r.at,
            "node": r.node,
            "sku": r.sku,
            "ledger": decimal_str(Decimal(r.ledger_on_hand)),
            "counted": decimal_str(Decimal(r.counted)),
            "drift": decimal_str(Decimal(r.drift)),
            "snapshot": r.snapshot,
        }
        for r in rows
    ]
