"""The allocation seam the pipeline forwards orders to: choose a node, reserve in the locked view, record why."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, select

from hub.allocation.ledger import StockView
from hub.allocation.policy import AllocationPolicy, HighestPriorityCompleteNode, NodeInfo
from hub.model.ids import new_id, utcnow
from hub.model.order import Order, OrderStatus
from hub.store.tables import nodes


@dataclass
class Allocation:
    """The outcome for one order, with the reservation rows to write."""

    status: OrderStatus
    node: NodeInfo | None
    reason: str
    detail: dict[str, object]
    reservations: list[dict[str, object]] = field(default_factory=list)


class Allocator:
    """Runs a policy over the batch's stock view, then reserves every line at the chosen node.

    If the node cannot take every line after all (a policy that misjudged), what it reserved is
    given back and the policy is asked again without that node. The view's changes reach the
    database through `apply_reservations`, whose guarded UPDATE is the last word on availability.
    """

    def __init__(self, policy: AllocationPolicy | None = None) -> None:
        self.policy = policy or HighestPriorityCompleteNode()

    def nodes(self, conn: Connection, tenant: str) -> list[NodeInfo]:
        rows = conn.execute(
            select(nodes.c.code, nodes.c.priority, nodes.c.connection)
            .where(nodes.c.tenant == tenant, nodes.c.enabled == 1)
            .order_by(nodes.c.priority, nodes.c.code)
        )
        return [NodeInfo(r.code, r.priority, r.connection) for r in rows]

    def allocate(self, order: Order, order_id: str, view: StockView, candidates: list[NodeInfo]) -> Allocation:
        remaining = list(candidates)
        refused: list[str] = []
        while True:
            choice = self.policy.choose(order, view, remaining)
            detail: dict[str, object] = {"policy": self.policy.name, "considered": choice.considered}
            if refused:
                detail["could_not_reserve_at"] = refused
            if choice.node is None:
                return Allocation(OrderStatus.BACKORDERED, None, choice.reason, detail)
            node = next(n for n in remaining if n.code == choice.node)
            rows = self._reserve_all(order, order_id, node, view)
            if rows is not None:
                return Allocation(OrderStatus.ALLOCATED, node, choice.reason, detail, rows)
            refused.append(node.code)
            remaining = [n for n in remaining if n.code != node.code]

    @staticmethod
    def _reserve_all(order: Order, order_id: str, node: NodeInfo, view: StockView) -> list[dict[str, object]] | None:
        made: list[tuple[str, Decimal]] = []
        for line in order.lines:
            if not view.reserve(node.code, line.sku, line.quantity):
                for sku, qty in made:
                    view.release(node.code, sku, qty)
                return None
            made.append((line.sku, line.quantity))
        now = utcnow()
        return [
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
            for line in order.lines
        ]
