"""Working calendars and promise-date maths: which days nodes ship and carriers deliver, as pure functions."""

from __future__ import annotations

from hub.calendars.dates import (
    NaiveDatetimeError,
    add_working_days,
    delivery_window,
    earliest_ship_from_incoming,
    first_dispatch_day,
    handover_date,
    is_working_day,
    next_working_day,
    non_working_reason,
    require_aware,
    ship_date,
    working_day_on_or_after,
)
from hub.calendars.loader import (
    CalendarSet,
    load_calendar_dir,
    load_carrier_calendars,
    load_node_calendar,
    parse_carrier_calendars,
    parse_node_calendar,
)
from hub.calendars.model import CarrierCalendar, NodeCalendar, WorkingCalendar
from hub.calendars.promise import Promise, promise

__all__ = [
    "CalendarSet",
    "CarrierCalendar",
    "NaiveDatetimeError",
    "NodeCalendar",
    "Promise",
    "WorkingCalendar",
    "add_working_days",
    "delivery_window",
    "earliest_ship_from_incoming",
    "first_dispatch_day",
    "handover_date",
    "is_working_day",
    "load_calendar_dir",
    "load_carrier_calendars",
    "load_node_calendar",
    "next_working_day",
    "non_working_reason",
    "parse_carrier_calendars",
    "parse_node_calendar",
    "promise",
    "require_aware",
    "ship_date",
    "working_day_on_or_after",
]
