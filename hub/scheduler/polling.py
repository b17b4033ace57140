"""One leased poll of a connection: fetch pages after the saved cursor, store them raw with the new cursor.

A scheduled run first claims its tick (one claimant per connection and tick across all
instances), then takes the connection's lease (one poller at a time; a dead holder's lease
expires). Each page's raw messages, its cursor and its count are committed in one
transaction, fenced by the lease. A failure is looked up in the error-to-action table
(hub.outbox.actions.decide): stop the connection, wait for Retry-After, or back off.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime

from hub.context import HubContext
from hub.model.ids import utcnow
from hub.outbox.actions import Action, decide
from hub.outbox.redact import MAX_ERROR_CHARS, error_text
from hub.outbox.retry import RetryPolicy
from hub.pipeline.inbox import insert_raw
from hub.plugins.capabilities import Capability
from hub.scheduler.cursors import load_cursor, save_cursor
from hub.scheduler.leases import acquire, release, still_held
from hub.scheduler.status import (
    claim_tick,
    finish_tick,
    load_status,
    page_saved,
    poll_failed,
    poll_started,
    poll_succeeded,
)
from hub.secrets import secret_values
from hub.store.connections import ConnectionRecord, get_connection, set_enabled
from hub.store.db import read_only

log = logging.getLogger(__name__)

POLL_BACKOFF = RetryPolicy(max_attempts=1_000_000, base=5.0, cap=900.0, jitter=1.0)
"""Waits after failed polls: 5 s, 10 s, 20 s ... capped at 15 min. Polls never give up; a ConfigError stops them."""
LEASE_SECONDS = 120.0


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_name(tenant: str, connection: str) -> str:
    return f"poll:{tenant}:{connection}"


@dataclass
class PollReport:
    """What one run did. `outcome`: polled | tick_taken | busy | waiting | disabled | failed | rate_limited |
    stopped | lease_lost."""

    connection: str
    leased: bool
    pages: int = 0
    messages: int = 0
    stopped: str | None = None
    outcome: str = "polled"
    tick: datetime | None = None
    error_code: str | None = None
    error: str | None = None  # redacted
    retry_in: float | None = None


def poll_connection(
    ctx: HubContext,
    name: str,
    *,
    holder: str | None = None,
    page_limit: int = 100,
    max_pages: int = 50,
    lease_seconds: float = LEASE_SECONDS,
    tick: datetime | None = None,
    backoff: RetryPolicy = POLL_BACKOFF,
) -> PollReport:
    """Poll one connection if this process wins its tick (when `tick` is given) and its lease.

    Without `tick` (an operator's or a test's direct call) no tick is claimed and a pending
    backoff is not waited for. Each page's raw messages and the cursor after them are
    committed together: a crash between pages repeats nothing and skips nothing.
    """
    holder = holder or default_holder()
    if tick is None:
        return _poll(ctx, name, holder, page_limit, max_pages, lease_seconds, backoff, scheduled=False)
    if not claim_tick(ctx.engine, ctx.tenant, name, tick, holder):
        return PollReport(name, leased=False, outcome="tick_taken", tick=tick)
    report = PollReport(name, leased=False, outcome="failed", tick=tick)
    try:
        report = _poll(ctx, name, holder, page_limit, max_pages, lease_seconds, backoff, scheduled=True)
        report.tick = tick
        return report
    finally:
        finish_tick(ctx.engine, ctx.tenant, name, tick, holder, report.outcome, report.messages)


def _poll(
    ctx: HubContext,
    name: str,
    holder: str,
    page_limit: int,
    max_pages: int,
    lease_seconds: float,
    backoff: RetryPolicy,
    *,
    scheduled: bool,
) -> PollReport:
    with read_only(ctx.engine) as conn:
        record = get_connection(conn, ctx.tenant, name, missing_ok=True)
        status = load_status(conn, ctx.tenant, name)
    if record is None or not record.enabled:
        reason = "connection removed" if record is None else record.disabled_reason or "connection disabled"
        return PollReport(name, leased=False, outcome="disabled", stopped=reason)
    if scheduled and status.next_poll_at is not None:
        wait = (status.next_poll_at - utcnow()).total_seconds()
        if wait > 0:
            return PollReport(name, leased=False, outcome="waiting", retry_in=wait)
    lease = lease_name(ctx.tenant, name)
    if not acquire(ctx.engine, lease, holder, lease_seconds):
        return PollReport(name, leased=False, outcome="busy")
    report = PollReport(name, leased=True)
    try:
        poll_started(ctx.engine, ctx.tenant, name)
        try:
            _pages(ctx, record, report, lease, holder, page_limit, max_pages, lease_seconds)
        except Exception as exc:
            _failed(ctx, record, report, exc, backoff)
            return report
        if report.outcome == "polled":
            poll_succeeded(ctx.engine, ctx.tenant, name)
        return report
    finally:
        release(ctx.engine, lease, holder)


def _pages(
    ctx: HubContext,
    record: ConnectionRecord,
    report: PollReport,
    lease: str,
    holder: str,
    page_limit: int,
    max_pages: int,
    lease_seconds: float,
) -> None:
    poller = ctx.capability(record, Capability.POLLER)
    for _ in range(max_pages):
        with read_only(ctx.engine) as conn:
            cursor = load_cursor(conn, ctx.tenant, record.name)
        page = poller.poll(cursor, limit=page_limit)
        with ctx.engine.begin() as conn:
            if not still_held(conn, lease, holder, lease_seconds):
                report.outcome = "lease_lost"
                log.warning("poll of %s: the lease expired during the poll; its last page is dropped", record.name)
                return
            for message in page.messages:
                insert_raw(conn, message)
            save_cursor(conn, ctx.tenant, record.name, page.next_cursor)
            page_saved(conn, ctx.tenant, record.name, len(page.messages))
        report.pages += 1
        report.messages += len(page.messages)
        if not page.has_more:
            return


def stop_connection(ctx: HubContext, name: str, code: str, text: str) -> None:
    """Disable a connection for an operator to look at (its poll status says why) and drop what was built for it."""
    with ctx.engine.begin() as conn:
        set_enabled(conn, ctx.tenant, name, False, text[:MAX_ERROR_CHARS])
    ctx.forget(name)
    poll_failed(ctx.engine, ctx.tenant, name, code, text, None)
    log.error("connection %s stopped (%s): %s", name, code, text)


def _failed(
    ctx: HubContext, record: ConnectionRecord, report: PollReport, exc: Exception, backoff: RetryPolicy
) -> None:
    """Record a failed poll and act on it as the error-to-action table says."""
    decision = decide(exc)
    text = error_text(exc, secret_values(ctx, record))
    report.error_code, report.error = decision.code, text
    if decision.action is Action.STOP_CONNECTION:
        stop_connection(ctx, record.name, decision.code, text)
        report.outcome, report.stopped = "stopped", text
        return
    if decision.action is Action.RATE_LIMITED and decision.delay is not None:
        report.outcome, report.retry_in = "rate_limited", max(decision.delay, 0.0)
    else:  # retry, or a bad page the poller raised as a record error: the cursor cannot pass it, so back off too
        with read_only(ctx.engine) as conn:
            streak = load_status(conn, ctx.tenant, record.name).consecutive_errors + 1
        report.outcome, report.retry_in = "failed", backoff.delay(streak)
    poll_failed(ctx.engine, ctx.tenant, record.name, decision.code, text, report.retry_in)
    log.warning("poll of %s failed (%s), next in %.0fs: %s", record.name, decision.code, report.retry_in, text)
