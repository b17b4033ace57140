"""Small dialect-aware SQL helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Insert

_INSERT_IGNORE: dict[tuple[str, Table, tuple[str, ...], tuple[str, ...]], Insert] = {}


def insert_ignore(
    conn: Connection, table: Table, conflict_cols: Sequence[str], *, returning: Sequence[str] = ()
) -> Insert:
    """INSERT ... ON CONFLICT (cols) DO NOTHING [RETURNING cols] for SQLite and PostgreSQL.

    Built once per dialect and shape: a hot path that executes it with parameter rows (rather than `.values()`)
    pays neither the building nor the cache-key walk of a statement made afresh each time.
    """
    key = (conn.dialect.name, table, tuple(conflict_cols), tuple(returning))
    stmt = _INSERT_IGNORE.get(key)
    if stmt is None:
        dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
        stmt = dialect.insert(table).on_conflict_do_nothing(index_elements=list(conflict_cols))
        if returning:
            stmt = stmt.returning(*(table.c[name] for name in returning))
        _INSERT_IGNORE[key] = stmt
    return stmt


def upsert(conn: Connection, table: Table, conflict_cols: list[str], update: dict[str, Any]) -> Any:
    """A factory for INSERT ... ON CONFLICT (cols) DO UPDATE SET <update from excluded>."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(table)
    values = {k: (stmt.excluded[k] if v is None else v) for k, v in update.items()}
    return stmt.on_conflict_do_update(index_elements=conflict_cols, set_=values)


def for_update_skip_locked(conn: Connection, select: Any) -> Any:
    """Row claiming: FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's write lock already serialises."""
    if conn.dialect.name == "postgresql":
        return select.with_for_update(skip_locked=True)
    return select
