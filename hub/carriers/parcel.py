"""What is being shipped and where: parcels with weight and dimensions, a destination, a shipment request."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.carriers.zones import country_code
from hub.model.money import ExactDecimal
from hub.model.party import Address

WEIGHT_QUANTUM = Decimal("0.001")
"""Volumetric weights are rounded up to the gram."""


class Parcel(BaseModel):
    """One parcel: actual weight in kg and, optionally, its outer dimensions in cm."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weight_kg: ExactDecimal = Field(gt=0)
    length_cm: ExactDecimal | None = Field(default=None, gt=0)
    width_cm: ExactDecimal | None = Field(default=None, gt=0)
    height_cm: ExactDecimal | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _all_or_no_dimensions(self) -> Parcel:
        given = [d is not None for d in (self.length_cm, self.width_cm, self.height_cm)]
        if any(given) and not all(given):
            raise ValueError("give all three dimensions (length_cm, width_cm, height_cm) or none")
        return self

    @property
    def sides_cm(self) -> tuple[Decimal, Decimal, Decimal] | None:
        """The three sides, longest first; None when the dimensions are unknown."""
        if self.length_cm is None or self.width_cm is None or self.height_cm is None:
            return None
        a, b, c = sorted((self.length_cm, self.width_cm, self.height_cm), reverse=True)
        return a, b, c

    def dimension(self, name: str) -> Decimal | None:
        """`longest_side`, `girth` (2 x the two shorter sides) or `length_plus_girth`, in cm."""
        sides = self.sides_cm
        if sides is None:
            return None
        girth = 2 * (sides[1] + sides[2])
        return {"longest_side": sides[0], "girth": girth, "length_plus_girth": sides[0] + girth}[name]

    def volumetric_kg(self, divisor: Decimal | None) -> Decimal | None:
        """L x W x H / divisor, rounded up to the gram; None without dimensions or divisor."""
        if divisor is None or self.length_cm is None or self.width_cm is None or self.height_cm is None:
            return None
        volume = self.length_cm * self.width_cm * self.height_cm
        return (volume / divisor).quantize(WEIGHT_QUANTUM, rounding=ROUND_CEILING)


def chargeable_kg(actual: Decimal, volumetric: Decimal | None, step: Decimal | None) -> Decimal:
    """max(actual, volumetric), rounded up to a multiple of `step` when the service charges in steps."""
    weight = max(actual, volumetric) if volumetric is not None else actual
    if step is None:
        return weight
    return (weight / step).to_integral_value(rounding=ROUND_CEILING) * step


class Destination(BaseModel):
    """Where a shipment goes: a country (ISO 3166-1 alpha-2) and, when known, a postal code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str
    postal_code: str | None = None

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> Any:
        return country_code(value)

    @classmethod
    def of(cls, address: Address) -> Destination:
        """The destination of a canonical postal address."""
        return cls(country=address.country_code, postal_code=address.postal_code)

    def __str__(self) -> str:
        return f"{self.country} {self.postal_code}" if self.postal_code else self.country


class ShipmentRequest(BaseModel):
    """Parcels going from one node to one destination together."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    destination: Destination
    parcels: tuple[Parcel, ...] = Field(min_length=1)
