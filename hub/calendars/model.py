"""Working, node and carrier calendars as plain immutable data (loaded from YAML by `hub.calendars.loader`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from types import MappingProxyType
from zoneinfo import ZoneInfo

WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday keys as written in calendar files; the index is `date.weekday()` (0 = Monday)."""

WEEKDAY_LABELS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

MONDAY_TO_FRIDAY: frozenset[int] = frozenset(range(5))


def _frozen(mapping: Mapping[object, str]) -> Mapping[object, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, eq=False)
class WorkingCalendar:
    """Which local dates are working days: weekdays, minus holidays, plus extra working days.

    An extra working day wins over a weekday rule and over a holiday (e.g. a Saturday opened for peak).
    `recurring_holidays` maps (month, day) to a name and applies every year (e.g. (12, 25)).
    """

    timezone: ZoneInfo
    working_weekdays: frozenset[int] = MONDAY_TO_FRIDAY
    holidays: Mapping[date, str] = field(default_factory=dict)
    recurring_holidays: Mapping[tuple[int, int], str] = field(default_factory=dict)
    extra_working_days: Mapping[date, str] = field(default_factory=dict)
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.timezone, ZoneInfo):
            raise TypeError(f"calendar {self.name!r}: timezone must be a zoneinfo.ZoneInfo, got {self.timezone!r}")
        weekdays = frozenset(self.working_weekdays)
        if not weekdays:
            raise ValueError(f"calendar {self.name!r}: at least one working weekday is needed")
        if not weekdays <= set(range(7)):
            raise ValueError(f"calendar {self.name!r}: weekdays are 0 (Monday) to 6 (Sunday), got {sorted(weekdays)}")
        for month, day in self.recurring_holidays:
            date(2000, month, day)  # a leap year: 02-29 is allowed and only applies in leap years
        object.__setattr__(self, "working_weekdays", weekdays)
        object.__setattr__(self, "holidays", _frozen(self.holidays))
        object.__setattr__(self, "recurring_holidays", _frozen(self.recurring_holidays))
        object.__setattr__(self, "extra_working_days", _frozen(self.extra_working_days))

    @property
    def tz_name(self) -> str:
        return self.timezone.key

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name if `day` is a holiday (explicit or recurring), else None ("" if unnamed)."""
        if day in self.holidays:
            return self.holidays[day]
        return self.recurring_holidays.get((day.month, day.day))


@dataclass(frozen=True, eq=False)
class NodeCalendar:
    """A fulfilment node's calendar, its same-day dispatch cut-off (node local time) and handling days."""

    node: str
    calendar: WorkingCalendar
    cutoff: time
    handling_days: int = 0

    def __post_init__(self) -> None:
        if self.cutoff.tzinfo is not None:
            raise ValueError(f"node {self.node!r}: cutoff is a local wall-clock time; give it without tzinfo")
        if self.handling_days < 0:
            raise ValueError(f"node {self.node!r}: handling_days must be 0 or more, got {self.handling_days}")


@dataclass(frozen=True, eq=False)
class CarrierCalendar:
    """One carrier service: the days it collects from nodes and the days it delivers."""

    carrier: str
    service: str
    pickup: WorkingCalendar
    delivery: WorkingCalendar

    @property
    def label(self) -> str:
        return f"{self.carrier}/{self.service}"
