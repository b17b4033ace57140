"""A delivery promise answer as data: per shipment where, how and when, and the whole order's window."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from hub.model.money import decimal_str


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class ShipmentPromise:
    """One shipment of the answer: the node, its lines, the carrier service and the dates with reasons."""

    node: str
    lines: dict[str, Decimal]
    carrier: str | None
    service: str | None
    service_level: str | None
    cost: Decimal | None
    currency: str | None
    ship_date: date
    delivery_earliest: date | None
    delivery_latest: date | None
    incoming: date | None = None
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "lines": {sku: decimal_str(q) for sku, q in self.lines.items()},
            "carrier": self.carrier,
            "service": self.service,
            "service_level": self.service_level,
            "cost": decimal_str(self.cost) if self.cost is not None else None,
            "currency": self.currency,
            "ship_date": self.ship_date.isoformat(),
            "delivery_earliest": _day(self.delivery_earliest),
            "delivery_latest": _day(self.delivery_latest),
            "incoming": _day(self.incoming),
            "reasons": list(self.reasons),
        }


@dataclass
class PromiseAnswer:
    """The answer to "can we ship this, from where, when will it arrive?" for one basket and address."""

    request: dict[str, Any]
    at: datetime
    can_ship: bool
    shipments: list[ShipmentPromise]
    short: dict[str, Decimal]
    reason: str
    rule_set: str
    rule_set_version: int | None
    notes: list[str] = field(default_factory=list)
    promise_id: str | None = None
    expires_at: datetime | None = None

    @property
    def ship_date(self) -> date | None:
        """The last shipment's ship date (the order is complete when every shipment has left)."""
        return max((s.ship_date for s in self.shipments), default=None) if self.can_ship else None

    @property
    def delivery_earliest(self) -> date | None:
        return self._latest_of("delivery_earliest")

    @property
    def delivery_latest(self) -> date | None:
        return self._latest_of("delivery_latest")

    def _latest_of(self, name: str) -> date | None:
        days = [getattr(s, name) for s in self.shipments]
        if not self.can_ship or not days or any(d is None for d in days):
            return None
        return max(days)

    def as_dict(self) -> dict[str, Any]:
        return {
            "promise_id": self.promise_id,
            "can_ship": self.can_ship,
            "at": self.at.isoformat(),
            "ship_date": _day(self.ship_date),
            "delivery_earliest": _day(self.delivery_earliest),
            "delivery_latest": _day(self.delivery_latest),
            "shipments": [s.as_dict() for s in self.shipments],
            "short": {sku: decimal_str(q) for sku, q in self.short.items()},
            "reason": self.reason,
            "rule_set": self.rule_set,
            "rule_set_version": self.rule_set_version,
            "notes": list(self.notes),
            "expires_at": self.expires_at.isoformat() if self.expires_at is not None else None,
            "request": self.request,
        }
