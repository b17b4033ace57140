"""The allocation seam the pipeline forwards orders to: choose a node, reserve atomically, record why."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, select

from hub.allocation.ledger import StockView, reserve, unreserve
from hub.allocation.policy import AllocationPolicy, HighestPriorityCompleteNode, NodeInfo
from hub.model.ids import new_id, utcnow
from hub.model.order import Order, OrderStatus
from hub.store.tables import nodes


@dataclass
class Allocation:
    """The outcome for one order, with the rows to write."""

    status: OrderStatus
    node: NodeInfo | None
    reason: str
    detail: dict[str, object]
    reservations: list[dict[str, object]] = field(default_factory=list)


class Allocator:
    """Runs a policy, then reserves with guarded updates; falls back to the next node if a guard refuses."""

    def __init__(self, policy: AllocationPolicy | None = None) -> None:
        self.policy = policy or HighestPriorityCompleteNode()

    def nodes(self, conn: Connection, tenant: str) -> list[NodeInfo]:
        rows = conn.execute(
            select(nodes.c.code, nodes.c.priority, nodes.c.connection)
            .where(nodes.c.tenant == tenant, nodes.c.enabled == 1)
            .order_by(nodes.c.priority, nodes.c.code)
        )
        return [NodeInfo(r.code, r.priority, r.connection) for r in rows]

    def allocate(
        self, conn: Connection, order: Order, order_id: str, view: StockView, candidates: list[NodeInfo]
    ) -> Allocation:
        remaining = list(candidates)
        tried: list[str] = []
        while True:
            choice = self.policy.choose(order, view, remaining)
            detail: dict[str, object] = {"policy": self.policy.name, "considered": choice.considered}
            if choice.node is None:
                if tried:
                    detail["guard_refused"] = tried
                return Allocation(OrderStatus.BACKORDERED, None, choice.reason, detail)
            node = next(n for n in remaining if n.code == choice.node)
            done = self._reserve_all(conn, order, order_id, node, view)
            if done is not None:
                return Allocation(OrderStatus.ALLOCATED, node, choice.reason, detail, done)
            tried.append(node.code)
            remaining = [n for n in remaining if n.code != node.code]

    def _reserve_all(
        self, conn: Connection, order: Order, order_id: str, node: NodeInfo, view: StockView
    ) -> list[dict[str, object]] | None:
        made: list[tuple[str, Decimal]] = []
        rows: list[dict[str, object]] = []
        now = utcnow()
        for line in order.lines:
            if not reserve(conn, order.tenant, node.code, line.sku, line.quantity):
                for sku, qty in made:  # the guard refused: give back what this node reserved
                    unreserve(conn, order.tenant, node.code, sku, qty)
                    view.note_reserved(node.code, sku, -qty)
                return None
            view.note_reserved(node.code, line.sku, line.quantity)
            made.append((line.sku, line.quantity))
            rows.append(
                {
                    "id": new_id("res"),
                    "tenant": order.tenant,
                    "order_id": order_id,
                    "line_no": line.line_no,
                    "node": node.code,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "status": "held",
                    "created_at": now,
                }
            )
        return rows
