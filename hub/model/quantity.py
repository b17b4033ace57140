"""Quantity with a unit of measure (UN/ECE rec 20 style codes: EA, CS, KGM, ...)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, field_validator

from hub.model.money import ExactDecimal

DEFAULT_UOM = "EA"


class Quantity(BaseModel):
    """How many of something, in which unit."""

    model_config = ConfigDict(frozen=True)

    value: ExactDecimal
    uom: str = DEFAULT_UOM

    @field_validator("value")
    @classmethod
    def _non_negative(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise ValueError("a quantity cannot be negative")
        return value

    @field_validator("uom")
    @classmethod
    def _uom(cls, value: str) -> str:
        value = value.strip().upper()
        if not value:
            raise ValueError("unit of measure is empty")
        return value
