"""IANA time zones by name, with errors that say whether the name or the system's tz database is at fault."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@cache
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name such as "Europe/Berlin"; ValueError with a clear message if unknown."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("expected an IANA time zone name such as 'Europe/Berlin'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    try:
        ZoneInfo("UTC")
    except ZoneInfoNotFoundError:
        raise ValueError(
            f"time zone {name!r} cannot be loaded: this system has no IANA tz database (install tzdata)"
        ) from None
    raise ValueError(f"unknown IANA time zone {name!r} (e.g. 'Europe/Berlin', 'Europe/London', 'America/New_York')")
