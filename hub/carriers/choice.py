"""Choose a carrier service for a shipment: rate every eligible service, rank by cost or speed, explain."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from hub.carriers.model import WEEKDAYS, RateCard, Service, ServiceLevel, TransitDays
from hub.carriers.parcel import ShipmentRequest
from hub.carriers.rating import Quote, Rejection, RejectReason, quote
from hub.model.money import Money

Prefer = Literal["cost", "speed"]


class Candidate(BaseModel):
    """One service considered: its quotes (one per parcel) and total, or the reason it was rejected."""

    model_config = ConfigDict(frozen=True)

    carrier: str
    service: str
    level: ServiceLevel
    quotes: tuple[Quote, ...] = ()
    total: Money | None = None
    transit_days: TransitDays | None = None
    rejection: Rejection | None = None
    rank: int | None = None

    @property
    def viable(self) -> bool:
        return self.rejection is None


class Choice(BaseModel):
    """The chosen service (None when no service can take the shipment) and every candidate, ranked first."""

    model_config = ConfigDict(frozen=True)

    prefer: Prefer
    service_level: ServiceLevel | None
    node: str
    ship_date: date | None
    winner: Candidate | None
    candidates: tuple[Candidate, ...]

    def explain(self) -> list[str]:
        """One human-readable line per candidate, in rank order, rejected ones last."""
        lines: list[str] = []
        for c in self.candidates:
            name = f"{c.carrier}/{c.service} ({c.level})"
            if c.rejection is not None:
                lines.append(f"rejected {name}: {c.rejection.reason.value}: {c.rejection.detail}")
            elif c.total is not None and c.transit_days is not None:
                days = f"{c.transit_days.min}-{c.transit_days.max} days"
                mark = "chosen" if c.rank == 1 else f"rank {c.rank}"
                lines.append(f"{mark} {name}: {c.total}, {days}")
        return lines

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form for an order's decision record (Decimals as strings)."""
        return self.model_dump(mode="json")


def _rate(
    card: RateCard, service: Service, request: ShipmentRequest, node: str, ship_date: date | None
) -> tuple[tuple[Quote, ...], Rejection | None]:
    quotes: list[Quote] = []
    for parcel in request.parcels:
        result = quote(card, service, parcel, request.destination, node)
        if isinstance(result, Rejection):
            return (), result
        quotes.append(result)
    schedule = service.schedule_for(node)
    if ship_date is not None and schedule is not None and not schedule.picks_up_on(ship_date):
        day = WEEKDAYS[ship_date.weekday()]
        detail = (
            f"no pickup at {node} on {ship_date.isoformat()} ({day}); pickup days: {', '.join(schedule.pickup_days)}"
        )
        return (), Rejection(
            carrier=card.carrier.code, service=service.code, reason=RejectReason.NO_PICKUP_ON_DATE, detail=detail
        )
    return tuple(quotes), None


def _candidate(
    card: RateCard,
    service: Service,
    request: ShipmentRequest,
    *,
    service_level: ServiceLevel | None,
    node: str,
    ship_date: date | None,
    fx: Mapping[str, Decimal] | None,
) -> Candidate:
    base = {"carrier": card.carrier.code, "service": service.code, "level": service.level}
    if service_level is not None and not service.meets(service_level):
        detail = f"{service.level} is slower than the requested {service_level}"
        rejection = Rejection(
            carrier=card.carrier.code, service=service.code, reason=RejectReason.BELOW_SERVICE_LEVEL, detail=detail
        )
        return Candidate(**base, rejection=rejection)
    quotes, rejection = _rate(card, service, request, node, ship_date)
    if rejection is not None:
        return Candidate(**base, rejection=rejection)
    if fx is not None and service.currency not in fx:
        detail = f"no exchange rate for {service.currency} to compare costs"
        rejection = Rejection(
            carrier=card.carrier.code, service=service.code, reason=RejectReason.NO_EXCHANGE_RATE, detail=detail
        )
        return Candidate(**base, rejection=rejection)
    total = quotes[0].total
    for q in quotes[1:]:
        total = total + q.total
    return Candidate(**base, quotes=quotes, total=total, transit_days=quotes[0].transit_days)


def choose_service(
    cards: Iterable[RateCard],
    shipment_request: ShipmentRequest,
    *,
    service_level: ServiceLevel | None,
    node: str,
    ship_date: date | None = None,
    prefer: Prefer = "cost",
    fx: Mapping[str, Decimal] | None = None,
) -> Choice:
    """Rate every service meeting `service_level` (that level or faster) from `node`, rank the viable ones
    by cost (ties: shorter transit) or by speed (ties: lower cost), and keep the rejected ones with reasons.

    With `ship_date`, services that do not collect at `node` on that weekday are rejected. Costs in different
    currencies are compared through `fx` (currency -> value of one unit in a common currency); without it,
    mixed currencies raise ValueError.
    """
    if prefer not in ("cost", "speed"):
        raise ValueError(f"prefer must be 'cost' or 'speed', not {prefer!r}")
    everyone = [
        _candidate(card, service, shipment_request, service_level=service_level, node=node, ship_date=ship_date, fx=fx)
        for card in cards
        for service in card.services
    ]
    viable = [c for c in everyone if c.total is not None]
    currencies = {c.total.currency for c in viable if c.total is not None}
    if fx is None and len(currencies) > 1:
        raise ValueError(f"candidates are priced in {sorted(currencies)}: pass fx to compare them")

    def cost(c: Candidate) -> Decimal:
        assert c.total is not None
        return c.total.amount * (fx[c.total.currency] if fx is not None else 1)

    def key(c: Candidate) -> tuple[Any, ...]:
        assert c.transit_days is not None
        days = (c.transit_days.max, c.transit_days.min)
        first = (cost(c), *days) if prefer == "cost" else (*days, cost(c))
        return (*first, c.carrier, c.service)

    ranked = [c.model_copy(update={"rank": i}) for i, c in enumerate(sorted(viable, key=key), start=1)]
    rejected = [c for c in everyone if c.total is None]
    return Choice(
        prefer=prefer,
        service_level=service_level,
        node=node,
        ship_date=ship_date,
        winner=ranked[0] if ranked else None,
        candidates=(*ranked, *rejected),
    )
