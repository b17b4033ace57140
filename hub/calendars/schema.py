"""The YAML file format of node and carrier calendars, validated by pydantic (keys named in every error)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from hub.calendars.model import WEEKDAY_LABELS, WEEKDAY_NAMES
from hub.calendars.zones import zone

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_LOCAL_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def _iso_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid date: {exc}") from None
    raise ValueError(f"expected a date written YYYY-MM-DD, got {value!r}")


def _month_day(value: Any) -> tuple[int, int]:
    match = _MONTH_DAY.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'expected a yearly date written MM-DD in quotes (e.g. "12-25"), got {value!r}')
    month, day = int(match.group(1)), int(match.group(2))
    try:
        date(2000, month, day)
    except ValueError:
        raise ValueError(f"{value!r} is not a day of the year") from None
    return month, day


def _local_time(value: Any) -> time:
    match = _LOCAL_TIME.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'expected a local time written HH:MM (e.g. "14:00"), got {value!r}')
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"{value!r} is not a time of day (00:00 to 23:59)")
    return time(hour, minute)


def _weekday(value: Any) -> int:
    key = value.strip().lower() if isinstance(value, str) else None
    for index, (short, full) in enumerate(zip(WEEKDAY_NAMES, WEEKDAY_LABELS, strict=True)):
        if key in (short, full.lower()):
            return index
    raise ValueError(f"expected a weekday ({', '.join(WEEKDAY_NAMES)}), got {value!r}")


def _entry(value: Any) -> Any:
    """A list entry may be a bare date or a mapping {date, name}."""
    return value if isinstance(value, dict) else {"date": value}


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
MonthDay = Annotated[tuple[int, int], BeforeValidator(_month_day)]
LocalTime = Annotated[time, BeforeValidator(_local_time)]
Weekday = Annotated[int, BeforeValidator(_weekday)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatedEntry(_Strict):
    date: IsoDate
    name: str = ""


class RecurringEntry(_Strict):
    date: MonthDay
    name: str = ""


Dated = Annotated[DatedEntry, BeforeValidator(_entry)]
Recurring = Annotated[RecurringEntry, BeforeValidator(_entry)]


class _Days(_Strict):
    timezone: str
    holidays: list[Dated] = Field(default_factory=list)
    recurring_holidays: list[Recurring] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value


class NodeCalendarFile(_Days):
    """kind: node: one fulfilment node."""

    kind: Literal["node"]
    node: str = Field(min_length=1)
    name: str = ""
    working_weekdays: list[Weekday] = Field(min_length=1)
    extra_working_days: list[Dated] = Field(default_factory=list)
    cutoff: LocalTime
    handling_days: int = Field(default=0, ge=0, strict=True)


class CarrierServiceEntry(_Strict):
    delivery_weekdays: list[Weekday] = Field(min_length=1)
    pickup_weekdays: list[Weekday] | None = Field(default=None, min_length=1)
    extra_delivery_days: list[Dated] = Field(default_factory=list)


class CarrierCalendarFile(_Days):
    """kind: carrier: one carrier, its pickup days and one or more services with their delivery days."""

    kind: Literal["carrier"]
    carrier: str = Field(min_length=1)
    name: str = ""
    pickup_weekdays: list[Weekday] = Field(min_length=1)
    services: dict[str, CarrierServiceEntry] = Field(min_length=1)
