"""Channel holds (ring-fences): which rule applies at a node and SKU, and how many units it holds there."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import Connection, select

from hub.store.tables import channel_reservations

EVERY = "*"
"""The wildcard of a hold's node or SKU: every node, every SKU."""

FIXED = "fixed"
SHARE = "share"


@dataclass(frozen=True)
class HoldRule:
    """Channel `channel` holds `value` units (fixed) or that fraction of the free stock (share) at node and SKU."""

    channel: str
    node: str
    sku: str
    mode: str
    value: Decimal

    @property
    def specificity(self) -> int:
        """node+sku (3) over node+* (2) over *+sku (1) over *+* (0)."""
        return (2 if self.node != EVERY else 0) + (1 if self.sku != EVERY else 0)

    def matches(self, node: str, sku: str) -> bool:
        return self.node in (EVERY, node) and self.sku in (EVERY, sku)

    def units(self, free: Decimal) -> Decimal:
        """Units held out of `free` (on hand less reserved and safety): never more than is free."""
        free = max(free, Decimal(0))
        held = (self.value * free).to_integral_value(rounding=ROUND_FLOOR) if self.mode == SHARE else self.value
        return min(held, free)

    def as_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "node": self.node, "sku": self.sku, "mode": self.mode, "value": self.value}


def applicable(rules: Iterable[HoldRule], node: str, sku: str) -> dict[str, HoldRule]:
    """Per channel, the most specific of its rules that covers (node, sku)."""
    best: dict[str, HoldRule] = {}
    for rule in rules:
        if rule.matches(node, sku):
            current = best.get(rule.channel)
            if current is None or rule.specificity > current.specificity:
                best[rule.channel] = rule
    return best


def holds_at(rules: Iterable[HoldRule], node: str, sku: str, free: Decimal) -> dict[str, Decimal]:
    """Channel -> units held at (node, sku) when `free` units are on hand less reserved and safety."""
    return {channel: rule.units(free) for channel, rule in sorted(applicable(rules, node, sku).items())}


def read_hold_rules(conn: Connection, tenant: str, skus: Iterable[str] | None = None) -> list[HoldRule]:
    """The tenant's hold rules (only those that can cover `skus`, wildcards included, when given)."""
    t = channel_reservations.c
    stmt = select(channel_reservations).where(t.tenant == tenant)
    if skus is not None:
        stmt = stmt.where(t.sku.in_(sorted({*skus, EVERY})))
    rows = conn.execute(stmt.order_by(t.channel, t.node, t.sku))
    return [HoldRule(r.channel, r.node, r.sku, r.mode, Decimal(r.value)) for r in rows]
