"""Values in channel payloads: exact decimals and aware timestamps, read the same way by every channel adapter."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any


def exact_decimal(value: Any) -> Decimal:
    """A JSON number or numeric string as an exact, finite Decimal (a float through its shortest repr, so 19.9
    stays 19.9); ValueError saying why otherwise (NaN and Infinity are not amounts, nor are booleans)."""
    if isinstance(value, bool) or value is None:
        raise ValueError("is not a number")
    text = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("is not a number") from None
    if not number.is_finite():
        raise ValueError("is not a finite number")
    return number


def utc_timestamp(value: Any) -> datetime:
    """An ISO 8601 date-time with `Z` or an offset, as an aware UTC datetime; ValueError saying why otherwise
    (unreadable, or without a time zone: a channel's local time is not guessed)."""
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise ValueError("is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise ValueError("has no time zone")
    return parsed.astimezone(UTC)
