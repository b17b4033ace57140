"""The scheduler: an APScheduler job per polling connection, each run taking the connection's lease."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from hub.context import HubContext
from hub.plugins.capabilities import Capability
from hub.scheduler.polling import default_holder, poll_connection
from hub.store.db import read_only

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_SECONDS = 60
REFRESH_SECONDS = 30


def polling_connections(ctx: HubContext) -> list[tuple[str, float]]:
    """(connection name, interval seconds) for every enabled connection whose adapter can poll."""
    with read_only(ctx.engine) as conn:
        records = ctx.connections(conn)
    out = []
    for record in records:
        if record.enabled and ctx.offers(record, Capability.POLLER):
            interval = float(record.options.get("poll_interval_seconds", DEFAULT_INTERVAL_SECONDS))
            out.append((record.name, interval))
    return out


def build_scheduler(
    ctx: HubContext, *, holder: str | None = None, refresh_seconds: float = REFRESH_SECONDS
) -> BackgroundScheduler:
    """A scheduler with a poll job per polling connection, kept in step with the connections table."""
    holder = holder or default_holder()
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})

    def run(name: str) -> None:
        try:
            report = poll_connection(ctx, name, holder=holder)
            if report.messages:
                log.info("polled %s: %d messages in %d pages", name, report.messages, report.pages)
        except Exception:
            log.exception("poll of %s failed; it will run again at its next tick", name)

    def sync() -> None:
        """Add jobs for new polling connections, drop those of removed or disabled ones, follow interval changes."""
        wanted = {f"poll:{name}": (name, interval) for name, interval in polling_connections(ctx)}
        for job in scheduler.get_jobs():
            if job.id.startswith("poll:") and (
                job.id not in wanted or job.trigger.interval.total_seconds() != wanted[job.id][1]
            ):
                job.remove()
        present = {job.id for job in scheduler.get_jobs()}
        for job_id, (name, interval) in wanted.items():
            if job_id not in present:
                scheduler.add_job(
                    run, "interval", seconds=interval, args=[name], id=job_id, next_run_time=datetime.now(UTC)
                )

    sync()
    scheduler.add_job(sync, "interval", seconds=refresh_seconds, id="sync-connections")
    return scheduler
