"""Per-connection poll status (last poll, last success, last error, counts) and the tick slots instances claim."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, delete, select, update

from hub.errors import ConfigError
from hub.model.ids import utcnow
from hub.plugins.capabilities import Capability
from hub.plugins.messages import Cursor
from hub.scheduler.schedule import schedule_for
from hub.store.sql import insert_ignore
from hub.store.tables import connection_status, poll_ticks

if TYPE_CHECKING:
    from hub.context import HubContext
    from hub.store.connections import ConnectionRecord

TICKS_KEPT = timedelta(days=1)
"""Claimed tick rows older than this are pruned when a newer tick of the same connection is claimed."""


@dataclass(frozen=True)
class PollStatus:
    """What `hub connections list` shows about a connection's polls; the error text holds no secret."""

    connection: str
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error_code: str | None = None
    last_error: str | None = None
    consecutive_errors: int = 0
    polls: int = 0
    messages_polled: int = 0
    next_poll_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "last_poll_at": iso(self.last_poll_at),
            "last_success_at": iso(self.last_success_at),
            "last_error_at": iso(self.last_error_at),
            "last_error_code": self.last_error_code,
            "last_error": self.last_error,
            "consecutive_errors": self.consecutive_errors,
            "polls": self.polls,
            "messages_polled": self.messages_polled,
            "next_poll_at": iso(self.next_poll_at),
        }


def claim_tick(engine: Engine, tenant: str, connection: str, slot: datetime, holder: str) -> bool:
    """Claim tick `slot` of a connection for `holder`: True for exactly one claimant per (connection, slot)."""
    now = utcnow()
    with engine.begin() as conn:
        stmt = insert_ignore(conn, poll_ticks, ["tenant", "connection", "slot_at"]).values(
            tenant=tenant, connection=connection, slot_at=slot, holder=holder, outcome="claimed", messages=0,
            claimed_at=now,
        )  # fmt: skip
        won = conn.execute(stmt.returning(poll_ticks.c.holder)).first() is not None
        if won:
            conn.execute(
                delete(poll_ticks).where(
                    poll_ticks.c.tenant == tenant,
                    poll_ticks.c.connection == connection,
                    poll_ticks.c.slot_at < slot - TICKS_KEPT,
                )
            )
    return won


def finish_tick(
    engine: Engine, tenant: str, connection: str, slot: datetime, holder: str, outcome: str, messages: int
) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(poll_ticks)
            .where(
                poll_ticks.c.tenant == tenant,
                poll_ticks.c.connection == connection,
                poll_ticks.c.slot_at == slot,
                poll_ticks.c.holder == holder,
            )
            .values(outcome=outcome[:30], messages=messages, finished_at=utcnow())
        )


def _ensure(conn: Connection, tenant: str, connection: str) -> None:
    conn.execute(
        insert_ignore(conn, connection_status, ["tenant", "connection"]).values(
            tenant=tenant, connection=connection, consecutive_errors=0, polls=0, messages_polled=0, updated_at=utcnow()
        )
    )


def _where(tenant: str, connection: str) -> Any:
    return (connection_status.c.tenant == tenant) & (connection_status.c.connection == connection)


def poll_started(engine: Engine, tenant: str, connection: str) -> None:
    now = utcnow()
    with engine.begin() as conn:
        _ensure(conn, tenant, connection)
        conn.execute(
            update(connection_status)
            .where(_where(tenant, connection))
            .values(last_poll_at=now, polls=connection_status.c.polls + 1, updated_at=now)
        )


def page_saved(conn: Connection, tenant: str, connection: str, messages: int) -> None:
    """Count a page's messages in the transaction that stores them and their cursor (poll_started made the row)."""
    conn.execute(
        update(connection_status)
        .where(_where(tenant, connection))
        .values(messages_polled=connection_status.c.messages_polled + messages, updated_at=utcnow())
    )


def poll_succeeded(engine: Engine, tenant: str, connection: str) -> None:
    """A poll ended well (after poll_started made the row): the error streak and any wait are cleared."""
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            update(connection_status)
            .where(_where(tenant, connection))
            .values(last_success_at=now, consecutive_errors=0, next_poll_at=None, updated_at=now)
        )


def poll_failed(
    engine: Engine, tenant: str, connection: str, code: str, message: str, wait_seconds: float | None
) -> int:
    """Record a failed poll; the next scheduled poll waits `wait_seconds` (None: no wait). Returns the error streak."""
    now = utcnow()
    with engine.begin() as conn:
        _ensure(conn, tenant, connection)
        conn.execute(
            update(connection_status)
            .where(_where(tenant, connection))
            .values(
                last_error_at=now,
                last_error_code=code[:60],
                last_error=message,
                consecutive_errors=connection_status.c.consecutive_errors + 1,
                next_poll_at=None if wait_seconds is None else now + timedelta(seconds=wait_seconds),
                updated_at=now,
            )
        )
        return conn.execute(
            select(connection_status.c.consecutive_errors).where(_where(tenant, connection))
        ).scalar_one()


def load_status(conn: Connection, tenant: str, connection: str) -> PollStatus:
    row = conn.execute(select(connection_status).where(_where(tenant, connection))).first()
    return _status(row) if row is not None else PollStatus(connection)


def load_statuses(conn: Connection, tenant: str) -> dict[str, PollStatus]:
    rows = conn.execute(select(connection_status).where(connection_status.c.tenant == tenant))
    return {row.connection: _status(row) for row in rows}


def _status(row: Any) -> PollStatus:
    return PollStatus(
        connection=row.connection,
        last_poll_at=row.last_poll_at,
        last_success_at=row.last_success_at,
        last_error_at=row.last_error_at,
        last_error_code=row.last_error_code,
        last_error=row.last_error,
        consecutive_errors=row.consecutive_errors,
        polls=row.polls,
        messages_polled=row.messages_polled,
        next_poll_at=row.next_poll_at,
    )


def connection_row(
    ctx: HubContext, record: ConnectionRecord, status: PollStatus | None, cursor: Cursor | None
) -> dict[str, Any]:
    """A connection's public fields (secrets as the variables they come from), its schedule (pollers), poll status
    and cursor: what `hub connections list --json` and the API show."""
    row = record.public_dict()
    schedule: str | None = None
    if ctx.offers(record, Capability.POLLER):
        try:
            schedule = schedule_for(record.name, record.options).describe()
        except ConfigError as exc:
            schedule = f"invalid: {exc.message}"
    row["schedule"] = schedule
    row["poll"] = status.as_dict() if status is not None else None
    row["cursor"] = cursor.to_json() if cursor is not None and cursor != Cursor() else None
    return row
