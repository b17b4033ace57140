"""Gap-free control numbers per partner: drawn once per outbound message, in the transaction that records them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from hub.model.ids import utcnow
from hub.store.sql import upsert
from hub.store.tables import control_numbers, outbox, sent_envelopes


def draw(conn: Connection, tenant: str, scope: str, counters: Sequence[str]) -> dict[str, int]:
    """The next value of each counter of `scope` (1 first). Gap-free: a rolled-back transaction draws nothing.

    The increment is one row update, so concurrent workers queue on the counter's row (PostgreSQL) or
    on the write lock (SQLite) and never draw the same value.
    """
    drawn: dict[str, int] = {}
    t = control_numbers.c
    for counter in counters:
        stmt = upsert(conn, control_numbers, ["tenant", "scope", "counter"], {"value": t.value + 1})
        stmt = stmt.values(tenant=tenant, scope=scope, counter=counter, value=1)
        drawn[counter] = int(conn.execute(stmt.returning(t.value)).scalar_one())
    return drawn


def number_message(
    conn: Connection, tenant: str, outbox_id: str, kind: str, scope: str, counters: Sequence[str]
) -> dict[str, int]:
    """Draw numbers for one outbox row (once: a row that has them keeps them) and record what was sent under them."""
    have = conn.execute(select(outbox.c.control_numbers).where(outbox.c.id == outbox_id)).scalar()
    if have:
        return {k: int(v) for k, v in dict(have).items()}
    numbers = draw(conn, tenant, scope, counters)
    conn.execute(outbox.update().where(outbox.c.id == outbox_id).values(control_numbers=numbers))
    now = utcnow()
    conn.execute(
        sent_envelopes.insert(),
        [
            {
                "tenant": tenant,
                "scope": scope,
                "counter": counter,
                "value": value,
                "outbox_id": outbox_id,
                "kind": kind,
                "created_at": now,
            }
            for counter, value in numbers.items()
        ],
    )
    return numbers


def sent_envelope(conn: Connection, tenant: str, scope: str, counter: str, value: int) -> Any:
    """The record of what the hub sent under a control number, or None."""
    s = sent_envelopes.c
    return conn.execute(
        select(sent_envelopes).where(s.tenant == tenant, s.scope == scope, s.counter == counter, s.value == value)
    ).first()


def last_drawn(conn: Connection, tenant: str, scope: str) -> dict[str, int]:
    t = control_numbers.c
    rows = conn.execute(select(t.counter, t.value).where(t.tenant == tenant, t.scope == scope))
    return {r.counter: int(r.value) for r in rows}
