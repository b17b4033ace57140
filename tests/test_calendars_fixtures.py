"""The example calendars in fixtures/calendars: holiday facts cross-checked, golden promises computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.calendars import CalendarSet, is_working_day, load_calendar_dir, promise, ship_date

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "calendars"

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def cals() -> CalendarSet:
    return load_calendar_dir(FIXTURES)


def easter(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian algorithm), to cross-check the listed dates."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def last_monday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=last.weekday())


def test_fixture_folder_contents(cals: CalendarSet) -> None:
    assert set(cals.nodes) == {"BER", "LON"}
    assert set(cals.carriers) == {("de-parcel", "standard"), ("uk-courier", "standard"), ("uk-courier", "express")}


@pytest.mark.parametrize("year", [2026, 2027])
def test_german_national_holidays(cals: CalendarSet, year: int) -> None:
    e = easter(year)
    expected = {
        date(year, 1, 1),
        e - timedelta(days=2),  # Karfreitag
        e + timedelta(days=1),  # Ostermontag
        date(year, 5, 1),
        e + timedelta(days=39),  # Christi Himmelfahrt
        e + timedelta(days=50),  # Pfingstmontag
        date(year, 10, 3),
        date(year, 12, 25),
        date(year, 12, 26),
    }
    carrier = {day for day in cals.carrier("de-parcel", "standard").delivery.holidays if day.year == year}
    assert carrier == expected
    node = {day for day in cals.node("BER").calendar.holidays if day.year == year}
    assert node == expected | {date(year, 3, 8)}  # Berlin's Internationaler Frauentag


@pytest.mark.parametrize("year", [2026, 2027])
def test_england_and_wales_bank_holidays(cals: CalendarSet, year: int) -> None:
    e = easter(year)

    def substitute(days: list[date]) -> list[date]:
        out: list[date] = []
        for day in days:
            while day.weekday() >= 5 or day in out:
                day += timedelta(days=1)
            out.append(day)
        return out

    expected = {
        *substitute([date(year, 1, 1)]),
        e - timedelta(days=2),
        e + timedelta(days=1),
        monday_on_or_after(date(year, 5, 1)),
        last_monday(year, 5),
        last_monday(year, 8),
        *substitute([date(year, 12, 25), date(year, 12, 26)]),
    }
    for holidays in (cals.node("LON").calendar.holidays, cals.carrier("uk-courier", "express").delivery.holidays):
        assert {day for day in holidays if day.year == year} == expected


def test_fixture_working_days(cals: CalendarSet) -> None:
    ber, lon = cals.node("BER").calendar, cals.node("LON").calendar
    assert not is_working_day(ber, date(2026, 12, 24))  # recurring company closure
    assert is_working_day(ber, date(2026, 12, 19))  # peak Saturday shift
    assert not is_working_day(ber, date(2026, 12, 12))  # an ordinary Saturday
    assert is_working_day(lon, date(2026, 12, 12))  # London works Saturdays
    assert not is_working_day(lon, date(2027, 12, 25))  # Christmas Day on a Saturday


# Each golden case was worked out by hand from the fixture files; the comment gives the reasoning.
GOLDEN = [
    (
        # Thu 24 Dec 2026 11:00 CET: BER closed (Heiligabend), 25/26 holidays, 27 Sunday: ships Mon 28.
        # de-parcel delivers Mon-Sat: +1 Tue 29, +2 Wed 30.
        "BER",
        "de-parcel",
        "standard",
        datetime(2026, 12, 24, 10, 0, tzinfo=UTC),
        1,
        2,
        ("2026-12-28", "2026-12-29", "2026-12-30"),
    ),
    (
        # Thu 2 Apr 2026 15:00 CEST, after 14:00: Fri 3 Karfreitag, weekend, Mon 6 Ostermontag: ships Tue 7.
        "BER",
        "de-parcel",
        "standard",
        datetime(2026, 4, 2, 13, 0, tzinfo=UTC),
        1,
        2,
        ("2026-04-07", "2026-04-08", "2026-04-09"),
    ),
    (
        # Fri 27 Mar 2026 13:30 CET (the Friday before the DST change), before 14:00: ships Fri 27.
        # Delivery: Sat 28, then Sunday 29 (no delivery), Mon 30.
        "BER",
        "de-parcel",
        "standard",
        datetime(2026, 3, 27, 12, 30, tzinfo=UTC),
        1,
        2,
        ("2026-03-27", "2026-03-28", "2026-03-30"),
    ),
    (
        # Mon 30 Mar 2026 12:30 UTC = 14:30 CEST (summer time now), after 14:00: ships Tue 31; Wed 1 Apr, Thu 2 Apr.
        "BER",
        "de-parcel",
        "standard",
        datetime(2026, 3, 30, 12, 30, tzinfo=UTC),
        1,
        2,
        ("2026-03-31", "2026-04-01", "2026-04-02"),
    ),
    (
        # Wed 30 Dec 2026 13:00 CET, before 14:00: ships Wed 30. Delivery: Thu 31, Fri 1 Jan holiday, Sat 2 Jan.
        "BER",
        "de-parcel",
        "standard",
        datetime(2026, 12, 30, 12, 0, tzinfo=UTC),
        1,
        2,
        ("2026-12-30", "2026-12-31", "2027-01-02"),
    ),
    (
        # Wed 30 Dec 2026 15:00 CET, after: Thu 31 closed (Silvester), Fri 1 Neujahr, weekend: ships Mon 4 Jan 2027.
        "BER",
        "de-parcel",
        "standard",
        datetime(2026, 12, 30, 14, 0, tzinfo=UTC),
        1,
        2,
        ("2027-01-04", "2027-01-05", "2027-01-06"),
    ),
    (
        # Fri 18 Dec 2026 15:00 CET, after: Sat 19 is an extra working day at BER, but de-parcel does not
        # collect on Saturdays: ships Mon 21; delivery Tue 22, Wed 23.
        "BER",
        "de-parcel",
        "standard",
        datetime(2026, 12, 18, 14, 0, tzinfo=UTC),
        1,
        2,
        ("2026-12-21", "2026-12-22", "2026-12-23"),
    ),
    (
        # Fri 12 Jun 2026 11:00 BST, before 12:00: dispatch Fri, +1 handling day = Sat 13 (LON works Saturdays);
        # uk-courier standard does not collect Saturdays: ships Mon 15; delivery Mon-Fri: Tue 16.
        "LON",
        "uk-courier",
        "standard",
        datetime(2026, 6, 12, 10, 0, tzinfo=UTC),
        1,
        1,
        ("2026-06-15", "2026-06-16", "2026-06-16"),
    ),
    (
        # Same order with express: collected Sat 13; express delivers Mon-Sat, so Sunday is skipped: Mon 15, Tue 16.
        "LON",
        "uk-courier",
        "express",
        datetime(2026, 6, 12, 10, 0, tzinfo=UTC),
        1,
        2,
        ("2026-06-13", "2026-06-15", "2026-06-16"),
    ),
    (
        # Fri 12 Jun 2026 12:30 BST, after 12:00: Sat 13, +1 handling day (Sunday skipped) = Mon 15; Tue 16.
        "LON",
        "uk-courier",
        "standard",
        datetime(2026, 6, 12, 11, 30, tzinfo=UTC),
        1,
        1,
        ("2026-06-15", "2026-06-16", "2026-06-16"),
    ),
    (
        # Fri 24 Dec 2027 11:00 GMT, before 12:00: dispatch Fri 24; +1 handling: Sat 25 and Sun 26 closed,
        # Mon 27 and Tue 28 substitute bank holidays: ships Wed 29; delivery Thu 30, Fri 31.
        "LON",
        "uk-courier",
        "standard",
        datetime(2027, 12, 24, 11, 0, tzinfo=UTC),
        1,
        2,
        ("2027-12-29", "2027-12-30", "2027-12-31"),
    ),
    (
        # Sun 25 Oct 2026 23:30 UTC = Mon 26 Oct 00:30 GMT (clocks went back that morning): dispatch Mon 26,
        # +1 handling = Tue 27; delivery Wed 28 to Fri 30.
        "LON",
        "uk-courier",
        "standard",
        datetime(2026, 10, 25, 23, 30, tzinfo=UTC),
        1,
        3,
        ("2026-10-27", "2026-10-28", "2026-10-30"),
    ),
]


@pytest.mark.parametrize(("node", "carrier", "service", "order_time", "tmin", "tmax", "expected"), GOLDEN)
def test_golden_promises(
    cals: CalendarSet,
    node: str,
    carrier: str,
    service: str,
    order_time: datetime,
    tmin: int,
    tmax: int,
    expected: tuple[str, str, str],
) -> None:
    p = promise(order_time, cals.node(node), None, None, tmin, tmax, cals.carrier(carrier, service))
    got = (p.ship_date.isoformat(), p.earliest.isoformat(), p.latest.isoformat())
    assert got == expected, "\n".join(p.reasons)


def test_golden_reasons_berlin_christmas(cals: CalendarSet) -> None:
    p = promise(
        datetime(2026, 12, 24, 10, 0, tzinfo=UTC),
        cals.node("BER"),
        None,
        None,
        1,
        2,
        cals.carrier("de-parcel", "standard"),
    )
    assert p.reasons == (
        "ordered 2026-12-24 11:00 CET in Europe/Berlin",
        "2026-12-24 is a holiday (Heiligabend, warehouse closed): no dispatch at BER",
        "2026-12-25 is a holiday (1. Weihnachtstag): no dispatch at BER",
        "2026-12-26 is a holiday (2. Weihnachtstag): no dispatch at BER",
        "2026-12-27 is a Sunday: no dispatch at BER",
        "ships 2026-12-28 (Monday)",
        "transit 1-2 de-parcel/standard delivery days",
    )


def test_golden_reasons_peak_saturday(cals: CalendarSet) -> None:
    p = promise(
        datetime(2026, 12, 18, 14, 0, tzinfo=UTC),
        cals.node("BER"),
        None,
        None,
        1,
        2,
        cals.carrier("de-parcel", "standard"),
    )
    assert p.reasons == (
        "ordered 2026-12-18 15:00 CET in Europe/Berlin",
        "after 14:00 cut-off in Europe/Berlin",
        "2026-12-19 is a Saturday: no de-parcel/standard pickup at BER",
        "2026-12-20 is a Sunday: no de-parcel/standard pickup at BER",
        "ships 2026-12-21 (Monday)",
        "transit 1-2 de-parcel/standard delivery days",
    )
    # Without the carrier, the node itself would ship on the peak Saturday.
    assert ship_date(cals.node("BER"), datetime(2026, 12, 18, 15, 0, tzinfo=BERLIN)).isoformat() == "2026-12-19"


def test_golden_incoming_stock(cals: CalendarSet) -> None:
    # Mon 11 May 2026 12:00 CEST, stock expected Wed 13; BER has no handling days: ready Wed 13.
    # de-parcel: Thu 14 is Christi Himmelfahrt, so Fri 15 and Sat 16.
    p = promise(
        datetime(2026, 5, 11, 10, 0, tzinfo=UTC),
        cals.node("BER"),
        None,
        None,
        1,
        2,
        cals.carrier("de-parcel", "standard"),
        incoming=date(2026, 5, 13),
    )
    assert (p.ship_date, p.earliest, p.latest) == (date(2026, 5, 13), date(2026, 5, 15), date(2026, 5, 16))
    assert "2026-05-14 is a holiday (Christi Himmelfahrt): no de-parcel/standard delivery" in p.reasons
