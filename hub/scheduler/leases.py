"""Leases: at most one holder of a named lease at a time, across processes and machines."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, delete, or_
from sqlalchemy.dialects import postgresql, sqlite

from hub.model.ids import utcnow
from hub.store.tables import leases


def acquire(engine: Engine, name: str, holder: str, ttl_seconds: float) -> bool:
    """Take (or extend) the lease if it is free, expired, or already ours. One atomic statement."""
    now = utcnow()
    expires = now + timedelta(seconds=ttl_seconds)
    with engine.begin() as conn:
        dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
        stmt = dialect.insert(leases).values(name=name, holder=holder, expires_at=expires)
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": holder, "expires_at": expires},
            where=or_(leases.c.expires_at < now, leases.c.holder == holder),
        ).returning(leases.c.holder)
        row = conn.execute(stmt).first()
    return row is not None and row.holder == holder


def release(engine: Engine, name: str, holder: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(leases).where(leases.c.name == name, leases.c.holder == holder))
