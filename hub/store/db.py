"""Engines for the embedded default (SQLite file, WAL) and production (PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event

BUSY_TIMEOUT_SECONDS = 60
"""How long a SQLite connection waits for another's write lock before it fails with "database is locked"."""
BUSY_TIMEOUT_PRAGMA = f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}"


def hub_home() -> Path:
    """The folder for config, the embedded database and outbound files (HUB_HOME, default ./.hub)."""
    return Path(os.environ.get("HUB_HOME", ".hub"))


def database_url() -> str:
    """HUB_DATABASE_URL, or the embedded SQLite file in HUB_HOME."""
    url = os.environ.get("HUB_DATABASE_URL")
    if url:
        return url
    home = hub_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'hub.db'}"


def make_engine(url: str | None = None, *, schema: str | None = None, **kw: Any) -> Engine:
    """An engine tuned for the hub: SQLite in WAL with immediate write transactions,
    PostgreSQL with an optional schema (search_path) for isolated test runs."""
    url = url or database_url()
    schema = schema or os.environ.get("HUB_DATABASE_SCHEMA")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False}, **kw)
        _tune_sqlite(engine)
        return engine
    kw.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kw)
    if schema:

        @event.listens_for(engine, "connect")
        def _search_path(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute(f'SET search_path TO "{schema}"')
            dbapi_conn.commit()

    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(BUSY_TIMEOUT_PRAGMA)
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Writers take the write lock up front, so two of them never fail on a lock upgrade;
        # connections opened with read_only() start a plain (deferred) read transaction.
        options = conn.get_execution_options()
        if options.get("hub_readonly", False):
            conn.exec_driver_sql("BEGIN")
        elif options.get(POLL_WRITE_LOCK, False):
            _begin_polling(conn.connection.driver_connection)
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


POLL_WRITE_LOCK = "hub_poll_write_lock"
"""Execution option for a latency-sensitive SQLite writer (the webhook intake): wait for the write lock by
trying every half millisecond instead of in SQLite's busy handler, whose sleeps grow to 100 ms. A writer that
sleeps 100 ms between tries almost never finds the lock free while a busy worker takes it again at once."""
LOCK_POLL_SECONDS = 0.0005
LOCK_WAIT_SECONDS = BUSY_TIMEOUT_SECONDS


def _begin_polling(dbapi_conn: Any) -> None:
    """BEGIN IMMEDIATE, retried every LOCK_POLL_SECONDS while another connection writes (up to LOCK_WAIT_SECONDS)."""
    import sqlite3
    import time

    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    dbapi_conn.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                dbapi_conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(LOCK_POLL_SECONDS)
    finally:
        dbapi_conn.execute(BUSY_TIMEOUT_PRAGMA)


@contextmanager
def read_only(engine: Engine) -> Iterator[Connection]:
    """A connection for reading only: on SQLite it does not take the write lock."""
    with engine.connect() as conn:
        yield conn.execution_options(hub_readonly=True)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
