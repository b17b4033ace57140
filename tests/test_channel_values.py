"""Values in channel payloads: exact finite decimals and aware UTC timestamps, or a ValueError saying why."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hub.channels.values import exact_decimal, utc_timestamp


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("19.90", Decimal("19.90")),
        (" 3 ", Decimal(3)),
        (7, Decimal(7)),
        (19.9, Decimal("19.9")),
        ("-0.5", Decimal("-0.5")),
    ],
)
def test_numbers_are_read_exactly(value: object, expected: Decimal) -> None:
    got = exact_decimal(value)
    assert got == expected and str(got) == str(expected)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("NaN", "is not a finite number"),
        ("-Infinity", "is not a finite number"),
        (float("nan"), "is not a finite number"),
        ("12,50", "is not a number"),
        ("", "is not a number"),
        (None, "is not a number"),
        (True, "is not a number"),
        ({"amount": "1"}, "is not a number"),
    ],
)
def test_what_is_no_finite_number_says_so(value: object, why: str) -> None:
    with pytest.raises(ValueError) as caught:
        exact_decimal(value)
    assert str(caught.value) == why


@pytest.mark.parametrize(
    "value",
    ["2026-03-02T10:00:00+01:00", "2026-03-02T09:00:00Z", "2026-03-02T04:00:00-05:00", " 2026-03-02T09:00:00.000Z "],
)
def test_timestamps_with_a_zone_come_back_in_utc(value: str) -> None:
    got = utc_timestamp(value)
    assert got == datetime(2026, 3, 2, 9, 0, tzinfo=UTC) and got.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2026-03-02T09:00:00", "has no time zone"),
        ("yesterday", "is not an ISO 8601 date-time"),
        (None, "is not an ISO 8601 date-time"),
        (1_700_000_000, "is not an ISO 8601 date-time"),
    ],
)
def test_timestamps_without_a_zone_or_unreadable_say_so(value: object, why: str) -> None:
    with pytest.raises(ValueError) as caught:
        utc_timestamp(value)
    assert str(caught.value) == why
