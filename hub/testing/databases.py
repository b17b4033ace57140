"""Test databases: a fresh SQLite file or a fresh PostgreSQL schema, migrated to head.

Used by the hub's own tests and by the conformance kit. PostgreSQL comes from
HUB_TEST_DATABASE_URL (default: the local server); where it is unreachable the tests
skip with the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from hub.store.db import make_engine
from hub.store.migrate import upgrade

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    return os.environ.get("HUB_TEST_DATABASE_URL", DEFAULT_PG_URL)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def postgres_unavailable_reason() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        engine = create_engine(postgres_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"PostgreSQL at {postgres_url()} is not reachable ({type(exc).__name__}: {str(exc)[:120]})"


@contextmanager
def sqlite_database(folder: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{folder / 'hub.db'}")
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def postgres_database(**engine_kw: object) -> Iterator[tuple[Engine, str]]:
    """A fresh schema on the test server, migrated; dropped afterwards. Yields (engine, schema)."""
    schema = f"hub_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(postgres_url(), schema=schema, **engine_kw)  # type: ignore[arg-type]
    try:
        upgrade(engine)
        yield engine, schema
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
