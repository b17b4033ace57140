"""The scheduler: an APScheduler job per polling connection, on its interval or cron, each run claiming its tick.

Any number of instances may run the same jobs against one database: a run claims its tick
(connection, slot) and takes the connection's lease before it polls, so each tick is
polled by one instance, once (see docs/scheduler.md).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from hub.context import HubContext
from hub.errors import ConfigError
from hub.model.ids import utcnow
from hub.plugins.capabilities import Capability
from hub.scheduler.polling import LEASE_SECONDS, PollReport, default_holder, poll_connection, stop_connection
from hub.scheduler.schedule import DEFAULT_INTERVAL_SECONDS, Schedule, schedule_for
from hub.store.connections import ConnectionRecord
from hub.store.db import read_only

log = logging.getLogger(__name__)
REFRESH_SECONDS = 30
__all__ = ["DEFAULT_INTERVAL_SECONDS", "build_scheduler", "polling_connections", "polling_schedules"]


def polling_schedules(ctx: HubContext) -> dict[str, Schedule | ConfigError]:
    """The schedule of every enabled connection whose adapter can poll, or the ConfigError its options raise."""
    with read_only(ctx.engine) as conn:
        records = ctx.connections(conn)
    out: dict[str, Schedule | ConfigError] = {}
    for record in records:
        if record.enabled and ctx.offers(record, Capability.POLLER):
            try:
                out[record.name] = schedule_for(record.name, record.options)
            except ConfigError as exc:
                out[record.name] = exc
    return out


def polling_connections(ctx: HubContext) -> list[tuple[str, float | str]]:
    """(connection name, interval seconds or cron expression) for every validly scheduled polling connection."""
    return [
        (name, s.cron or float(s.interval or 0))
        for name, s in polling_schedules(ctx).items()
        if isinstance(s, Schedule)
    ]


def _settings(record: ConnectionRecord) -> str:
    return json.dumps([record.adapter, record.options, record.secret_refs, record.enabled], sort_keys=True, default=str)


def build_scheduler(
    ctx: HubContext,
    *,
    holder: str | None = None,
    refresh_seconds: float = REFRESH_SECONDS,
    lease_seconds: float = LEASE_SECONDS,
    on_report: Callable[[PollReport], None] | None = None,
) -> BackgroundScheduler:
    """A scheduler with a poll job per polling connection, kept in step with the connections table.

    A connection whose schedule options are invalid is stopped with the ConfigError that
    names the option. `on_report` sees every run's PollReport (tick taken, busy, polled...).
    """
    holder = holder or default_holder()
    scheduler = BackgroundScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
    )
    current: dict[str, Schedule] = {}
    configured: dict[str, str] = {}  # connection -> its settings as last seen, to rebuild a changed poller

    def run(name: str, schedule: Schedule) -> None:
        try:
            report = poll_connection(
                ctx, name, holder=holder, tick=schedule.slot(utcnow()), lease_seconds=lease_seconds
            )
            if report.messages:
                log.info("polled %s: %d messages in %d pages", name, report.messages, report.pages)
            if on_report is not None:
                on_report(report)
        except Exception:
            log.exception("poll of %s failed; it will run again at its next tick", name)

    def sync() -> None:
        """Add jobs for new polling connections, drop those of removed or disabled ones, follow schedule changes.

        A connection whose settings changed (re-configured, re-enabled) has its built poller dropped, so this
        instance polls with the new settings, whichever instance the change was made through.
        """
        with read_only(ctx.engine) as conn:
            settings = {r.name: _settings(r) for r in ctx.connections(conn)}
        for name, seen in list(configured.items()):
            if settings.get(name) != seen:
                ctx.forget(name)
        configured.clear()
        configured.update(settings)
        wanted: dict[str, Schedule] = {}
        for name, schedule in polling_schedules(ctx).items():
            if isinstance(schedule, ConfigError):
                stop_connection(ctx, name, schedule.code, schedule.message)
            else:
                wanted[f"poll:{name}"] = schedule
        for job in scheduler.get_jobs():
            if job.id.startswith("poll:") and wanted.get(job.id) != current.get(job.id):
                job.remove()
                current.pop(job.id, None)
        present = {job.id for job in scheduler.get_jobs()}
        for job_id, schedule in wanted.items():
            if job_id not in present:
                name = job_id.removeprefix("poll:")
                scheduler.add_job(run, schedule.trigger(), args=[name, schedule], id=job_id)
                current[job_id] = schedule

    sync()
    scheduler.add_job(sync, "interval", seconds=refresh_seconds, id="sync-connections")
    return scheduler
