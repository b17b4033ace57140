"""Money: an exact Decimal amount in an ISO 4217 currency; floats are refused."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator

from hub.model.currencies import MINOR_UNITS


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("amounts must be Decimal, int or a decimal string, never float")
    return value


ExactDecimal = Annotated[Decimal, BeforeValidator(_no_float)]
"""A Decimal field that refuses floats (they cannot hold 0.10 exactly)."""


def currency_code(value: str) -> str:
    code = value.strip().upper() if isinstance(value, str) else value
    if code not in MINOR_UNITS:
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return code


class Money(BaseModel):
    """An amount of one currency."""

    model_config = ConfigDict(frozen=True)

    amount: ExactDecimal
    currency: str

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return currency_code(value)

    def quantized(self) -> Money:
        """The amount rounded (banker's rounding) to the currency's minor unit."""
        exp = Decimal(1).scaleb(-MINOR_UNITS[self.currency])
        return Money(amount=self.amount.quantize(exp, rounding=ROUND_HALF_EVEN), currency=self.currency)

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money(amount=self.amount * Decimal(factor), currency=self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def decimal_str(value: Decimal) -> str:
    """A Decimal as plain text without exponent or trailing zeros: 52.0000 -> '52', 1.50 -> '1.5'."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"
