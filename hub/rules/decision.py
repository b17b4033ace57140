"""An allocation decision: the plan (shipments per node, backordered lines) and why, as data and words."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hub.model.money import decimal_str


@dataclass
class PlannedLine:
    line_no: int
    sku: str
    quantity: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {"line_no": self.line_no, "sku": self.sku, "quantity": decimal_str(self.quantity)}


@dataclass
class Shipment:
    """One parcel flow: lines a node ships, with the carrier service chosen and its cost."""

    node: str
    lines: list[PlannedLine]
    value: Decimal
    weight_kg: Decimal
    carrier: str | None = None
    service: str | None = None
    service_level: str | None = None
    cost: Decimal | None = None
    currency: str | None = None
    transit_days: tuple[int, int] | None = None
    distance_km: Decimal | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "node": self.node,
            "lines": [ln.as_dict() for ln in self.lines],
            "value": decimal_str(self.value),
            "weight_kg": decimal_str(self.weight_kg),
        }
        if self.carrier is not None:
            out["carrier"] = {
                "carrier": self.carrier,
                "service": self.service,
                "level": self.service_level,
                "cost": decimal_str(self.cost) if self.cost is not None else None,
                "currency": self.currency,
                "transit_days": list(self.transit_days) if self.transit_days else None,
            }
        if self.distance_km is not None:
            out["distance_km"] = decimal_str(self.distance_km)
        return out


@dataclass
class NodeVerdict:
    """How one node fared: excluded (by which rule, why) or a candidate (what it lacked, its rank)."""

    node: str
    included: bool
    rule: str | None = None
    reason: str | None = None
    short: dict[str, Decimal] = field(default_factory=dict)
    excluded_lines: dict[str, str] = field(default_factory=dict)
    distance_km: Decimal | None = None
    cost: Decimal | None = None
    complete: bool = False

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"node": self.node, "included": self.included}
        if self.rule:
            out["rule"] = self.rule
        if self.reason:
            out["reason"] = self.reason
        if self.included:
            out["complete"] = self.complete
            out["short"] = {sku: decimal_str(q) for sku, q in self.short.items()}
        if self.excluded_lines:
            out["excluded_lines"] = dict(self.excluded_lines)
        if self.distance_km is not None:
            out["distance_km"] = decimal_str(self.distance_km)
        if self.cost is not None:
            out["cost"] = decimal_str(self.cost)
        return out


@dataclass
class Decision:
    """What the rules decided for one order, with everything needed to explain it."""

    status: str  # allocated | backordered | on_hold
    reason: str
    rule_set: str
    rule_set_version: int | None
    shipments: list[Shipment] = field(default_factory=list)
    backordered: list[PlannedLine] = field(default_factory=list)
    hold: dict[str, Any] | None = None
    policy: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    route: str | None = None
    select: str | None = None
    candidates: list[NodeVerdict] = field(default_factory=list)
    priority: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def cost(self) -> Decimal | None:
        costs = [s.cost for s in self.shipments]
        if not costs or any(c is None for c in costs):
            return None
        return sum((c for c in costs if c is not None), Decimal(0))

    @property
    def currency(self) -> str | None:
        currencies = {s.currency for s in self.shipments if s.currency}
        return currencies.pop() if len(currencies) == 1 else None

    @property
    def nodes(self) -> list[str]:
        return [s.node for s in self.shipments]

    @property
    def partial(self) -> bool:
        return bool(self.shipments) and bool(self.backordered)

    def as_dict(self) -> dict[str, Any]:
        cost = self.cost
        return {
            "status": self.status,
            "reason": self.reason,
            "rule_set": self.rule_set,
            "rule_set_version": self.rule_set_version,
            "priority": self.priority,
            "hold": self.hold,
            "policy": self.policy,
            "settings": self.settings,
            "route": self.route,
            "select": self.select,
            "candidates": [c.as_dict() for c in self.candidates],
            "plan": {
                "shipments": [s.as_dict() for s in self.shipments],
                "backordered": [ln.as_dict() for ln in self.backordered],
                "cost": decimal_str(cost) if cost is not None else None,
                "currency": self.currency,
                "split": len(self.shipments) > 1,
            },
            "notes": list(self.notes),
        }
