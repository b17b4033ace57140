"""Decimal numbers as EDI text: plain digits, no exponent (outbound numeric values, echoed partner numbers)."""

from __future__ import annotations

from decimal import Decimal


def number(value: Decimal | int | str) -> str:
    """A numeric value: plain digits, no exponent, no trailing zeros after the point ("-0" is "0")."""
    dec = value if isinstance(value, Decimal) else Decimal(str(value))
    text = format(dec.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def decimal_text(value: Decimal) -> str:
    """A Decimal as plain text without exponent, its digits kept (as the partner's numbers are echoed)."""
    text = format(value, "f")
    return text if text != "-0" else "0"
