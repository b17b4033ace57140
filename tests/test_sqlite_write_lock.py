"""SQLite writers that poll for the write lock (POLL_WRITE_LOCK): they wait it out, then write; they give up in time."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, exc, text

from hub.store import db
from hub.store.db import POLL_WRITE_LOCK, make_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def hold_write_lock(engine: Engine, release: threading.Event, held: threading.Event) -> None:
    with engine.begin() as conn:  # BEGIN IMMEDIATE: the write lock until commit
        conn.execute(text("INSERT INTO t VALUES (1)"))
        held.set()
        release.wait(10)


def test_a_polling_writer_waits_for_the_lock_then_writes(engine: Engine) -> None:
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(engine, release, held))
    holder.start()
    assert held.wait(10)
    order: list[str] = []
    threading.Timer(0.3, lambda: (order.append("released"), release.set())).start()
    with engine.connect() as conn:
        polling = conn.execution_options(**{POLL_WRITE_LOCK: True})
        with polling.begin():
            order.append("locked")
            polling.execute(text("INSERT INTO t VALUES (2)"))
        timeout = polling.exec_driver_sql("PRAGMA busy_timeout").scalar()
    holder.join(10)
    assert order == ["released", "locked"]
    assert timeout == 60000  # the connection's normal busy timeout is back for whoever uses it next
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT n FROM t")).scalars()) == [1, 2]


def test_a_polling_writer_gives_up_after_the_wait(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "LOCK_WAIT_SECONDS", 0.05)
    release, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(engine, release, held))
    holder.start()
    try:
        assert held.wait(10)
        with engine.connect() as conn, pytest.raises((exc.OperationalError, sqlite3.OperationalError)) as raised:
            conn.execution_options(**{POLL_WRITE_LOCK: True}).begin()
        assert "database is locked" in str(raised.value)
    finally:
        release.set()
        holder.join(10)
