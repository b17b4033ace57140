"""Plain-JSON values from the hub's Python values: Decimals as exact text, dates in ISO 8601."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.model.money import decimal_str


def to_jsonable(value: Any, *, normalize_decimals: bool = False) -> Any:
    """`value` with Decimals as strings (as written, or without trailing zeros when `normalize_decimals`),
    dates, times and datetimes in ISO 8601, and tuples and sets as lists."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, normalize_decimals=normalize_decimals) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v, normalize_decimals=normalize_decimals) for v in value]
    if isinstance(value, Decimal):
        return decimal_str(value) if normalize_decimals else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
