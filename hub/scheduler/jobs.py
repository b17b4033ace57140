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


def build_scheduler(ctx: HubContext, *, holder: str | None = None) -> BackgroundScheduler:
    holder = holder or default_holder()
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})

    def run(name: str) -> None:
        try:
            report = poll_connection(ctx, name, holder=holder)
            if report.messages:
                log.info("polled %s: %d messages in %d pages", name, report.messages, report.pages)
        except Exception:
            log.exception("poll of %s failed; it will run again at its next tick", name)

    for name, interval in polling_connections(ctx):
        scheduler.add_job(
            run, "interval", seconds=interval, args=[name], id=f"poll:{name}", next_run_time=datetime.now(UTC)
        )
    return scheduler
