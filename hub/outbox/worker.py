"""The outbox worker: claim due messages, deliver each through its connection's sink, record what happened.

Claiming is one short transaction (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's write
lock serialises claimers): rows become `delivering` with a lease and one more attempt.
Delivery happens outside any transaction. Each outcome is then written in its own
transaction, fenced by the lease, so a worker that lost its lease changes nothing. A
worker that dies mid-delivery leaves the lease to expire; the row is claimed again.
What a failure leads to is looked up in `hub.outbox.actions`; bodies are never logged.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from hub.context import HubContext
from hub.model.ids import utcnow
from hub.outbox.actions import Action, decide
from hub.outbox.hooks import hooks_for, register_builtin_hooks
from hub.outbox.numbering import number_message
from hub.outbox.redact import MAX_ERROR_CHARS, error_text
from hub.outbox.retry import RetryPolicy
from hub.outbox.rows import KIND_CAPABILITY, OutboxRow
from hub.plugins.messages import OutboundMessage
from hub.secrets import secret_values
from hub.store.connections import ConnectionRecord, set_enabled
from hub.store.db import read_only
from hub.store.sql import for_update_skip_locked
from hub.store.tables import connections, outbox

log = logging.getLogger(__name__)

register_builtin_hooks()


class DeliveryOutcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    DEAD = "dead"
    STOPPED = "stopped"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class DeliveryResult:
    """What became of one claimed message; `retry_in` is the delay chosen for a retry, in seconds."""

    id: str
    connection: str
    kind: str
    outcome: DeliveryOutcome
    attempts: int
    error: str | None = None
    error_code: str | None = None
    retry_in: float | None = None


@dataclass
class _Batch:
    lease_until: datetime
    rows: list[OutboxRow] = field(default_factory=list)
    settled: list[DeliveryResult] = field(default_factory=list)
    records: dict[str, ConnectionRecord] = field(default_factory=dict)
    stopped: dict[str, str] = field(default_factory=dict)  # connection -> why it was stopped in this batch
    secrets: dict[str, list[str]] = field(default_factory=dict)


class _Failure(Exception):
    """A row the worker cannot even try to deliver (unknown connection or kind, no sink)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class OutboxWorker:
    """Delivers the outbox of one tenant. Any number of workers may run side by side."""

    def __init__(
        self,
        ctx: HubContext,
        policy: RetryPolicy | None = None,
        lease_seconds: float = 60,
        worker_id: str | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.ctx = ctx
        self.policy = policy or RetryPolicy()
        self.lease_seconds = lease_seconds
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.clock = clock

    # -- entry points -------------------------------------------------------------------------------
    def run_once(self, limit: int = 50) -> list[DeliveryResult]:
        """Claim up to `limit` due messages, deliver them, and return what became of each."""
        batch = self._claim(limit)
        results = list(batch.settled)
        for row in batch.rows:
            results.append(self._process(row, batch))
        for result in results:
            self._log(result)
        return results

    def drain(self, max_rounds: int | None = None, *, wait: bool = False, limit: int = 50) -> list[DeliveryResult]:
        """Run until nothing is due. With `wait`, also sleep until messages waiting for a retry are due."""
        results: list[DeliveryResult] = []
        rounds = 0
        while max_rounds is None or rounds < max_rounds:
            rounds += 1
            got = self.run_once(limit)
            if got:
                results += got
                continue
            due = self.next_due() if wait else None
            if due is None:
                break
            time.sleep(max((due - self.clock()).total_seconds(), 0.0))
        return results

    def next_due(self) -> datetime | None:
        """When the next message becomes due (a retry, or an expired lease); None when nothing is waiting."""
        with read_only(self.ctx.engine) as conn:
            pending = conn.execute(
                select(func.min(outbox.c.next_attempt_at)).where(
                    outbox.c.tenant == self.ctx.tenant,
                    outbox.c.status == "pending",
                    outbox.c.connection.not_in(self._disabled()),
                )
            ).scalar()
            leased = conn.execute(
                select(func.min(outbox.c.lease_until)).where(
                    outbox.c.tenant == self.ctx.tenant, outbox.c.status == "delivering"
                )
            ).scalar()
        found = [_aware(t) for t in (pending, leased) if t is not None]
        return min(found) if found else None

    # -- claiming -----------------------------------------------------------------------------------
    def _disabled(self) -> Any:
        return select(connections.c.name).where(connections.c.tenant == self.ctx.tenant, connections.c.enabled == 0)

    def _claim(self, limit: int) -> _Batch:
        now = self.clock()
        batch = _Batch(lease_until=now + timedelta(seconds=self.lease_seconds))
        due = or_(
            and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= now),
            and_(outbox.c.status == "delivering", or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now)),
        )
        query = (
            select(outbox)
            .where(outbox.c.tenant == self.ctx.tenant, due, outbox.c.connection.not_in(self._disabled()))
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(limit)
        )
        with self.ctx.engine.begin() as conn:
            rows = conn.execute(for_update_skip_locked(conn, query)).all()
            if not rows:
                return batch
            stale = _superseded(conn, self.ctx.tenant, rows)
            lost = {r.id for r in rows if r.status == "delivering" and self.policy.gives_up(r.attempts)}
            live = [r for r in rows if r.id not in stale and r.id not in lost]
            if stale:
                conn.execute(
                    outbox.update().where(outbox.c.id.in_(stale)).values(status="superseded", lease_until=None)
                )
            for row in rows:
                if row.id in lost:
                    error = (
                        f"the worker delivering it stopped {row.attempts} times before finishing; "
                        "check the other system before replaying (it may have been delivered)"
                    )
                    conn.execute(
                        outbox.update()
                        .where(outbox.c.id == row.id)
                        .values(status="dead", lease_until=None, last_error=error, last_error_code="lease_expired")
                    )
                    batch.settled.append(_result(OutboxRow.from_row(row), DeliveryOutcome.DEAD, error, "lease_expired"))
                elif row.id in stale:
                    batch.settled.append(_result(OutboxRow.from_row(row), DeliveryOutcome.SUPERSEDED))
            if live:
                conn.execute(
                    outbox.update()
                    .where(outbox.c.id.in_([r.id for r in live]))
                    .values(status="delivering", lease_until=batch.lease_until, attempts=outbox.c.attempts + 1)
                )
            batch.rows = [OutboxRow.from_row(r, attempts=r.attempts + 1) for r in live]
            batch.records = {c.name: c for c in self.ctx.connections(conn)}
        return batch

    # -- delivering ---------------------------------------------------------------------------------
    def _process(self, row: OutboxRow, batch: _Batch) -> DeliveryResult:
        if row.connection in batch.stopped:
            return self._put_back(row, batch, batch.stopped[row.connection])
        record = batch.records.get(row.connection)
        try:
            sink = self._sink(row, record)
            message = self._numbered(row, sink, batch)
            if message is None:
                return _result(row, DeliveryOutcome.RETRY, "lease lost before numbering", "lease_lost")
            sink.deliver(message)
        except _Failure as failure:
            return self._dead(row, batch, failure.message, failure.code)
        except Exception as exc:
            return self._failed(row, record, batch, exc)
        return self._delivered(row, batch)

    def _sink(self, row: OutboxRow, record: ConnectionRecord | None) -> Any:
        if record is None:
            raise _Failure(
                f"connection {row.connection!r} no longer exists; nothing can deliver this message",
                "unknown_connection",
            )
        capability = KIND_CAPABILITY.get(row.kind)
        if capability is None:
            known = ", ".join(sorted(KIND_CAPABILITY))
            raise _Failure(f"no sink delivers {row.kind!r} messages; known kinds: {known}", "unknown_kind")
        adapter = self.ctx.registry.get(record.adapter)  # not installed: UnknownAdapter stops the connection
        if capability not in adapter.capabilities:
            raise _Failure(
                f"connection {record.name!r} (adapter {record.adapter}) has no {capability} "
                f"to deliver {row.kind!r} messages",
                "no_sink",
            )
        return self.ctx.capability(record, capability)

    def _numbered(self, row: OutboxRow, sink: Any, batch: _Batch) -> OutboundMessage | None:
        """The message to deliver, with control numbers drawn first (once) when the sink numbers envelopes."""
        message = row.message()
        numbering = getattr(sink, "numbering", None)
        if row.control_numbers or not callable(numbering):
            return message
        wanted = numbering(message)
        if wanted is None:
            return message
        with self.ctx.engine.begin() as conn:
            still_ours = conn.execute(
                select(outbox.c.id).where(
                    outbox.c.id == row.id, outbox.c.status == "delivering", outbox.c.lease_until == batch.lease_until
                )
            ).first()
            if still_ours is None:
                return None
            numbers = number_message(conn, self.ctx.tenant, row.id, row.kind, wanted.scope, wanted.counters)
        return replace(message, control_numbers=numbers)

    # -- recording outcomes -------------------------------------------------------------------------
    def _delivered(self, row: OutboxRow, batch: _Batch) -> DeliveryResult:
        now = self.clock()
        values: dict[str, Any] = {
            "status": "delivered",
            "delivered_at": now,
            "lease_until": None,
            "last_error": None,
            "last_error_code": None,
        }
        with self.ctx.engine.begin() as conn:
            if not self._settle(conn, row, batch, values):
                return _result(row, DeliveryOutcome.DELIVERED, "lease lost before recording", "lease_lost")
            for hook in hooks_for(row.kind):
                savepoint = conn.begin_nested()
                try:
                    hook(conn, row)
                    savepoint.commit()
                except Exception as exc:
                    savepoint.rollback()
                    name = getattr(hook, "__name__", repr(hook))
                    error = f"delivered, but the {row.kind} hook {name} failed: {type(exc).__name__}"
                    log.exception("outbox %s (%s): delivery hook %s failed", row.id, row.kind, name)
                    conn.execute(
                        outbox.update()
                        .where(outbox.c.id == row.id)
                        .values(last_error=error, last_error_code="hook_failed")
                    )
                    return _result(row, DeliveryOutcome.DELIVERED, error, "hook_failed")
        return _result(row, DeliveryOutcome.DELIVERED)

    def _failed(self, row: OutboxRow, record: ConnectionRecord | None, batch: _Batch, exc: Exception) -> DeliveryResult:
        decision = decide(exc)
        error = self._scrub(exc, record, batch)
        action = decision.action
        if action is Action.RATE_LIMITED and decision.delay is None:
            action = Action.RETRY  # no hint: back off like any retry, and the attempt counts
        if action is Action.RETRY and self.policy.gives_up(row.attempts):
            return self._dead(row, batch, f"gave up after {row.attempts} attempts: {error}", decision.code)
        if action is Action.DEAD_LETTER:
            return self._dead(row, batch, error, decision.code)
        if action is Action.STOP_CONNECTION:
            reason = f"stopped by the outbox: {row.kind} message {row.id} failed: {error}"
            return self._put_back(row, batch, reason, stop=True, error=error, code=decision.code)
        attempts = row.attempts if action is Action.RETRY else row.attempts - 1  # rate limited: not an attempt
        delay = self.policy.delay(row.attempts, decision.delay)
        values: dict[str, Any] = {
            "status": "pending",
            "attempts": attempts,
            "next_attempt_at": self.clock() + timedelta(seconds=delay),
            "lease_until": None,
            "last_error": error,
            "last_error_code": decision.code,
        }
        with self.ctx.engine.begin() as conn:
            self._settle(conn, row, batch, values)
        return _result(row, DeliveryOutcome.RETRY, error, decision.code, attempts=attempts, retry_in=delay)

    def _dead(self, row: OutboxRow, batch: _Batch, error: str, code: str) -> DeliveryResult:
        values: dict[str, Any] = {
            "status": "dead",
            "lease_until": None,
            "last_error": error,
            "last_error_code": code[:60],
        }
        with self.ctx.engine.begin() as conn:
            self._settle(conn, row, batch, values)
        return _result(row, DeliveryOutcome.DEAD, error, code)

    def _put_back(
        self,
        row: OutboxRow,
        batch: _Batch,
        reason: str,
        *,
        stop: bool = False,
        error: str | None = None,
        code: str = "connection_stopped",
    ) -> DeliveryResult:
        """The connection is stopped: the message waits, pending, without spending an attempt."""
        attempts = row.attempts - 1
        values: dict[str, Any] = {
            "status": "pending",
            "attempts": attempts,
            "next_attempt_at": self.clock(),
            "lease_until": None,
        }
        if error is not None:
            values.update(last_error=error, last_error_code=code)
        with self.ctx.engine.begin() as conn:
            if self._settle(conn, row, batch, values) and stop:
                set_enabled(conn, self.ctx.tenant, row.connection, False, reason[:MAX_ERROR_CHARS])
                self.ctx.forget(row.connection)
                batch.stopped[row.connection] = reason
                log.warning("connection %s stopped after outbox %s (%s) failed", row.connection, row.id, row.kind)
        return _result(row, DeliveryOutcome.STOPPED, error or reason, code, attempts=attempts)

    def _settle(self, conn: Connection, row: OutboxRow, batch: _Batch, values: dict[str, Any]) -> bool:
        """Write an outcome if the row is still ours (same lease); False when another worker took it over."""
        if isinstance(values.get("last_error"), str):
            values["last_error"] = values["last_error"][:MAX_ERROR_CHARS]
        changed = conn.execute(
            outbox.update()
            .where(
                outbox.c.id == row.id,
                outbox.c.status == "delivering",
                outbox.c.lease_until == batch.lease_until,
            )
            .values(**values)
        ).rowcount
        if not changed:
            log.warning(
                "outbox %s (%s): lease lost before its outcome was recorded (worker %s)",
                row.id,
                row.kind,
                self.worker_id,
            )
        return bool(changed)

    def _scrub(self, exc: BaseException, record: ConnectionRecord | None, batch: _Batch) -> str:
        """The error as it may be stored: its message only, the connection's secret values blanked out."""
        if record is not None and record.name not in batch.secrets:
            batch.secrets[record.name] = secret_values(self.ctx, record)
        return error_text(exc, batch.secrets.get(record.name, []) if record else [])

    def _log(self, result: DeliveryResult) -> None:
        quiet = result.outcome in {DeliveryOutcome.DELIVERED, DeliveryOutcome.SUPERSEDED} and not result.error
        level = logging.INFO if quiet else logging.WARNING
        log.log(
            level,
            "outbox %s (%s to %s): %s, attempt %d%s",
            result.id,
            result.kind,
            result.connection,
            result.outcome,
            result.attempts,
            f": [{result.error_code}] {result.error}" if result.error else "",
        )


def replay(conn: Connection, outbox_id: str, *, tenant: str | None = None) -> bool:
    """Send a dead (or delivered) message again: pending, attempts reset, due now. False if no such row."""
    query = outbox.update().where(outbox.c.id == outbox_id, outbox.c.status.in_(["dead", "delivered"]))
    if tenant is not None:
        query = query.where(outbox.c.tenant == tenant)
    changed = conn.execute(
        query.values(status="pending", attempts=0, next_attempt_at=utcnow(), lease_until=None, delivered_at=None)
    ).rowcount
    return bool(changed)


def _superseded(conn: Connection, tenant: str, rows: Iterable[Any]) -> set[str]:
    """Claimed rows with a coalesce key for which a newer message (pending, delivering or delivered) exists."""
    keyed = [r for r in rows if r.coalesce_key]
    if not keyed:
        return set()
    newest: dict[str, tuple[datetime, str]] = {}
    found = conn.execute(
        select(outbox.c.id, outbox.c.coalesce_key, outbox.c.created_at).where(
            outbox.c.tenant == tenant,
            outbox.c.coalesce_key.in_({r.coalesce_key for r in keyed}),
            outbox.c.status.in_(["pending", "delivering", "delivered"]),
        )
    )
    for other in found:
        mark = (other.created_at, other.id)
        if other.coalesce_key not in newest or mark > newest[other.coalesce_key]:
            newest[other.coalesce_key] = mark
    return {r.id for r in keyed if (r.created_at, r.id) < newest.get(r.coalesce_key, (r.created_at, r.id))}


def _result(
    row: OutboxRow,
    outcome: DeliveryOutcome,
    error: str | None = None,
    code: str | None = None,
    *,
    attempts: int | None = None,
    retry_in: float | None = None,
) -> DeliveryResult:
    return DeliveryResult(
        id=row.id,
        connection=row.connection,
        kind=row.kind,
        outcome=outcome,
        attempts=row.attempts if attempts is None else attempts,
        error=error,
        error_code=code,
        retry_in=retry_in,
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
