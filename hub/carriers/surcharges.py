"""Surcharge definitions of a carrier service: fuel percentage, fixed per parcel, remote area, oversize."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.carriers.problems import problem
from hub.carriers.zones import PostalPrefix, country_code
from hub.model.money import ExactDecimal

SurchargeKind = Literal["base", "per_parcel", "remote_area", "oversize", "fuel"]


class FixedSurcharge(BaseModel):
    """A fixed amount added to every parcel (e.g. an energy or security fee)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=1)
    amount: ExactDecimal = Field(ge=0)


class RemoteArea(BaseModel):
    """A fixed amount for destinations in `country` whose postal code starts with one of the prefixes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=1)
    country: str
    postal_prefixes: tuple[PostalPrefix, ...] = Field(min_length=1)
    amount: ExactDecimal = Field(ge=0)

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> Any:
        return country_code(value)


Dimension = Literal["longest_side", "length_plus_girth", "girth"]


class Oversize(BaseModel):
    """A fixed amount when a parcel's dimension (in cm) is above `above_cm`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=1)
    dimension: Dimension = "longest_side"
    above_cm: ExactDecimal = Field(gt=0)
    amount: ExactDecimal = Field(ge=0)


class Surcharges(BaseModel):
    """Every surcharge a service adds to the base price; fuel is a percentage computed last, on top."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fuel_percent: ExactDecimal = Field(default=0, ge=0, le=100)
    fuel_on_surcharges: bool = True
    per_parcel: tuple[FixedSurcharge, ...] = ()
    remote_area: tuple[RemoteArea, ...] = ()
    oversize: tuple[Oversize, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> Surcharges:
        codes: set[str] = set()
        for group in ("per_parcel", "remote_area", "oversize"):
            for i, item in enumerate(getattr(self, group)):
                if item.code in codes:
                    raise problem(f"{group}.{i}.code", f"surcharge code {item.code!r} is used twice")
                codes.add(item.code)
        seen: dict[tuple[str, str], str] = {}
        for i, area in enumerate(self.remote_area):
            for prefix in area.postal_prefixes:
                other = seen.setdefault((area.country, prefix), area.code)
                if other != area.code or area.postal_prefixes.count(prefix) > 1:
                    raise problem(
                        f"remote_area.{i}.postal_prefixes",
                        f"prefix {prefix!r} in {area.country} is already listed (in {other!r})",
                    )
        return self
