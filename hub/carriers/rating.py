"""Rate one parcel with one carrier service: chargeable weight, base price, itemised surcharges, total."""

from __future__ import annotations

from datetime import time
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from hub.carriers.model import RateCard, Service, ServiceLevel, TransitDays, ZoneRates
from hub.carriers.parcel import Destination, Parcel, chargeable_kg
from hub.carriers.surcharges import SurchargeKind, Surcharges
from hub.carriers.zones import longest_prefix, normalize_postal_code, resolve_zone
from hub.model.money import Money, decimal_str

HUNDRED = Decimal(100)


class RejectReason(StrEnum):
    """Why a service cannot take a shipment."""

    NODE_NOT_SERVED = "node_not_served"
    NO_ZONE = "no_zone"
    ZONE_NOT_SERVED = "zone_not_served"
    OVER_MAX_WEIGHT = "over_max_weight"
    OVER_MAX_SIZE = "over_max_size"
    BELOW_SERVICE_LEVEL = "below_service_level"
    NO_PICKUP_ON_DATE = "no_pickup_on_date"
    NO_EXCHANGE_RATE = "no_exchange_rate"


class Rejection(BaseModel):
    """A service that cannot take the shipment, and why."""

    model_config = ConfigDict(frozen=True)

    carrier: str
    service: str
    reason: RejectReason
    detail: str


class Charge(BaseModel):
    """One line of a quote: the base price or one surcharge, already rounded to the currency."""

    model_config = ConfigDict(frozen=True)

    kind: SurchargeKind
    code: str
    amount: Money
    detail: str


class Quote(BaseModel):
    """The price and transit time of one parcel with one service; `total` is the sum of `charges`."""

    model_config = ConfigDict(frozen=True)

    carrier: str
    service: str
    level: ServiceLevel
    zone: str
    actual_weight_kg: Decimal
    volumetric_weight_kg: Decimal | None
    chargeable_weight_kg: Decimal
    charges: tuple[Charge, ...]
    total: Money
    transit_days: TransitDays
    cutoff: time


def base_price(rates: ZoneRates, weight: Decimal) -> tuple[Decimal, str]:
    """The price of a chargeable weight in a zone's table (the caller checked the table's limit)."""
    for band in rates.bands:
        if weight <= band.up_to_kg:
            return band.price, f"band up to {decimal_str(band.up_to_kg)} kg"
    last = rates.bands[-1]
    if rates.extra_kg_price is None:
        raise ValueError(f"{weight} kg is above the last band ({last.up_to_kg} kg)")
    extra = (weight - last.up_to_kg).to_integral_value(rounding=ROUND_CEILING)
    detail = f"band up to {decimal_str(last.up_to_kg)} kg + {decimal_str(extra)} kg x {rates.extra_kg_price}"
    return last.price + extra * rates.extra_kg_price, detail


def _surcharges(
    rules: Surcharges, parcel: Parcel, destination: Destination
) -> list[tuple[SurchargeKind, str, Decimal, str]]:
    lines: list[tuple[SurchargeKind, str, Decimal, str]] = [
        ("per_parcel", item.code, item.amount, "per parcel") for item in rules.per_parcel
    ]
    code = normalize_postal_code(destination.country, destination.postal_code)
    best: tuple[int, str, Decimal, str] | None = None
    for area in rules.remote_area:
        if area.country != destination.country or not code:
            continue
        match = longest_prefix(code, area.postal_prefixes)
        if match is not None and (best is None or len(match) > best[0]):
            best = (len(match), area.code, area.amount, f"postal code {code} matches {match.strip()!r}")
    if best is not None:
        lines.append(("remote_area", best[1], best[2], best[3]))
    tiers: dict[str, tuple[Decimal, str, Decimal]] = {}
    for rule in rules.oversize:
        size = parcel.dimension(rule.dimension)
        if size is not None and size > rule.above_cm:
            top = tiers.get(rule.dimension)
            if top is None or rule.above_cm > top[0]:
                tiers[rule.dimension] = (rule.above_cm, rule.code, rule.amount)
    for dimension, (above, tier_code, amount) in tiers.items():
        size = parcel.dimension(dimension)
        detail = f"{dimension} {decimal_str(size or Decimal(0))} cm > {decimal_str(above)} cm"
        lines.append(("oversize", tier_code, amount, detail))
    return lines


def _size_problem(service: Service, parcel: Parcel) -> str | None:
    limits = (("longest_side", service.max_longest_side_cm), ("length_plus_girth", service.max_length_plus_girth_cm))
    for dimension, limit in limits:
        size = parcel.dimension(dimension)
        if limit is not None and size is not None and size > limit:
            return f"{dimension} {decimal_str(size)} cm is above the limit of {decimal_str(limit)} cm"
    return None


def quote(
    card: RateCard, service: Service | str, parcel: Parcel, destination: Destination, node: str
) -> Quote | Rejection:
    """Rate `parcel` from `node` to `destination`; a `Rejection` says why the service cannot take it."""
    svc = card.service(service) if isinstance(service, str) else service
    carrier = card.carrier.code

    def reject(reason: RejectReason, detail: str) -> Rejection:
        return Rejection(carrier=carrier, service=svc.code, reason=reason, detail=detail)

    schedule = svc.schedule_for(node)
    if schedule is None:
        return reject(RejectReason.NODE_NOT_SERVED, f"no pickup at node {node!r}")
    zone = resolve_zone(card.zones, destination.country, destination.postal_code)
    if zone is None:
        return reject(RejectReason.NO_ZONE, f"no zone of {carrier} covers {destination}")
    rates = svc.rates.get(zone)
    if rates is None:
        return reject(RejectReason.ZONE_NOT_SERVED, f"{svc.code} has no rates for zone {zone}")
    if svc.max_weight_kg is not None and parcel.weight_kg > svc.max_weight_kg:
        weight, limit = decimal_str(parcel.weight_kg), decimal_str(svc.max_weight_kg)
        return reject(RejectReason.OVER_MAX_WEIGHT, f"weight {weight} kg is above the limit of {limit} kg")
    size_problem = _size_problem(svc, parcel)
    if size_problem is not None:
        return reject(RejectReason.OVER_MAX_SIZE, size_problem)
    volumetric = parcel.volumetric_kg(svc.volumetric_divisor)
    chargeable = chargeable_kg(parcel.weight_kg, volumetric, svc.chargeable_weight_step_kg)
    limit_kg = rates.limit_kg
    if limit_kg is not None and chargeable > limit_kg:
        weight, limit = decimal_str(chargeable), decimal_str(limit_kg)
        detail = f"chargeable weight {weight} kg is above the zone {zone} limit of {limit} kg"
        return reject(RejectReason.OVER_MAX_WEIGHT, detail)

    currency = svc.currency
    price, band_detail = base_price(rates, chargeable)
    charges = [Charge(kind="base", code="base", amount=_money(price, currency), detail=f"zone {zone}, {band_detail}")]
    for kind, code, amount, detail in _surcharges(svc.surcharges, parcel, destination):
        charges.append(Charge(kind=kind, code=code, amount=_money(amount, currency), detail=detail))
    fuel = svc.surcharges.fuel_percent
    if fuel:
        basis = sum(
            (c.amount.amount for c in charges if svc.surcharges.fuel_on_surcharges or c.kind == "base"), Decimal(0)
        )
        amount = _money(basis * fuel / HUNDRED, currency)
        charges.append(Charge(kind="fuel", code="fuel", amount=amount, detail=f"{decimal_str(fuel)}% of {basis}"))
    total = Money(amount=sum((c.amount.amount for c in charges), Decimal(0)), currency=currency).quantized()
    return Quote(
        carrier=carrier,
        service=svc.code,
        level=svc.level,
        zone=zone,
        actual_weight_kg=parcel.weight_kg,
        volumetric_weight_kg=volumetric,
        chargeable_weight_kg=chargeable,
        charges=tuple(charges),
        total=total,
        transit_days=svc.transit_days[zone],
        cutoff=schedule.cutoff,
    )


def _money(amount: Decimal, currency: str) -> Money:
    return Money(amount=amount, currency=currency).quantized()
