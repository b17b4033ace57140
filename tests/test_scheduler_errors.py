"""Errors during a poll go through the error-to-action table: stop, wait for Retry-After, or back off; all recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from hub.context import HubContext
from hub.errors import ConfigError, RateLimited, RecordError, TransientError
from hub.model.ids import utcnow
from hub.outbox.retry import RetryPolicy
from hub.plugins.capabilities import Capability
from hub.plugins.registry import Registry
from hub.scheduler.jobs import build_scheduler, polling_schedules
from hub.scheduler.polling import poll_connection
from hub.scheduler.schedule import Schedule
from hub.scheduler.status import PollStatus, load_status
from hub.store.connections import ConnectionRecord, add_connection, get_connection
from hub.store.db import read_only
from hub.store.tables import poll_ticks
from tests.test_scheduler_adapters import Script, scripted_adapter

TOKEN = "tok-9f8e7d6c5b4a"
NO_JITTER = RetryPolicy(max_attempts=1_000_000, base=5.0, cap=900.0, jitter=0.0)


def setup(engine: Engine, tmp_path: Path, script: Script, **options: object) -> HubContext:
    registry = Registry()
    registry.register(scripted_adapter(script))
    with engine.begin() as conn:
        add_connection(
            conn,
            ConnectionRecord(
                name="wms", adapter="test_script", channel="wms", options=options, secret_refs={"token": "WMS_TOKEN"}
            ),
        )
    return HubContext(engine=engine, registry=registry, home=tmp_path, environ={"WMS_TOKEN": TOKEN})


def status(ctx: HubContext) -> PollStatus:
    with read_only(ctx.engine) as conn:
        return load_status(conn, ctx.tenant, "wms")


def test_config_error_stops_the_connection_with_a_reason_free_of_secrets(engine: Engine, tmp_path: Path) -> None:
    script = Script(errors=[ConfigError(f"HTTP 401 Unauthorized for token {TOKEN}", code="http_401")], feed=2)
    ctx = setup(engine, tmp_path, script)
    report = poll_connection(ctx, "wms")
    assert (report.outcome, report.error_code) == ("stopped", "http_401")
    assert report.stopped and "HTTP 401" in report.stopped and TOKEN not in report.stopped
    with read_only(engine) as conn:
        record = get_connection(conn, ctx.tenant, "wms")
    assert record is not None and not record.enabled and record.disabled_reason == report.stopped
    seen = status(ctx)
    assert (seen.last_error_code, seen.consecutive_errors, seen.last_success_at) == ("http_401", 1, None)
    assert seen.last_error and TOKEN not in seen.last_error and seen.last_poll_at is not None
    # A stopped connection is not polled again, by a scheduled tick or a direct call, until an operator restarts it.
    again = poll_connection(ctx, "wms", tick=utcnow().replace(microsecond=0))
    assert (again.outcome, script.calls) == ("disabled", 1)
    assert polling_schedules(ctx) == {}


def test_rate_limited_waits_for_retry_after(engine: Engine, tmp_path: Path) -> None:
    script = Script(errors=[RateLimited("slow down", retry_after=120, code="http_429")], feed=2)
    ctx = setup(engine, tmp_path, script)
    before = utcnow()
    report = poll_connection(ctx, "wms")
    assert (report.outcome, report.retry_in, report.error_code) == ("rate_limited", 120, "http_429")
    seen = status(ctx)
    assert seen.next_poll_at is not None
    assert before + timedelta(seconds=120) <= seen.next_poll_at <= utcnow() + timedelta(seconds=120)
    # The next scheduled tick claims its slot but does not call the other side before Retry-After has passed.
    tick = utcnow().replace(microsecond=0)
    waiting = poll_connection(ctx, "wms", tick=tick)
    assert waiting.outcome == "waiting" and waiting.retry_in and 0 < waiting.retry_in <= 120
    assert script.calls == 1
    with read_only(engine) as conn:
        assert conn.execute(select(poll_ticks.c.outcome)).scalars().all() == ["waiting"]
    # An operator's direct poll is not held back; its success clears the wait and the error streak.
    done = poll_connection(ctx, "wms")
    assert (done.outcome, done.messages) == ("polled", 2)
    seen = status(ctx)
    assert (seen.consecutive_errors, seen.next_poll_at, seen.last_error_code) == (0, None, "http_429")
    assert seen.last_success_at is not None and seen.messages_polled == 2 and seen.polls == 2


@pytest.mark.parametrize(
    "error, code",
    [
        (TransientError("read timed out", code="timeout"), "timeout"),
        (RateLimited("429 without a Retry-After", code="http_429"), "http_429"),  # no hint: backs off like a retry
        (RecordError("the page is not JSON", code="decode_error"), "decode_error"),  # the cursor cannot pass it
        (ValueError("bug in a client library"), "unexpected:ValueError"),
    ],
)
def test_other_failures_back_off_exponentially(engine: Engine, tmp_path: Path, error: Exception, code: str) -> None:
    script = Script(errors=[error, error, error], feed=1)
    ctx = setup(engine, tmp_path, script)
    waits = []
    for streak in (1, 2, 3):
        report = poll_connection(ctx, "wms", backoff=NO_JITTER)
        assert (report.outcome, report.error_code) == ("failed", code)
        waits.append(report.retry_in)
        seen = status(ctx)
        assert (seen.consecutive_errors, seen.last_error_code) == (streak, code)
        assert seen.next_poll_at is not None and seen.next_poll_at > utcnow()
    assert waits == [5.0, 10.0, 20.0]
    with read_only(engine) as conn:
        assert get_connection(conn, ctx.tenant, "wms").enabled  # backing off never stops the connection
    assert poll_connection(ctx, "wms").outcome == "polled" and status(ctx).consecutive_errors == 0


def test_missing_secret_stops_the_connection(engine: Engine, tmp_path: Path) -> None:
    ctx = setup(engine, tmp_path, Script(feed=1))
    ctx.environ = {}
    report = poll_connection(ctx, "wms")
    assert report.outcome == "stopped" and "WMS_TOKEN" in (report.stopped or "")
    assert status(ctx).last_error_code == "config_error"


def test_invalid_schedule_options_stop_the_connection_naming_the_option(engine: Engine, tmp_path: Path) -> None:
    ctx = setup(engine, tmp_path, Script(feed=1), poll_cron="*/5 * *")
    assert isinstance(polling_schedules(ctx)["wms"], ConfigError)
    scheduler = build_scheduler(ctx, holder="h")
    assert [job.id for job in scheduler.get_jobs()] == ["sync-connections"]
    with read_only(engine) as conn:
        record = get_connection(conn, ctx.tenant, "wms")
    assert record is not None and not record.enabled
    assert "'wms'" in (record.disabled_reason or "") and "poll_cron" in (record.disabled_reason or "")
    assert status(ctx).last_error_code == "config_error"


def test_scheduler_follows_schedule_changes(engine: Engine, tmp_path: Path) -> None:
    ctx = setup(engine, tmp_path, Script(feed=1), poll_interval_seconds=5)
    scheduler = build_scheduler(ctx, holder="h")
    assert polling_schedules(ctx) == {"wms": Schedule(interval=5.0)}
    assert scheduler.get_job("poll:wms").trigger.interval.total_seconds() == 5
    with engine.begin() as conn:
        add_connection(
            conn,
            ConnectionRecord(
                name="wms", adapter="test_script", channel="wms", options={"poll_cron": "*/5 * * * *"}, secret_refs={}
            ),
            replace=True,
        )
    scheduler.get_job("sync-connections").func()
    assert str(scheduler.get_job("poll:wms").trigger).startswith("cron[")
    assert scheduler.get_job("poll:wms").args[1] == Schedule(cron="*/5 * * * *")


def test_a_reconfigured_connection_is_polled_with_its_new_settings(engine: Engine, tmp_path: Path) -> None:
    ctx = setup(engine, tmp_path, Script(feed=1))
    scheduler = build_scheduler(ctx, holder="h")
    with read_only(engine) as conn:
        record = get_connection(conn, ctx.tenant, "wms")
    built = ctx.capability(record, Capability.POLLER)
    scheduler.get_job("sync-connections").func()
    assert ctx.capability(record, Capability.POLLER) is built  # unchanged settings: the poller is kept
    with engine.begin() as conn:  # e.g. through another instance's API: a new secret reference
        add_connection(conn, replace(record, secret_refs={"token": "WMS_TOKEN_2"}), replace=True)
    ctx.environ = {"WMS_TOKEN_2": "tok-new"}
    scheduler.get_job("sync-connections").func()
    with read_only(engine) as conn:
        record = get_connection(conn, ctx.tenant, "wms")
    assert ctx.capability(record, Capability.POLLER) is not built
