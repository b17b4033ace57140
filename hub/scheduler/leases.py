"""Leases: at most one holder of a named lease at a time, across processes and machines.

A lease expires `ttl_seconds` after it was last taken or extended, so a lease held by a
dead (or hung) instance frees itself. Work done under a lease is fenced: `still_held`,
called inside the transaction that writes the work, checks the lease is still ours and
extends it, and on PostgreSQL locks the lease row until that transaction commits.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, Engine, delete, or_, update
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


def still_held(conn: Connection, name: str, holder: str, ttl_seconds: float) -> bool:
    """Inside the caller's transaction: True (and the lease extended) only if `holder` still holds it, unexpired.

    The UPDATE locks the lease row until the caller commits, so no other instance can take the
    lease over between this check and the commit of the work it guards.
    """
    now = utcnow()
    changed = conn.execute(
        update(leases)
        .where(leases.c.name == name, leases.c.holder == holder, leases.c.expires_at >= now)
        .values(expires_at=now + timedelta(seconds=ttl_seconds))
    ).rowcount
    return changed == 1


def release(engine: Engine, name: str, holder: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(leases).where(leases.c.name == name, leases.c.holder == holder))
