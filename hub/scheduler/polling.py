"""One leased poll of a connection: fetch pages after the saved cursor, store them raw with the new cursor."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass

from hub.context import HubContext
from hub.errors import ConfigError
from hub.pipeline.inbox import insert_raw
from hub.plugins.capabilities import Capability
from hub.scheduler.cursors import load_cursor, save_cursor
from hub.scheduler.leases import acquire, release
from hub.store.connections import ConnectionRecord, set_enabled
from hub.store.db import read_only

log = logging.getLogger(__name__)


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class PollReport:
    connection: str
    leased: bool
    pages: int = 0
    messages: int = 0
    stopped: str | None = None


def poll_connection(
    ctx: HubContext,
    name: str,
    *,
    holder: str | None = None,
    page_limit: int = 100,
    max_pages: int = 50,
    lease_seconds: float = 300,
) -> PollReport:
    """Poll one connection if this process wins its lease.

    Each page's raw messages and the cursor after them are committed together: a crash
    between pages repeats nothing and skips nothing.
    """
    holder = holder or default_holder()
    lease = f"poll:{ctx.tenant}:{name}"
    if not acquire(ctx.engine, lease, holder, lease_seconds):
        return PollReport(name, leased=False)
    report = PollReport(name, leased=True)
    try:
        with read_only(ctx.engine) as conn:
            record: ConnectionRecord = ctx.connection(conn, name)
        if not record.enabled:
            report.stopped = record.disabled_reason or "connection disabled"
            return report
        poller = ctx.capability(record, Capability.POLLER)
        for _ in range(max_pages):
            with read_only(ctx.engine) as conn:
                cursor = load_cursor(conn, ctx.tenant, name)
            try:
                page = poller.poll(cursor, limit=page_limit)
            except ConfigError as exc:
                with ctx.engine.begin() as conn:
                    set_enabled(conn, ctx.tenant, name, False, exc.message)
                report.stopped = exc.message
                log.error("connection %s stopped: %s", name, exc.message)
                return report
            with ctx.engine.begin() as conn:
                for message in page.messages:
                    insert_raw(conn, message)
                save_cursor(conn, ctx.tenant, name, page.next_cursor)
            report.pages += 1
            report.messages += len(page.messages)
            if not page.has_more:
                break
            acquire(ctx.engine, lease, holder, lease_seconds)  # extend while we work
        return report
    finally:
        release(ctx.engine, lease, holder)
