"""Reporting buckets (UTC days or ISO weeks) and the portable SQL that puts a timestamp into its bucket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Date, case, cast, func, literal

from hub.errors import RecordError

Period = Literal["day", "week"]
PERIODS: tuple[str, ...] = ("day", "week")
MAX_BUCKETS = 400  # a CASE with one branch per bucket: more than a year of days is asked in weeks


@dataclass(frozen=True)
class Bucket:
    """One reporting period: [start, end) in UTC; `label` is the day (2026-03-02) or ISO week (2026-W10)."""

    index: int
    start: datetime
    end: datetime
    label: str


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def buckets(period: str, since: date | datetime, until: date | datetime) -> list[Bucket]:
    """The buckets covering `since` (inclusive) to `until` (exclusive): whole UTC days, or ISO weeks from Monday.

    Dates are whole days; a datetime is taken at its UTC day (a week at its Monday). A span that gives no
    bucket, an unknown period or more than MAX_BUCKETS buckets is a RecordError.
    """
    if period not in PERIODS:
        raise RecordError(f"period {period!r} is not one of {', '.join(PERIODS)}")
    first = since.astimezone(UTC).date() if isinstance(since, datetime) else since
    last = until.astimezone(UTC).date() if isinstance(until, datetime) else until
    if isinstance(until, datetime) and until.astimezone(UTC).timetz() != time(0, tzinfo=UTC):
        last += timedelta(days=1)  # a partial last day is a whole bucket
    step = timedelta(days=1 if period == "day" else 7)
    if period == "week":
        first -= timedelta(days=first.weekday())
    if last <= first:
        raise RecordError(f"the span {first.isoformat()} .. {last.isoformat()} is empty: `until` must be after `since`")
    out: list[Bucket] = []
    day = first
    while day < last:
        if len(out) == MAX_BUCKETS:
            raise RecordError(f"more than {MAX_BUCKETS} {period}s asked: choose a shorter span or period=week")
        iso = day.isocalendar()
        label = day.isoformat() if period == "day" else f"{iso.year}-W{iso.week:02d}"
        out.append(Bucket(len(out), _midnight(day), _midnight(day + step), label))
        day += step
    return out


def bucket_of(column: Any, spans: list[Bucket]) -> Any:
    """A SQL expression giving the index of the bucket `column` falls in (NULL outside): the same on SQLite and
    PostgreSQL, since it only compares the column with bound timestamps."""
    return case(*[((column >= b.start) & (column < b.end), literal(b.index)) for b in spans], else_=None)


def within(column: Any, spans: list[Bucket]) -> Any:
    """`column` in [first start, last end): a plain range the database can answer from an index, before the CASE."""
    return (column >= min(b.start for b in spans)) & (column < max(b.end for b in spans))


def utc_day(conn: Connection, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, comparable with a Date column on both stores.

    SQLite keeps UTC timestamps as 'YYYY-MM-DD HH:MM:SS' text: date() gives 'YYYY-MM-DD', as Date columns are
    stored. PostgreSQL converts timestamptz at the session's time zone, so it is pinned to UTC first.
    """
    if conn.dialect.name == "sqlite":
        return func.date(column)
    return cast(func.timezone("UTC", column), Date)
