"""Working-day arithmetic, ship dates, cut-offs across DST changes and midnight, delivery windows, promises."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.calendars import (
    CarrierCalendar,
    NaiveDatetimeError,
    NodeCalendar,
    WorkingCalendar,
    add_working_days,
    delivery_window,
    earliest_ship_from_incoming,
    handover_date,
    is_working_day,
    next_working_day,
    non_working_reason,
    promise,
    ship_date,
)
from hub.errors import HubError

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MON_FRI = frozenset(range(5))
MON_SAT = frozenset(range(6))


def d(text: str) -> date:
    return date.fromisoformat(text)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def calendar(
    tz: ZoneInfo = BERLIN,
    weekdays: frozenset[int] = MON_FRI,
    holidays: dict[date, str] | None = None,
    recurring: dict[tuple[int, int], str] | None = None,
    extra: dict[date, str] | None = None,
) -> WorkingCalendar:
    return WorkingCalendar(tz, weekdays, holidays or {}, recurring or {}, extra or {}, "test")


def node(cal: WorkingCalendar | None = None, cutoff: str = "14:00", handling: int = 0) -> NodeCalendar:
    return NodeCalendar("N1", cal or calendar(), time.fromisoformat(cutoff), handling)


def carrier(
    delivery: frozenset[int] = MON_SAT, pickup: frozenset[int] = MON_FRI, holidays: dict[date, str] | None = None
) -> CarrierCalendar:
    """A carrier that delivers Monday to Saturday (no Sunday) and collects Monday to Friday by default."""
    return CarrierCalendar(
        "acme", "standard", calendar(weekdays=pickup, holidays=holidays), calendar(weekdays=delivery, holidays=holidays)
    )


# --- is_working_day / next_working_day / add_working_days -------------------------------------------------------


def test_weekdays_and_weekend() -> None:
    cal = calendar()
    assert is_working_day(cal, d("2026-01-09"))  # Friday
    assert not is_working_day(cal, d("2026-01-10"))  # Saturday
    assert not is_working_day(cal, d("2026-01-11"))  # Sunday


def test_explicit_recurring_and_extra_days() -> None:
    cal = calendar(
        holidays={d("2026-12-25"): "Christmas Day"},
        recurring={(12, 24): "Christmas Eve"},
        extra={d("2026-12-19"): "peak Saturday"},
    )
    assert not is_working_day(cal, d("2026-12-25"))
    assert not is_working_day(cal, d("2026-12-24"))
    assert not is_working_day(cal, d("2031-12-24"))  # recurring: every year
    assert is_working_day(cal, d("2027-12-24")) is False
    assert is_working_day(cal, d("2026-12-19"))  # a Saturday opened
    assert is_working_day(cal, d("2027-12-25")) is False  # a Saturday anyway
    assert is_working_day(cal, d("2027-12-27"))  # explicit holiday only in 2026


def test_extra_working_day_wins_over_holiday() -> None:
    cal = calendar(recurring={(12, 24): "Christmas Eve"}, extra={d("2026-12-24"): "stock-take"})
    assert is_working_day(cal, d("2026-12-24"))
    assert not is_working_day(cal, d("2027-12-24"))


def test_leap_day_recurring_holiday() -> None:
    cal = calendar(recurring={(2, 29): "leap day"})
    assert not is_working_day(cal, d("2028-02-29"))
    assert is_working_day(cal, d("2027-03-01"))


def test_non_working_reason() -> None:
    cal = calendar(holidays={d("2026-12-25"): "Christmas Day", d("2026-12-28"): ""})
    assert non_working_reason(cal, d("2026-12-25")) == "2026-12-25 is a holiday (Christmas Day)"
    assert non_working_reason(cal, d("2026-12-28")) == "2026-12-28 is a holiday"
    assert non_working_reason(cal, d("2026-12-27")) == "2026-12-27 is a Sunday"
    assert non_working_reason(cal, d("2026-12-29")) is None


def test_next_working_day() -> None:
    cal = calendar(holidays={d("2026-04-03"): "Good Friday", d("2026-04-06"): "Easter Monday"})
    assert next_working_day(cal, d("2026-04-02")) == d("2026-04-07")  # Friday holiday, weekend, Monday holiday
    assert next_working_day(cal, d("2026-04-07")) == d("2026-04-08")
    assert next_working_day(cal, d("2026-12-31")) == d("2027-01-01")  # year boundary, Friday


def test_add_working_days() -> None:
    cal = calendar()
    assert add_working_days(cal, d("2026-01-09"), 1) == d("2026-01-12")  # Friday + 1 = Monday
    assert add_working_days(cal, d("2026-01-10"), 1) == d("2026-01-12")  # Saturday + 1 = Monday
    assert add_working_days(cal, d("2026-01-10"), 0) == d("2026-01-12")  # 0 rolls forward
    assert add_working_days(cal, d("2026-01-07"), 0) == d("2026-01-07")
    assert add_working_days(cal, d("2026-01-12"), 5) == d("2026-01-19")
    assert add_working_days(cal, d("2026-12-30"), 3) == d("2027-01-04")  # across the year end
    with pytest.raises(ValueError, match="0 or more"):
        add_working_days(cal, d("2026-01-12"), -1)


def test_dates_not_datetimes() -> None:
    with pytest.raises(TypeError, match=r"datetime\.date"):
        is_working_day(calendar(), datetime(2026, 1, 9, tzinfo=UTC))  # type: ignore[arg-type]


def test_calendar_without_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one working weekday"):
        calendar(weekdays=frozenset())


def test_unreachable_working_day_stops() -> None:
    every_day = {(day.month, day.day): "closed" for day in (date(2028, 1, 1) + timedelta(n) for n in range(366))}
    cal = calendar(weekdays=frozenset({0}), recurring=every_day)
    with pytest.raises(ValueError, match="no working day within"):
        next_working_day(cal, d("2026-01-01"))


# --- ship_date: cut-off in the node's local time -----------------------------------------------------------------


def test_before_cutoff_ships_same_day_after_cutoff_next_day() -> None:
    n = node()
    assert ship_date(n, datetime(2026, 1, 7, 13, 59, 59, tzinfo=BERLIN)) == d("2026-01-07")
    assert ship_date(n, datetime(2026, 1, 7, 14, 0, tzinfo=BERLIN)) == d("2026-01-08")  # at the cut-off: too late
    assert ship_date(n, datetime(2026, 1, 9, 15, 0, tzinfo=BERLIN)) == d("2026-01-12")  # Friday late: Monday


def test_non_working_day_ships_next_working_day() -> None:
    n = node()
    assert ship_date(n, datetime(2026, 1, 10, 9, 0, tzinfo=BERLIN)) == d("2026-01-12")  # Saturday morning


def test_cutoff_and_handling_override_the_node() -> None:
    n = node(cutoff="14:00", handling=2)
    order = datetime(2026, 1, 7, 15, 0, tzinfo=BERLIN)  # Wednesday
    assert ship_date(n, order) == d("2026-01-12")  # Thursday + 2 working days = Monday
    assert ship_date(n, order, cutoff=time(16, 0), handling_days=0) == d("2026-01-07")
    assert ship_date(n, order, handling_days=1) == d("2026-01-09")


def test_order_at_2330_utc_is_already_tomorrow_in_berlin() -> None:
    n = node()
    # Friday 23:30 UTC is Saturday 00:30 in Berlin: a non-working day there.
    assert ship_date(n, utc("2026-01-09T23:30")) == d("2026-01-12")
    # Monday 23:30 UTC is Tuesday 00:30 in Berlin: well before Tuesday's cut-off.
    assert ship_date(n, utc("2026-01-12T23:30")) == d("2026-01-13")


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError, match="no time zone") as info:
        ship_date(node(), datetime(2026, 1, 7, 10, 0))
    assert isinstance(info.value, ValueError) and isinstance(info.value, HubError)
    with pytest.raises(NaiveDatetimeError):
        promise(datetime(2026, 1, 7, 10, 0), node(), None, None, 1, 2, carrier())


@pytest.mark.parametrize(
    ("order_utc", "expected", "why"),
    [
        # Europe/Berlin: CET (UTC+1) until 2026-03-29 02:00, then CEST (UTC+2).
        ("2026-03-23T12:30", "2026-03-23", "13:30 CET, before 14:00"),
        ("2026-03-30T12:30", "2026-03-31", "14:30 CEST, after 14:00"),
        ("2026-03-30T11:59", "2026-03-30", "13:59 CEST, before 14:00"),
        ("2026-03-28T23:30", "2026-03-30", "Sunday 00:30 CET, the DST day itself"),
        ("2026-03-29T00:59", "2026-03-30", "01:59 CET, a minute before the clocks jump"),
        ("2026-03-29T01:00", "2026-03-30", "03:00 CEST, the first minute of summer time"),
        ("2026-03-29T22:30", "2026-03-30", "Monday 00:30 CEST, the next day in Berlin"),
        # Back to CET on 2026-10-25 03:00 CEST = 02:00 CET.
        ("2026-10-19T12:30", "2026-10-20", "14:30 CEST, after 14:00"),
        ("2026-10-26T12:30", "2026-10-26", "13:30 CET, before 14:00"),
        ("2026-10-25T00:30", "2026-10-26", "02:30 CEST, the first of the two 02:30s"),
        ("2026-10-25T01:30", "2026-10-26", "02:30 CET, the second 02:30"),
        ("2026-10-25T23:30", "2026-10-27", "Monday 00:30 CET, then Monday is a holiday here"),
    ],
)
def test_berlin_dst(order_utc: str, expected: str, why: str) -> None:
    n = node(calendar(holidays={d("2026-10-26"): "a made-up Monday holiday"}) if "holiday" in why else None)
    assert ship_date(n, utc(order_utc)) == d(expected), why


@pytest.mark.parametrize(
    ("order_utc", "expected", "why"),
    [
        # America/New_York: EST (UTC-5) until 2026-03-08 02:00, then EDT (UTC-4) until 2026-11-01 02:00.
        ("2026-03-02T19:30", "2026-03-02", "14:30 EST, before 15:00"),
        ("2026-03-09T19:30", "2026-03-10", "15:30 EDT, after 15:00"),
        ("2026-10-26T19:30", "2026-10-27", "15:30 EDT, after 15:00"),
        ("2026-11-02T19:30", "2026-11-02", "14:30 EST, before 15:00"),
        ("2026-03-08T06:59", "2026-03-09", "Sunday 01:59 EST"),
        ("2026-11-01T05:30", "2026-11-02", "Sunday 01:30 EDT, the first of the two 01:30s"),
        ("2026-11-01T06:30", "2026-11-02", "Sunday 01:30 EST, the second"),
    ],
)
def test_new_york_dst(order_utc: str, expected: str, why: str) -> None:
    assert ship_date(node(calendar(NEW_YORK), cutoff="15:00"), utc(order_utc)) == d(expected), why


def test_cutoff_near_midnight() -> None:
    late = node(calendar(NEW_YORK), cutoff="23:30")
    # Tuesday 03:15 UTC is still Monday 23:15 EDT in New York: it ships on Monday, a day before the UTC date.
    assert ship_date(late, utc("2026-03-10T03:15")) == d("2026-03-09")
    assert ship_date(late, utc("2026-03-10T03:30")) == d("2026-03-10")  # Monday 23:30 EDT: at the cut-off
    # A 00:00 cut-off means nothing ever leaves the same day.
    never = node(cutoff="00:00")
    assert ship_date(never, datetime(2026, 1, 7, 0, 0, tzinfo=BERLIN)) == d("2026-01-08")
    # 23:59 in Berlin on a Friday, given as New York time.
    assert ship_date(node(cutoff="23:59"), datetime(2026, 1, 9, 17, 58, tzinfo=NEW_YORK)) == d("2026-01-09")


def test_year_boundary() -> None:
    cal = calendar(holidays={d("2027-01-01"): "New Year"}, recurring={(12, 31): "closed"})
    n = node(cal)
    assert ship_date(n, datetime(2026, 12, 30, 13, 0, tzinfo=BERLIN)) == d("2026-12-30")
    assert ship_date(n, datetime(2026, 12, 30, 15, 0, tzinfo=BERLIN)) == d("2027-01-04")
    assert ship_date(n, utc("2026-12-31T23:30")) == d("2027-01-04")  # already 2027-01-01 in Berlin


def test_holiday_on_friday_then_weekend() -> None:
    n = node(calendar(holidays={d("2026-12-25"): "Christmas Day"}), handling=1)
    # Thursday after the cut-off: Friday holiday, weekend, Monday ships; + 1 handling day = Tuesday.
    assert ship_date(n, datetime(2026, 12, 24, 15, 0, tzinfo=BERLIN)) == d("2026-12-29")
    assert ship_date(n, datetime(2026, 12, 24, 15, 0, tzinfo=BERLIN), handling_days=0) == d("2026-12-28")


def test_node_working_saturdays() -> None:
    n = node(calendar(weekdays=MON_SAT))
    assert ship_date(n, datetime(2026, 1, 9, 15, 0, tzinfo=BERLIN)) == d("2026-01-10")  # Friday late: Saturday
    assert ship_date(n, datetime(2026, 1, 10, 15, 0, tzinfo=BERLIN)) == d("2026-01-12")  # Saturday late: Monday
    assert ship_date(n, datetime(2026, 1, 10, 9, 0, tzinfo=BERLIN)) == d("2026-01-10")


# --- incoming stock ------------------------------------------------------------------------------------------------


def test_earliest_ship_from_incoming() -> None:
    n = node(calendar(holidays={d("2026-05-14"): "Ascension"}), handling=1)
    assert earliest_ship_from_incoming(d("2026-05-12"), n) == d("2026-05-13")
    assert earliest_ship_from_incoming(d("2026-05-13"), n) == d("2026-05-15")  # skips the holiday
    assert earliest_ship_from_incoming(d("2026-05-30"), n) == d("2026-06-02")  # Saturday: received Monday
    assert earliest_ship_from_incoming(d("2026-05-30"), n, 0) == d("2026-06-01")
    assert earliest_ship_from_incoming(d("2026-05-13"), n, 0) == d("2026-05-13")
    with pytest.raises(ValueError):
        earliest_ship_from_incoming(d("2026-05-13"), n, -1)


# --- carriers: pickup and delivery days ----------------------------------------------------------------------------


def test_delivery_window_skips_sunday() -> None:
    c = carrier()  # Monday to Saturday
    assert delivery_window(d("2026-03-27"), 1, 2, c) == (d("2026-03-28"), d("2026-03-30"))  # Sat, then Mon
    assert delivery_window(d("2026-03-26"), 1, 1, c) == (d("2026-03-27"), d("2026-03-27"))
    assert delivery_window(d("2026-03-27"), 2, 3, c) == (d("2026-03-30"), d("2026-03-31"))


def test_delivery_window_weekdays_only_and_holidays() -> None:
    c = carrier(delivery=MON_FRI, holidays={d("2026-12-25"): "Christmas Day", d("2026-12-28"): "Boxing Day (sub)"})
    assert delivery_window(d("2026-12-24"), 1, 3, c) == (d("2026-12-29"), d("2026-12-31"))


def test_delivery_window_saturday_express() -> None:
    standard, express = carrier(delivery=MON_FRI), carrier(delivery=MON_SAT)
    assert delivery_window(d("2026-06-12"), 1, 1, standard) == (d("2026-06-15"), d("2026-06-15"))
    assert delivery_window(d("2026-06-12"), 1, 1, express) == (d("2026-06-13"), d("2026-06-13"))


def test_delivery_window_same_day_and_errors() -> None:
    c = carrier(delivery=MON_FRI)
    assert delivery_window(d("2026-06-12"), 0, 0, c) == (d("2026-06-12"), d("2026-06-12"))
    # Shipped on a Saturday: 0 rolls forward to Monday, and Monday is also the 1st delivery day after Saturday.
    assert delivery_window(d("2026-06-13"), 0, 1, c) == (d("2026-06-15"), d("2026-06-15"))
    assert delivery_window(d("2026-06-13"), 0, 2, c) == (d("2026-06-15"), d("2026-06-16"))
    with pytest.raises(ValueError, match="transit_min <= transit_max"):
        delivery_window(d("2026-06-12"), 3, 2, c)
    with pytest.raises(ValueError):
        delivery_window(d("2026-06-12"), -1, 2, c)


def test_handover_waits_for_a_pickup_day() -> None:
    n = node(calendar(weekdays=MON_SAT))
    c = carrier(pickup=MON_FRI)
    assert handover_date(n, c, d("2026-06-13")) == d("2026-06-15")  # Saturday: no pickup
    assert handover_date(n, c, d("2026-06-12")) == d("2026-06-12")


# --- promise ------------------------------------------------------------------------------------------------------


def test_promise_after_cutoff_with_reasons() -> None:
    n = node(calendar(holidays={d("2026-12-25"): "Christmas Day"}))
    p = promise(datetime(2026, 12, 24, 15, 0, tzinfo=BERLIN), n, None, None, 1, 2, carrier())
    assert (p.ship_date, p.earliest, p.latest) == (d("2026-12-28"), d("2026-12-29"), d("2026-12-30"))
    assert p.reasons == (
        "ordered 2026-12-24 15:00 CET in Europe/Berlin",
        "after 14:00 cut-off in Europe/Berlin",
        "2026-12-25 is a holiday (Christmas Day): no dispatch at N1",
        "2026-12-26 is a Saturday: no dispatch at N1",
        "2026-12-27 is a Sunday: no dispatch at N1",
        "ships 2026-12-28 (Monday)",
        "transit 1-2 acme/standard delivery days",
    )
    assert p.as_dict()["delivery_latest"] == "2026-12-30"


def test_promise_same_day_handling_pickup_and_sunday() -> None:
    n = node(calendar(weekdays=MON_SAT), cutoff="12:00")
    p = promise(utc("2026-06-12T09:00"), n, None, 1, 1, 2, carrier())
    # Friday 11:00 CEST before 12:00: dispatch Friday, +1 handling = Saturday, no pickup: Monday.
    assert (p.ship_date, p.earliest, p.latest) == (d("2026-06-15"), d("2026-06-16"), d("2026-06-17"))
    assert p.reasons == (
        "ordered 2026-06-12 11:00 CEST in Europe/Berlin",
        "before 12:00 cut-off in Europe/Berlin: same-day dispatch",
        "1 handling day at N1",
        "2026-06-13 is a Saturday: no acme/standard pickup at N1",
        "2026-06-14 is a Sunday: no acme/standard pickup at N1",
        "ships 2026-06-15 (Monday)",
        "transit 1-2 acme/standard delivery days",
    )


def test_promise_order_on_holiday_and_delivery_over_sunday() -> None:
    n = node(calendar(holidays={d("2026-04-03"): "Karfreitag"}))
    p = promise(datetime(2026, 4, 3, 9, 0, tzinfo=BERLIN), n, time(14, 0), 0, 1, 2, carrier())
    assert (p.ship_date, p.earliest, p.latest) == (d("2026-04-06"), d("2026-04-07"), d("2026-04-08"))
    assert p.reasons[1] == "2026-04-03 is a holiday (Karfreitag): no dispatch at N1"
    p = promise(datetime(2026, 4, 10, 9, 0, tzinfo=BERLIN), n, None, None, 1, 2, carrier())
    assert (p.ship_date, p.earliest, p.latest) == (d("2026-04-10"), d("2026-04-11"), d("2026-04-13"))
    assert p.reasons[-1] == "2026-04-12 is a Sunday: no acme/standard delivery"


def test_promise_waits_for_incoming_stock() -> None:
    n = node()
    p = promise(datetime(2026, 5, 11, 9, 0, tzinfo=BERLIN), n, None, None, 1, 1, carrier(), incoming=d("2026-05-16"))
    assert (p.ship_date, p.earliest, p.latest) == (d("2026-05-18"), d("2026-05-19"), d("2026-05-19"))
    assert "waits for stock expected 2026-05-16: ready to ship 2026-05-18" in p.reasons
    # Stock already there before the order's own ship date changes nothing.
    q = promise(datetime(2026, 5, 11, 9, 0, tzinfo=BERLIN), n, None, None, 1, 1, carrier(), incoming=d("2026-05-01"))
    assert q.ship_date == d("2026-05-11")
    assert not any("waits for stock" in r for r in q.reasons)
