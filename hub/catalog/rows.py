"""Catalogue rows and their values: measures as exact Decimals, attributes as true/false or text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.errors import Location, RecordError

MEASURES = ("weight_kg", "length_cm", "width_cm", "height_cm")
COLUMNS = ("sku", "description", *MEASURES)
SKU_MAX = 100
# (decimal places, integer digits) the products table stores for each measure
_SCALE = {"weight_kg": (4, 8), "length_cm": (2, 8), "width_cm": (2, 8), "height_cm": (2, 8)}
_TRUE = frozenset({"true", "yes"})
_FALSE = frozenset({"false", "no"})

AttributeValue = bool | str


class ProductFileError(RecordError):
    """A product file or row that cannot be imported; nothing from the file is written."""

    code = "product_file_error"


def row_error(source: str, line: int | None, column: str | None, message: str) -> ProductFileError:
    """The error for a bad value: names the file, the line and the column (or key)."""
    where = "".join(part for part in (f" line {line}" if line else "", f": {column}" if column else ""))
    return ProductFileError(f"{source}{where}: {message}", location=Location(file=source, line=line, field=column))


@dataclass(frozen=True)
class ProductRow:
    """One SKU as a file describes it; `line` is where it starts in the file (None when built in code)."""

    sku: str
    description: str | None = None
    weight_kg: Decimal | None = None
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)
    line: int | None = None


def parse_sku(value: Any) -> str:
    """A non-empty SKU of at most 100 characters; ValueError otherwise."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        raise ValueError(f"write {value} as quoted text so leading zeros cannot be lost")
    if not isinstance(value, str):
        raise ValueError("must be text")
    sku = value.strip()
    if not sku:
        raise ValueError("is empty")
    if len(sku) > SKU_MAX:
        raise ValueError(f"is longer than {SKU_MAX} characters")
    return sku


def parse_measure(name: str, value: Any) -> Decimal | None:
    """A weight (0 or more) or a dimension (more than 0) as a Decimal the table can hold exactly; blank is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"{value!r} is not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a number")
    if number < 0 or (number == 0 and name != "weight_kg"):
        raise ValueError(f"{value} must be {'0 or more' if name == 'weight_kg' else 'more than 0'}")
    places, digits = _SCALE[name]
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValueError(f"{value} has more than {places} decimal places")
    if number >= Decimal(10) ** digits:
        raise ValueError(f"{value} is too large")
    return number


def parse_attribute(value: Any) -> AttributeValue | None:
    """true/yes and false/no (any case) are booleans; other values are kept as text (numbers too, exactly
    as written); blank or null is None (the attribute is left out)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return str(value)
    if not isinstance(value, str):
        raise ValueError("must be true/false or text, not a list or mapping")
    text = value.strip()
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return text or None


def attribute_name(name: Any) -> str:
    """An attribute name as stored: trimmed and lower-cased (`Hazmat` is `hazmat`); ValueError when blank."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("an attribute needs a name")
    return name.strip().lower()
