"""Working-day arithmetic, ship dates and delivery windows: pure functions over calendars."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hub.calendars.model import WEEKDAY_LABELS, CarrierCalendar, NodeCalendar, WorkingCalendar
from hub.errors import HubError

MAX_SEARCH_DAYS = 3660
"""Give up looking for a working day after ten years: the calendar is almost certainly wrong."""

_ONE_DAY = timedelta(days=1)


class NaiveDatetimeError(HubError, ValueError):
    """A datetime without a time zone was given where the hub needs an instant in time."""

    code = "naive_datetime"


def require_aware(value: datetime, what: str = "datetime") -> datetime:
    """Return `value` if it is timezone-aware; raise NaiveDatetimeError otherwise."""
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{what} {value.isoformat()} has no time zone; pass an aware datetime, "
            "e.g. datetime(..., tzinfo=ZoneInfo('UTC'))"
        )
    return value


def _require_date(day: date, what: str = "date") -> date:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"{what} must be a datetime.date (not a datetime), got {type(day).__name__}")
    return day


def is_working_day(cal: WorkingCalendar, day: date) -> bool:
    """True if `day` is a working day: an extra working day, or a working weekday that is not a holiday."""
    _require_date(day)
    if day in cal.extra_working_days:
        return True
    return day.weekday() in cal.working_weekdays and cal.holiday_name(day) is None


def non_working_reason(cal: WorkingCalendar, day: date) -> str | None:
    """Why `day` is not a working day ("2026-12-25 is a holiday (Christmas Day)"), or None if it is one."""
    if is_working_day(cal, day):
        return None
    holiday = cal.holiday_name(day)
    if holiday is not None:
        return f"{day.isoformat()} is a holiday ({holiday})" if holiday else f"{day.isoformat()} is a holiday"
    return f"{day.isoformat()} is a {WEEKDAY_LABELS[day.weekday()]}"


def next_working_day(cal: WorkingCalendar, day: date) -> date:
    """The first working day strictly after `day`."""
    _require_date(day)
    candidate = day
    for _ in range(MAX_SEARCH_DAYS):
        candidate += _ONE_DAY
        if is_working_day(cal, candidate):
            return candidate
    raise ValueError(f"calendar {cal.name!r}: no working day within {MAX_SEARCH_DAYS} days after {day.isoformat()}")


def working_day_on_or_after(cal: WorkingCalendar, day: date) -> date:
    """`day` itself if it is a working day, else the next working day."""
    return day if is_working_day(cal, day) else next_working_day(cal, day)


def add_working_days(cal: WorkingCalendar, day: date, n: int) -> date:
    """The n-th working day after `day` (`day` itself does not count); n = 0 rolls forward to a working day.

    From a Friday, +1 is the next Monday (in a Monday-to-Friday calendar without holidays);
    from a Saturday, +1 is also that Monday.
    """
    _require_date(day)
    if n < 0:
        raise ValueError(f"n must be 0 or more, got {n}")
    if n == 0:
        return working_day_on_or_after(cal, day)
    for _ in range(n):
        day = next_working_day(cal, day)
    return day


def local_order_time(node_calendar: NodeCalendar, order_time: datetime) -> datetime:
    """The order's instant as a wall-clock time in the node's time zone."""
    return require_aware(order_time, "order_time").astimezone(node_calendar.calendar.timezone)


def first_dispatch_day(node_calendar: NodeCalendar, order_time: datetime, cutoff: time | None = None) -> date:
    """The first day the node can dispatch the order, before handling days are added.

    That is the order's local date if it is a working day and the order's local time is strictly
    before the cut-off, otherwise the next working day.
    """
    limit = node_calendar.cutoff if cutoff is None else cutoff
    local = local_order_time(node_calendar, order_time)
    today = local.date()
    cal = node_calendar.calendar
    if is_working_day(cal, today) and local.time().replace(tzinfo=None) < limit:
        return today
    return next_working_day(cal, today)


def ship_date(
    node_calendar: NodeCalendar,
    order_time: datetime,
    *,
    cutoff: time | None = None,
    handling_days: int | None = None,
) -> date:
    """The local date the node ships an order placed at `order_time` (aware).

    Orders on a working day strictly before the cut-off (compared in the node's local time)
    can leave the same day; later orders, and orders on non-working days, the next working day.
    Handling days are then added as working days. `cutoff` and `handling_days` default to the node's.
    """
    handling = node_calendar.handling_days if handling_days is None else handling_days
    start = first_dispatch_day(node_calendar, order_time, cutoff)
    return add_working_days(node_calendar.calendar, start, handling)


def earliest_ship_from_incoming(
    expected_date: date, node_calendar: NodeCalendar, handling_days: int | None = None
) -> date:
    """The earliest ship date for stock expected at the node on `expected_date`.

    Goods arriving on a non-working day are received the next working day; handling days
    (default: the node's) are then added as working days.
    """
    _require_date(expected_date, "expected_date")
    handling = node_calendar.handling_days if handling_days is None else handling_days
    if handling < 0:
        raise ValueError(f"handling_days must be 0 or more, got {handling}")
    received = working_day_on_or_after(node_calendar.calendar, expected_date)
    return add_working_days(node_calendar.calendar, received, handling)


def handover_date(node_calendar: NodeCalendar, carrier_calendar: CarrierCalendar, day: date) -> date:
    """The first date on or after `day` when the node works and the carrier collects."""
    _require_date(day)
    candidate = day
    for _ in range(MAX_SEARCH_DAYS):
        if is_working_day(node_calendar.calendar, candidate) and is_working_day(carrier_calendar.pickup, candidate):
            return candidate
        candidate += _ONE_DAY
    raise ValueError(
        f"node {node_calendar.node!r} and carrier {carrier_calendar.label!r} share no pickup day "
        f"within {MAX_SEARCH_DAYS} days after {day.isoformat()}"
    )


def delivery_window(
    ship_date: date, transit_min: int, transit_max: int, carrier_calendar: CarrierCalendar
) -> tuple[date, date]:
    """(earliest, latest) delivery dates: transit days counted in the carrier's delivery days after `ship_date`.

    A transit time of 0 means same-day delivery, rolled forward to a delivery day.
    """
    _require_date(ship_date, "ship_date")
    if transit_min < 0 or transit_max < transit_min:
        raise ValueError(f"need 0 <= transit_min <= transit_max, got {transit_min} and {transit_max}")
    cal = carrier_calendar.delivery
    return add_working_days(cal, ship_date, transit_min), add_working_days(cal, ship_date, transit_max)
