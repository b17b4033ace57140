"""Raising, reading and moving exceptions through their lifecycle; each change is also an order timeline event.

Idempotency: an exception is identified by its `dedup_key`, unique per tenant. Raising the same
key again returns the existing record (whatever its state: a replayed message never reopens a
resolved exception) and writes nothing. Without an explicit key the default is
`<kind>:<order id or ->:<digest>`, where the digest is the first 20 hex digits of the SHA-256 of
the canonical JSON of the detail entries named by the kind's `key_fields` (for example `node`
and `lines` for a short pick), or of the whole detail when it has none of them. A raiser whose
situation can legitimately recur with the same essentials (a second short pick of the same line
at the same node) passes its own key, e.g. one that includes the message or event id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from hub.exceptions.errors import ExceptionNotFound, IllegalExceptionTransition, MissingSummary, UnknownAction
from hub.exceptions.kinds import ExceptionKind, kind_spec, parse_kind
from hub.exceptions.states import ExceptionState, check_state_transition
from hub.exceptions.timeline import add_timeline_event, order_status
from hub.jsonable import to_jsonable
from hub.model.ids import new_id, utcnow
from hub.store.sql import insert_ignore
from hub.store.tables import exceptions

DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class ExceptionRecord:
    """One exception as stored. `detail` holds the kind's facts and, once acted on, who did what."""

    id: str
    tenant: str
    order_id: str | None
    kind: ExceptionKind
    state: ExceptionState
    summary: str
    suggested_action: str
    detail: Mapping[str, Any]
    dedup_key: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    resolution: str | None = None
    resolved_by: str | None = None

    @property
    def actions(self) -> tuple[str, ...]:
        """The actions an operator may choose when resolving it."""
        return kind_spec(self.kind).actions

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape the CLI prints: plain strings, numbers and ISO timestamps."""
        return to_jsonable(
            {
                "id": self.id,
                "order_id": self.order_id,
                "kind": self.kind.value,
                "state": self.state.value,
                "summary": self.summary,
                "suggested_action": self.suggested_action,
                "actions": list(self.actions),
                "detail": dict(self.detail),
                "dedup_key": self.dedup_key,
                "created_at": self.created_at,
                "updated_at": self.updated_at,
                "resolved_at": self.resolved_at,
                "resolution": self.resolution,
                "resolved_by": self.resolved_by,
            },
            normalize_decimals=True,
        )


def record_from_row(row: Any) -> ExceptionRecord:
    return ExceptionRecord(
        id=row.id,
        tenant=row.tenant,
        order_id=row.order_id,
        kind=ExceptionKind(row.kind),
        state=ExceptionState(row.state),
        summary=row.summary,
        suggested_action=row.suggested_action,
        detail=dict(row.detail or {}),
        dedup_key=row.dedup_key,
        created_at=row.created_at,
        updated_at=row.updated_at,
        resolved_at=row.resolved_at,
        resolution=row.resolution,
        resolved_by=row.resolved_by,
    )


def default_dedup_key(kind: ExceptionKind, order_id: str | None, detail: Mapping[str, Any]) -> str:
    """`<kind>:<order id or ->:<digest of the detail's key fields>` (see the module docstring)."""
    fields = kind_spec(kind).key_fields
    essentials = {k: detail[k] for k in fields if k in detail} or dict(detail)
    canonical = json.dumps(to_jsonable(essentials, normalize_decimals=True), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:20]
    return f"{kind.value}:{order_id or '-'}:{digest}"


def raise_exception(
    conn: Connection,
    tenant: str,
    kind: ExceptionKind | str,
    *,
    summary: str,
    order_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
    suggested_action: str | None = None,
    dedup_key: str | None = None,
) -> ExceptionRecord:
    """Open an exception (or return the one already raised under the same dedup key).

    A new exception on an order also goes on the order's timeline. Raises UnknownKind,
    UnknownAction (a suggestion the kind does not know) or ExceptionNotFound (no such order).
    """
    kind = parse_kind(kind) if not isinstance(kind, ExceptionKind) else kind
    spec = kind_spec(kind)
    suggested = suggested_action or spec.suggested
    if not spec.may_suggest(suggested):
        choices = ", ".join([*spec.actions, *spec.advisory])
        raise UnknownAction(f"{kind} exceptions cannot suggest {suggested!r}; one of: {choices}")
    if not summary.strip():
        raise MissingSummary(f"a {kind} exception needs a summary of what happened")
    facts: dict[str, Any] = to_jsonable(dict(detail or {}), normalize_decimals=True)
    key = dedup_key or default_dedup_key(kind, order_id, facts)
    status = order_status(conn, tenant, order_id) if order_id is not None else None  # the order must exist
    now = utcnow()
    new = {
        "id": new_id("exc"),
        "tenant": tenant,
        "order_id": order_id,
        "kind": kind.value,
        "state": ExceptionState.OPEN.value,
        "summary": summary,
        "suggested_action": suggested,
        "detail": facts,
        "dedup_key": key,
        "created_at": now,
        "updated_at": now,
    }
    # (rowcount is not reliable for ON CONFLICT on psycopg: RETURNING tells whether the row went in)
    if conn.execute(insert_ignore(conn, exceptions, ["tenant", "dedup_key"], returning=["id"]), new).first() is None:
        return record_from_row(conn.execute(_BY_DEDUP_KEY, {"tenant": tenant, "dedup_key": key}).one())
    record = ExceptionRecord(
        id=new["id"],
        tenant=tenant,
        order_id=order_id,
        kind=kind,
        state=ExceptionState.OPEN,
        summary=summary,
        suggested_action=suggested,
        detail=facts,
        dedup_key=key,
        created_at=now,
        updated_at=now,
    )
    if order_id is not None:
        add_timeline_event(
            conn,
            tenant,
            order_id,
            f"exception {kind}: {summary}",
            {"exception_id": record.id, "kind": kind.value, "suggested_action": suggested},
            status=status,
        )
    return record


_BY_DEDUP_KEY = select(exceptions).where(
    exceptions.c.tenant == bindparam("tenant"), exceptions.c.dedup_key == bindparam("dedup_key")
)


def get_exception(conn: Connection, tenant: str, exception_id: str, *, lock: bool = False) -> ExceptionRecord:
    """One exception by id (with `lock`, FOR UPDATE on PostgreSQL); ExceptionNotFound otherwise."""
    stmt = select(exceptions).where(exceptions.c.tenant == tenant, exceptions.c.id == exception_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    if row is None:
        raise ExceptionNotFound(f"no exception {exception_id!r}")
    return record_from_row(row)


def _states(state: ExceptionState | str | Iterable[ExceptionState | str] | None) -> list[str] | None:
    if state is None:
        return None
    items = [state] if isinstance(state, str) else list(state)
    return [ExceptionState(s).value for s in items]


def list_exceptions(
    conn: Connection,
    tenant: str,
    *,
    state: ExceptionState | str | Iterable[ExceptionState | str] | None = None,
    kind: ExceptionKind | str | None = None,
    order_id: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[ExceptionRecord]:
    """Exceptions newest first, optionally only in some states, of one kind, or of one order."""
    t = exceptions.c
    stmt = select(exceptions).where(t.tenant == tenant)
    states = _states(state)
    if states is not None:
        stmt = stmt.where(t.state.in_(states))
    if kind is not None:
        stmt = stmt.where(t.kind == parse_kind(kind).value)
    if order_id is not None:
        stmt = stmt.where(t.order_id == order_id)
    rows = conn.execute(stmt.order_by(t.created_at.desc(), t.id.desc()).limit(limit))
    return [record_from_row(r) for r in rows]


def _move(
    conn: Connection, record: ExceptionRecord, target: ExceptionState, values: Mapping[str, Any]
) -> ExceptionRecord:
    """Change the state with an UPDATE guarded by the state read, so two operators cannot both move it."""
    check_state_transition(record.id, record.state, target)
    t = exceptions.c
    moved = conn.execute(
        exceptions.update()
        .where(t.tenant == record.tenant, t.id == record.id, t.state == record.state.value)
        .values(state=target.value, **values)
    ).rowcount
    current = get_exception(conn, record.tenant, record.id)
    if moved != 1:
        raise IllegalExceptionTransition(
            f"exception {record.id} changed meanwhile (it is {current.state} now, was {record.state}); look again"
        )
    return current


def acknowledge(conn: Connection, tenant: str, exception_id: str, by: str) -> ExceptionRecord:
    """open -> acknowledged: someone is on it. Recorded in the detail and on the order's timeline."""
    record = get_exception(conn, tenant, exception_id, lock=True)
    now = utcnow()
    detail = {**record.detail, "acknowledged_by": by, "acknowledged_at": now.isoformat()}
    updated = _move(conn, record, ExceptionState.ACKNOWLEDGED, {"detail": detail, "updated_at": now})
    if record.order_id is not None:
        add_timeline_event(
            conn,
            tenant,
            record.order_id,
            f"exception {record.kind} acknowledged by {by}",
            {"exception_id": record.id, "kind": record.kind.value, "state": updated.state.value},
        )
    return updated


def update_detail(conn: Connection, tenant: str, exception_id: str, patch: Mapping[str, Any]) -> ExceptionRecord:
    """Merge `patch` into the exception's detail (for handlers that record what they did)."""
    record = get_exception(conn, tenant, exception_id)
    detail = {**record.detail, **to_jsonable(dict(patch), normalize_decimals=True)}
    conn.execute(
        exceptions.update()
        .where(exceptions.c.tenant == tenant, exceptions.c.id == exception_id)
        .values(detail=detail, updated_at=utcnow())
    )
    return get_exception(conn, tenant, exception_id)


def resolve_record(
    conn: Connection, record: ExceptionRecord, *, action: str, resolution: str, by: str, note: str | None = None
) -> tuple[ExceptionRecord, str | None]:
    """-> resolved, with what was done (`resolution`), by whom, the action and note in the detail, and the
    timeline event `exception <kind> resolved: <resolution>`; returns the record and the event id (None
    without an order). `record` must be the current state (re-read it after handlers changed the detail).
    """
    now = utcnow()
    detail = {**record.detail, "resolved_action": action}
    if note:
        detail["resolution_note"] = note
    values = {"detail": detail, "updated_at": now, "resolved_at": now, "resolution": resolution, "resolved_by": by}
    resolved = _move(conn, record, ExceptionState.RESOLVED, values)
    if resolved.order_id is None:
        return resolved, None
    facts = {"exception_id": resolved.id, "kind": resolved.kind.value, "action": action, "by": by}
    if note:
        facts["note"] = note
    reason = f"exception {resolved.kind} resolved: {resolution}"
    return resolved, add_timeline_event(conn, record.tenant, resolved.order_id, reason, facts)


def mark_resolved(
    conn: Connection, record: ExceptionRecord, *, action: str, resolution: str, by: str, note: str | None = None
) -> ExceptionRecord:
    """Resolve without running a handler (the caller already did the work); see `resolve_record`."""
    return resolve_record(conn, record, action=action, resolution=resolution, by=by, note=note)[0]
