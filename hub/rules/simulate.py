"""What-if: replay past orders through a changed rule set and compare with the active one, touching nothing live.

Both rule sets see the same orders in the same (arrival) order, against the same stock picture: the
levels as they are now, with what the replayed orders hold given back, so they compete for it again.
Everything happens in a read-only transaction on copies of the stock view.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from hub.allocation.allocator import Allocation, Allocator
from hub.allocation.ledger import StockView, load_levels
from hub.allocation.profiles import load_node_profiles
from hub.allocation.reallocate import held, load_order
from hub.model.money import decimal_str
from hub.model.order import Order
from hub.promise.engine import ShipmentDater
from hub.rules.ruleset import RuleSet
from hub.store.db import read_only
from hub.store.tables import orders


@dataclass
class Summary:
    """Figures of one rule set over the replayed orders."""

    label: str
    orders: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    split: int = 0
    shipments: int = 0
    cost: Decimal = Decimal(0)
    unpriced: int = 0
    transit_max_days: int = 0
    promised_days: int = 0
    promised_orders: int = 0
    node_orders: Counter[str] = field(default_factory=Counter)

    def add(self, allocation: Allocation, days_to_delivery: int | None) -> None:
        decision = allocation.decision
        if days_to_delivery is not None:
            self.promised_orders += 1
            self.promised_days += days_to_delivery
        self.orders += 1
        self.statuses[decision.status] += 1
        self.shipments += len(decision.shipments)
        self.split += len(decision.shipments) > 1
        for shipment in decision.shipments:
            self.node_orders[shipment.node] += 1
            if shipment.cost is None:
                self.unpriced += 1
            else:
                self.cost += shipment.cost
            if shipment.transit_days:
                self.transit_max_days += shipment.transit_days[1]

    @property
    def split_rate(self) -> Decimal:
        return (Decimal(self.split) / self.orders * 100).quantize(Decimal("0.1")) if self.orders else Decimal(0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_set": self.label,
            "orders": self.orders,
            "statuses": dict(sorted(self.statuses.items())),
            "split_orders": self.split,
            "split_rate_percent": decimal_str(self.split_rate),
            "shipments": self.shipments,
            "shipping_cost": decimal_str(self.cost),
            "unpriced_shipments": self.unpriced,
            "transit_days_max_total": self.transit_max_days,
            "promised_orders": self.promised_orders,
            "mean_days_to_promised_delivery": (
                decimal_str((Decimal(self.promised_days) / self.promised_orders).quantize(Decimal("0.01")))
                if self.promised_orders
                else None
            ),
            "node_load": dict(sorted(self.node_orders.items())),
        }


@dataclass
class Simulation:
    since: datetime
    current: Summary
    candidate: Summary
    differences: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "current": self.current.as_dict(),
            "candidate": self.candidate.as_dict(),
            "changed_orders": len(self.differences),
            "differences": self.differences,
        }


def _promised(dater: ShipmentDater, allocation: Allocation, at: datetime) -> date | None:
    """The delivery date the plan would promise (the latest of its shipments), from the calendars."""
    if not allocation.decision.shipments:
        return None
    latest = [s.delivery_latest for s in dater.date_decision(allocation.decision, at)]
    return None if any(d is None for d in latest) else max(d for d in latest if d is not None)


def _outline(allocation: Allocation, promised: date | None) -> dict[str, Any]:
    decision = allocation.decision
    cost = decision.cost
    latest = max((s.transit_days[1] for s in decision.shipments if s.transit_days), default=None)
    return {
        "status": decision.status,
        "nodes": decision.nodes,
        "cost": decimal_str(cost) if cost is not None else None,
        "transit_days_max": latest,
        "promised_delivery": promised.isoformat() if promised else None,
        "backordered": [ln.as_dict() for ln in decision.backordered],
        "reason": decision.reason,
    }


def _replay(allocator: Allocator, conn: Any, tenant: str, replayed: list[Order], view: StockView) -> list[Allocation]:
    skus = {line.sku for order in replayed for line in order.lines}
    session = allocator.begin(conn, tenant, skus)
    session.context.load.clear()  # the replay starts the day empty, for both rule sets alike
    out = []
    for order in replayed:
        assert order.id is not None
        out.append(session.allocate(order, order.id, view, reason="simulation"))
    return out


def simulate(
    engine: Engine,
    tenant: str,
    candidate: RuleSet,
    *,
    since: datetime,
    until: datetime | None = None,
    current: RuleSet | None = None,
    allocator: Allocator | None = None,
    limit: int = 100_000,
) -> Simulation:
    """Replay orders created since `since` (and before `until`) through the active rules and `candidate`."""
    base = allocator or Allocator()
    with read_only(engine) as conn:
        stmt = select(orders.c.id).where(orders.c.tenant == tenant, orders.c.created_at >= since)
        if until is not None:
            stmt = stmt.where(orders.c.created_at < until)
        ids = list(conn.execute(stmt.order_by(orders.c.created_at, orders.c.id).limit(limit)).scalars())
        replayed = [load_order(conn, tenant, order_id) for order_id in ids]
        skus = {line.sku for order in replayed for line in order.lines}
        view = load_levels(conn, tenant, skus)
        for order_id in ids:
            for res in held(conn, order_id):
                view.release(res.node, res.sku, Decimal(res.quantity))
        view.deltas.clear()
        active = current or base.rules(conn, tenant)
        dater = ShipmentDater({n.code: n for n in load_node_profiles(conn, tenant, enabled_only=False)}, base.calendars)
        runs = []
        for rules in (active, candidate):
            allocator_for = Allocator(
                rules, distance=base.distance, rater=base.rater, calendars=base.calendars, clock=base.clock
            )
            runs.append(_replay(allocator_for, conn, tenant, replayed, copy.deepcopy(view)))
    now_summary, new_summary = Summary(active.label), Summary(candidate.label)
    differences: list[dict[str, Any]] = []
    for order, before, after in zip(replayed, runs[0], runs[1], strict=True):
        at = order.placed_at or since
        promised = [_promised(dater, allocation, at) for allocation in (before, after)]
        days = [(d - at.date()).days if d else None for d in promised]
        now_summary.add(before, days[0])
        new_summary.add(after, days[1])
        was, will = _outline(before, promised[0]), _outline(after, promised[1])
        if {k: v for k, v in was.items() if k != "reason"} != {k: v for k, v in will.items() if k != "reason"}:
            differences.append({"order": order.external_id, "id": order.id, "current": was, "candidate": will})
    return Simulation(since, now_summary, new_summary, differences)
