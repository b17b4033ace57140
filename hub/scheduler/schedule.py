"""When a connection polls: its schedule options, checked, as an APScheduler trigger and a grid of tick slots.

Options (on the connection, read by the hub, not the adapter):
- `poll_interval_seconds`: a positive number; ticks fall on a grid anchored at 2000-01-01T00:00:00Z,
  so every instance of the hub computes the same tick times;
- `poll_cron`: a five-field crontab expression in UTC, e.g. `*/5 * * * *`.
At most one of the two; neither means every DEFAULT_INTERVAL_SECONDS.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from hub.errors import ConfigError

DEFAULT_INTERVAL_SECONDS = 60.0
MIN_INTERVAL_SECONDS = 0.1
SCHEDULE_OPTIONS = frozenset({"poll_interval_seconds", "poll_cron"})
ANCHOR = datetime(2000, 1, 1, tzinfo=UTC)
_LOOKBACKS = (timedelta(minutes=2), timedelta(hours=2), timedelta(days=2), timedelta(days=32), timedelta(days=400))


@dataclass(frozen=True)
class Schedule:
    """A connection's tick times: every `interval` seconds on the anchored grid, or a cron expression."""

    interval: float | None = None
    cron: str | None = None

    def describe(self) -> str:
        return f"cron {self.cron}" if self.cron else f"every {self.interval:g}s"

    def trigger(self) -> BaseTrigger:
        if self.cron:
            return CronTrigger.from_crontab(self.cron, timezone="UTC")
        return IntervalTrigger(seconds=self.interval, start_date=ANCHOR, timezone="UTC")

    def slot(self, now: datetime) -> datetime:
        """The tick a run at `now` belongs to: the latest tick time at or before `now`.

        All instances compute the same slots (the grid and the cron are absolute), so a slot
        names one tick across the whole deployment; a run late by less than a period still
        belongs to its own tick.
        """
        if self.interval is not None:
            steps = math.floor((now - ANCHOR).total_seconds() / self.interval)
            return ANCHOR + timedelta(microseconds=round(steps * self.interval * 1_000_000))
        trigger = self.trigger()
        for lookback in _LOOKBACKS:
            fire = trigger.get_next_fire_time(None, now - lookback)
            if fire is not None and fire <= now:
                break
        else:
            return now.replace(microsecond=0)  # a cron that fires less than yearly: the run is its own tick
        while True:
            after = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
            if after is None or after > now:
                return fire
            fire = after


def schedule_for(connection: str, options: Mapping[str, Any]) -> Schedule:
    """The schedule a connection's options ask for; a ConfigError names the connection and the option."""
    interval_raw = options.get("poll_interval_seconds")
    cron = options.get("poll_cron")
    if interval_raw is not None and cron is not None:
        raise ConfigError(
            f"connection {connection!r}: options poll_interval_seconds and poll_cron are exclusive; keep one"
        )
    if cron is not None:
        if not isinstance(cron, str) or not cron.strip():
            raise ConfigError(
                f"connection {connection!r}: option poll_cron must be a crontab expression, like */5 * * * *"
            )
        try:
            CronTrigger.from_crontab(cron.strip(), timezone="UTC")
        except ValueError as exc:
            raise ConfigError(
                f"connection {connection!r}: option poll_cron={cron!r} is not a five-field crontab expression: {exc}"
            ) from None
        return Schedule(cron=cron.strip())
    if interval_raw is None:
        return Schedule(interval=DEFAULT_INTERVAL_SECONDS)
    try:
        interval = float(interval_raw)
    except (TypeError, ValueError):
        interval = math.nan
    if isinstance(interval_raw, bool) or not math.isfinite(interval) or interval < MIN_INTERVAL_SECONDS:
        raise ConfigError(
            f"connection {connection!r}: option poll_interval_seconds={interval_raw!r} must be a number of seconds, "
            f"at least {MIN_INTERVAL_SECONDS:g}"
        )
    return Schedule(interval=interval)
