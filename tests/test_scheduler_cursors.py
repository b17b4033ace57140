"""Cursors: value objects (closed lower bound, ids seen at it, upper cap) saved in the transaction of their page.

A process killed between pages (a real SIGKILL, in a child process) repeats nothing and skips
nothing when the next poll resumes; a page whose storing fails leaves neither its messages nor
its cursor behind.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, select, text

from hub.context import HubContext
from hub.plugins.messages import Cursor, Page, RawMessage
from hub.plugins.registry import Registry
from hub.scheduler.cursors import load_cursor
from hub.scheduler.polling import poll_connection
from hub.scheduler.status import load_status
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.tables import inbox, leases
from hub.testing.databases import postgres_url
from tests.test_scheduler_adapters import Script, page_of, scripted_adapter, seq

REPO = Path(__file__).resolve().parent.parent


def test_cursor_is_a_closed_lower_bound_with_the_ids_seen_at_it() -> None:
    start = Cursor(upper="t9")
    first = start.advance([("t1", "a"), ("t2", "b"), ("t2", "c")])
    assert first == Cursor(lower="t2", seen_at_lower=frozenset({"b", "c"}), upper="t9")  # the cap is kept
    # More items at the same boundary value add to the ids seen there; a higher value starts afresh.
    assert first.advance([("t2", "d")]).seen_at_lower == {"b", "c", "d"}
    assert first.advance([("t2", "d"), ("t3", "e")]) == Cursor(lower="t3", seen_at_lower=frozenset({"e"}), upper="t9")
    assert first.advance([]) is first
    assert Cursor.from_json(first.to_json()) == first and first.to_json()["seen_at_lower"] == ["b", "c"]
    assert Cursor.from_json(None) == Cursor()


def setup(engine: Engine, tmp_path: Path, script: Script) -> HubContext:
    registry = Registry()
    registry.register(scripted_adapter(script))
    with engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="feed", adapter="test_script", channel="feed"))
    return HubContext(engine=engine, registry=registry, home=tmp_path, environ={})


def stored(ctx: HubContext) -> list[str]:
    with read_only(ctx.engine) as conn:
        return conn.execute(select(inbox.c.transport_id).order_by(inbox.c.transport_id)).scalars().all()


def test_a_page_and_its_cursor_commit_together(engine: Engine, tmp_path: Path) -> None:
    def page_that_cannot_be_stored(context, cursor: Cursor) -> Page:
        page = page_of(context, cursor, [1, 2])
        first = RawMessage(**{**page.messages[0].__dict__, "id": "msg_fixed"})
        clash = RawMessage(**{**page.messages[1].__dict__, "id": "msg_fixed"})  # the same inbox id: the insert fails
        return Page([first, clash], page.next_cursor)

    script = Script(errors=[page_that_cannot_be_stored], feed=3)
    ctx = setup(engine, tmp_path, script)
    failed = poll_connection(ctx, "feed", page_limit=2)
    assert failed.outcome == "failed" and failed.error_code == "unexpected:IntegrityError"
    with read_only(engine) as conn:
        assert load_cursor(conn, ctx.tenant, "feed") == Cursor()  # the cursor did not move past unsaved messages
        status = load_status(conn, ctx.tenant, "feed")
    assert stored(ctx) == [] and (status.messages_polled, status.consecutive_errors) == (0, 1)
    report = poll_connection(ctx, "feed", page_limit=2)
    assert (report.outcome, report.pages, report.messages) == ("polled", 2, 3)
    assert stored(ctx) == [seq(1), seq(2), seq(3)]
    with read_only(engine) as conn:
        assert load_status(conn, ctx.tenant, "feed").messages_polled == 3


CRASHING_POLL = """
import os, signal, sys
from hub.context import HubContext
from hub.plugins.registry import Registry
from hub.scheduler.polling import poll_connection
from hub.store.db import make_engine
from tests.test_scheduler_adapters import Script, page_of, scripted_adapter

def serve(context, cursor):
    start = int(cursor.lower or 0) + 1
    return page_of(context, cursor, list(range(start, start + 3)), has_more=True)

def die(context, cursor):
    os.kill(os.getpid(), signal.SIGKILL)  # between pages: pages 1 and 2 are committed, page 3 never arrives

registry = Registry()
registry.register(scripted_adapter(Script(errors=[serve, serve, die])))
engine = make_engine(sys.argv[1], schema=sys.argv[2] or None)
poll_connection(HubContext(engine=engine, registry=registry, environ={}), "feed", page_limit=3, lease_seconds=1)
print("not reached")
"""


def test_a_crash_between_pages_repeats_nothing_and_skips_nothing(engine: Engine, tmp_path: Path) -> None:
    script = Script(feed=10)
    ctx = setup(engine, tmp_path, script)
    if engine.dialect.name == "sqlite":
        url, schema = engine.url.render_as_string(hide_password=False), ""
    else:
        with engine.connect() as conn:
            url, schema = postgres_url(), conn.execute(text("select current_schema()")).scalar_one()
    child = subprocess.run(
        [sys.executable, "-c", CRASHING_POLL, url, schema], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert stored(ctx) == [seq(n) for n in range(1, 7)]
    with read_only(engine) as conn:
        assert load_cursor(conn, ctx.tenant, "feed").lower == seq(6)
        expires = conn.execute(select(leases.c.expires_at)).scalar_one()  # the dead process's lease, left behind
    time.sleep(max(0.0, expires.timestamp() - time.time()) + 0.05)
    report = poll_connection(ctx, "feed", page_limit=3)  # another process resumes from the saved cursor
    assert (report.outcome, report.messages) == ("polled", 4)
    assert stored(ctx) == [seq(n) for n in range(1, 11)]
