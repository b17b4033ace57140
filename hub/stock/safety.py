"""Safety stock: units per node and SKU that are never offered for sale nor reserved."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection, select

from hub.allocation.ledger import ensure_node
from hub.errors import Location
from hub.model.ids import utcnow
from hub.stock.errors import StockMovementError
from hub.store.sql import upsert
from hub.store.tables import stock_levels


def set_safety(conn: Connection, tenant: str, node: str, sku: str, qty: Decimal) -> Decimal:
    """Set the safety stock of (node, sku), creating the node and level if missing; returns the previous figure.

    Safety is a planning figure, not something the node reported: it does not touch the stock's freshness.
    """
    if not isinstance(qty, Decimal) or not qty.is_finite() or qty < 0:
        raise StockMovementError(
            f"safety stock must be a number of 0 or more, got {qty!r}", location=Location(field="qty")
        )
    ensure_node(conn, tenant, node)
    t = stock_levels.c
    before = conn.execute(select(t.safety).where(t.tenant == tenant, t.node == node, t.sku == sku)).scalar()
    stmt = upsert(conn, stock_levels, ["tenant", "node", "sku"], {"safety": None, "updated_at": None})
    conn.execute(stmt.values(tenant=tenant, node=node, sku=sku, on_hand=0, reserved=0, safety=qty, updated_at=utcnow()))
    return Decimal(before) if before is not None else Decimal(0)
