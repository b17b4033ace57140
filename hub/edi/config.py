"""Checks shared by EDI connection options: IANA time zones (currencies use hub.model.money.currency_code)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def time_zone_name(value: str, *, example: str) -> str:
    """`value` when it names an IANA time zone, else a ValueError suggesting `example` (for a field validator)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone (for example UTC or {example})") from None
    return value
