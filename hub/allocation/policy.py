"""Allocation policies: pure decisions over a stock view. The rules engine of a later issue plugs in here."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from hub.allocation.ledger import StockView
from hub.model.money import decimal_str
from hub.model.order import Order


@dataclass(frozen=True)
class NodeInfo:
    code: str
    priority: int
    connection: str | None = None


@dataclass
class Choice:
    """Which node should ship the whole order (None: no node can), and why, in words and data."""

    node: str | None
    reason: str
    considered: list[dict[str, object]] = field(default_factory=list)


class AllocationPolicy(Protocol):
    name: str

    def choose(self, order: Order, view: StockView, nodes: list[NodeInfo]) -> Choice: ...


class HighestPriorityCompleteNode:
    """Ship from the highest-priority node (lowest number) that has every line in stock; else backorder."""

    name = "highest_priority_complete_node"

    def choose(self, order: Order, view: StockView, nodes: list[NodeInfo]) -> Choice:
        needed: dict[str, Decimal] = {}
        for line in order.lines:
            needed[line.sku] = needed.get(line.sku, Decimal(0)) + line.quantity
        considered: list[dict[str, object]] = []
        for node in sorted(nodes, key=lambda n: (n.priority, n.code)):
            short = {
                sku: decimal_str(qty - view.available(node.code, sku))
                for sku, qty in needed.items()
                if view.available(node.code, sku) < qty
            }
            considered.append({"node": node.code, "priority": node.priority, "short": short})
            if not short:
                return Choice(node.code, f"{node.code} (priority {node.priority}) has every line in stock", considered)
        if not nodes:
            return Choice(None, "no enabled node to ship from", considered)
        return Choice(None, "no single node has every line in stock", considered)
