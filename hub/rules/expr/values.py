"""Run-time values: reading fields of dicts, lists and pydantic models, normalising and rendering them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

# Read-only parts of date and datetime values available as fields (`order.placed_at.hour`).
DATETIME_PARTS = ("year", "month", "day", "hour", "minute", "second", "weekday", "date")
DATE_PARTS = ("year", "month", "day", "weekday")


def normalize(value: Any) -> Any:
    """The language value of a Python value: enums become their value, floats exact Decimals, tuples lists."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, tuple):
        return list(value)
    return value


def is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray)


def date_part(value: date, name: str) -> Any:
    """`year`, `month`, `day`, `hour`, `minute`, `second`, `weekday` (ISO: Monday 1 .. Sunday 7) or `date`."""
    if name == "weekday":
        return value.isoweekday()
    if name == "date":
        return value.date() if isinstance(value, datetime) else value
    return getattr(value, name)


def get_field(target: Any, name: str) -> Any:
    """Field `name` of a mapping (by key) or an object (by attribute); null when missing or not plain data."""
    if target is None:
        return None
    if isinstance(target, Mapping):
        return normalize(target.get(name))
    if isinstance(target, date):
        parts = DATETIME_PARTS if isinstance(target, datetime) else DATE_PARTS
        return date_part(target, name) if name in parts else None
    if name.startswith("_") or isinstance(target, str | int | Decimal | list):
        return None
    value = getattr(target, name, None)
    if callable(value):
        return None
    return normalize(value)


def get_item(target: Any, key: Any) -> Any:
    """`target[key]`: a list position (negative counts from the end) or a mapping key; null when absent."""
    if target is None or key is None:
        return None
    if isinstance(target, Mapping):
        return normalize(target.get(key)) if isinstance(key, str) else None
    if isinstance(key, str):
        return get_field(target, key)
    if is_list(target) and isinstance(key, int) and not isinstance(key, bool):
        return normalize(target[key]) if -len(target) <= key < len(target) else None
    return None


def truthy(value: Any) -> bool:
    """The truth of a condition value: only `true` is true; false and null (a missing flag) are false."""
    return value is True


def render(value: Any, max_items: int = 10) -> str:
    """A value as it would be written in an expression: `'FR'`, `42.10`, `null`, `['DE', 'AT']`."""
    value = normalize(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t")
        return f"'{escaped}'"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {render(v, max_items)}" for k, v in list(value.items())[:max_items]) + "}"
    if is_list(value):
        shown = [render(item, max_items) for item in list(value[:max_items])]
        if len(value) > max_items:
            shown.append(f"... ({len(value)} items)")
        return "[" + ", ".join(shown) + "]"
    return f"<{type(value).__name__}>"
