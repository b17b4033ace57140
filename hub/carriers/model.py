"""The rate-card model: a carrier's services, zones, weight bands, transit days, cut-offs and surcharges."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.carriers.problems import problem
from hub.carriers.surcharges import Surcharges
from hub.carriers.zones import ZoneRule, check_zone_table
from hub.model.money import ExactDecimal, currency_code

ServiceLevel = Literal["economy", "standard", "express"]
LEVELS: tuple[str, ...] = ("economy", "standard", "express")
"""Service levels from slowest to fastest; a level meets a request for itself or any slower one."""

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ANY_NODE = "*"
_INHERITED = ("currency", "volumetric_divisor", "chargeable_weight_step_kg", "surcharges")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WeightBand(_Frozen):
    """Parcels up to and including `up_to_kg` (chargeable weight) cost `price`."""

    up_to_kg: ExactDecimal = Field(gt=0)
    price: ExactDecimal = Field(ge=0)


class ZoneRates(_Frozen):
    """The price table of one zone: weight bands, then an optional price per started kg above the last band."""

    bands: tuple[WeightBand, ...] = Field(min_length=1)
    extra_kg_price: ExactDecimal | None = Field(default=None, ge=0)
    max_weight_kg: ExactDecimal | None = Field(default=None, gt=0)

    @field_validator("bands")
    @classmethod
    def _ascending(cls, bands: tuple[WeightBand, ...]) -> tuple[WeightBand, ...]:
        for i in range(1, len(bands)):
            before, band = bands[i - 1], bands[i]
            if band.up_to_kg <= before.up_to_kg:
                raise ValueError(
                    f"band {i} (up_to_kg {band.up_to_kg}) must be above band {i - 1} (up_to_kg {before.up_to_kg})"
                )
            if band.price < before.price:
                raise ValueError(f"band {i} price {band.price} is below band {i - 1} price {before.price}")
        return bands

    @model_validator(mode="after")
    def _limit(self) -> ZoneRates:
        last = self.bands[-1].up_to_kg
        if self.max_weight_kg is not None:
            if self.max_weight_kg < last:
                raise problem("max_weight_kg", f"{self.max_weight_kg} is below the last band ({last} kg)")
            if self.max_weight_kg > last and self.extra_kg_price is None:
                raise problem("max_weight_kg", f"is above the last band ({last} kg) but extra_kg_price is not set")
        return self

    @property
    def limit_kg(self) -> Decimal | None:
        """The heaviest chargeable weight this table prices (None: no limit)."""
        if self.max_weight_kg is not None:
            return self.max_weight_kg
        return None if self.extra_kg_price is not None else self.bands[-1].up_to_kg


class TransitDays(_Frozen):
    """Working days in transit, from pickup to delivery."""

    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="before")
    @classmethod
    def _pair(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) == 2:
            return {"min": value[0], "max": value[1]}
        if isinstance(value, int) and not isinstance(value, bool):
            return {"min": value, "max": value}
        return value

    @model_validator(mode="after")
    def _order(self) -> TransitDays:
        if self.min > self.max:
            raise problem("min", f"{self.min} is above max {self.max}")
        return self


class NodeSchedule(_Frozen):
    """When the carrier collects at one node: the order cut-off time and the pickup weekdays."""

    cutoff: time
    pickup_days: tuple[Weekday, ...] = Field(min_length=1)

    @field_validator("pickup_days")
    @classmethod
    def _unique(cls, days: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(days)) != len(days):
            raise ValueError("a weekday is listed twice")
        return tuple(sorted(days, key=WEEKDAYS.index))

    def picks_up_on(self, day: date) -> bool:
        """True when the carrier collects on that date's weekday (holidays are the calendar's business)."""
        return WEEKDAYS[day.weekday()] in self.pickup_days


class Service(_Frozen):
    """One carrier service (product): its level, limits, per-zone prices and transit days, node schedules."""

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    level: ServiceLevel
    currency: str
    volumetric_divisor: ExactDecimal | None = Field(default=None, gt=0)
    chargeable_weight_step_kg: ExactDecimal | None = Field(default=None, gt=0)
    max_weight_kg: ExactDecimal | None = Field(default=None, gt=0)
    max_longest_side_cm: ExactDecimal | None = Field(default=None, gt=0)
    max_length_plus_girth_cm: ExactDecimal | None = Field(default=None, gt=0)
    nodes: dict[str, NodeSchedule] = Field(min_length=1)
    rates: dict[str, ZoneRates] = Field(min_length=1)
    transit_days: dict[str, TransitDays] = Field(min_length=1)
    surcharges: Surcharges = Surcharges()

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: Any) -> Any:
        return currency_code(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _transit_for_every_zone(self) -> Service:
        for zone in self.rates:
            if zone not in self.transit_days:
                raise problem("transit_days", f"zone {zone!r} has rates but no transit days")
        for zone in self.transit_days:
            if zone not in self.rates:
                raise problem(f"transit_days.{zone}", f"zone {zone!r} has transit days but no rates")
        return self

    def schedule_for(self, node: str) -> NodeSchedule | None:
        """The pickup schedule at `node` (or the `*` default); None when the service does not collect there."""
        return self.nodes.get(node) or self.nodes.get(ANY_NODE)

    def meets(self, level: str) -> bool:
        """True when this service is at least as fast a level as `level`."""
        return LEVELS.index(self.level) >= LEVELS.index(level)


class Carrier(_Frozen):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)


class RateCard(_Frozen):
    """One carrier's rate card; card-level currency, divisor, weight step and surcharges are service defaults."""

    carrier: Carrier
    currency: str | None = None
    volumetric_divisor: ExactDecimal | None = Field(default=None, gt=0)
    chargeable_weight_step_kg: ExactDecimal | None = Field(default=None, gt=0)
    surcharges: Surcharges | None = None
    zones: tuple[ZoneRule, ...] = Field(min_length=1)
    services: tuple[Service, ...] = Field(min_length=1)
    source: str | None = Field(default=None, exclude=True)

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: Any) -> Any:
        return currency_code(value) if isinstance(value, str) else value

    @model_validator(mode="before")
    @classmethod
    def _inherit(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("services"), list):
            return data
        defaults = {k: data[k] for k in _INHERITED if data.get(k) is not None}
        services = [{**defaults, **s} if isinstance(s, dict) else s for s in data["services"]]
        return {**data, "services": services}

    @model_validator(mode="after")
    def _consistent(self) -> RateCard:
        for key, message in check_zone_table(self.zones):
            raise problem(key, message)
        known = {rule.zone for rule in self.zones}
        codes: set[str] = set()
        for i, service in enumerate(self.services):
            if service.code in codes:
                raise problem(f"services.{i}.code", f"service code {service.code!r} is used twice")
            codes.add(service.code)
            for zone in service.rates:
                if zone not in known:
                    raise problem(f"services.{i}.rates.{zone}", f"zone {zone!r} is not defined in zones")
        return self

    def service(self, code: str) -> Service:
        """The service with that code; KeyError when the card has none."""
        for service in self.services:
            if service.code == code:
                return service
        raise KeyError(f"{self.carrier.code} has no service {code!r}")
