"""Resolving an exception: run the chosen action, mark it resolved and put it on the timeline, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from hub.context import HubContext
from hub.exceptions.actions import available_actions, handler_for
from hub.exceptions.builtin import register_builtin_actions
from hub.exceptions.errors import ActionUnavailable, DecisionRequired, UnknownAction, did_you_mean
from hub.exceptions.kinds import kind_spec
from hub.exceptions.states import ExceptionState, check_state_transition
from hub.exceptions.store import ExceptionRecord, get_exception, resolve_record

register_builtin_actions()


@dataclass(frozen=True)
class ResolveOutcome:
    """The resolved exception, the action that ran and the sentence saying what it did."""

    record: ExceptionRecord
    action: str
    result: str
    event_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "result": self.result, "event_id": self.event_id} | {
            "exception": self.record.as_dict()
        }


def choose_action(record: ExceptionRecord, action: str | None) -> str:
    """The action to run: the operator's choice if the kind offers it, else the suggested one if runnable."""
    spec = kind_spec(record.kind)
    if action is None:
        if spec.allows(record.suggested_action):
            return record.suggested_action
        raise DecisionRequired(
            f"exception {record.id} suggests {record.suggested_action}, which is for an operator to decide: "
            f"choose an action: {', '.join(spec.actions)}"
        )
    if not spec.allows(action):
        raise UnknownAction(
            f"{record.kind} exceptions do not offer {action!r}{did_you_mean(action, spec.actions)}; "
            f"their actions: {', '.join(spec.actions)}"
        )
    return action


def resolve_in(
    conn: Connection,
    ctx: HubContext,
    exception_id: str,
    *,
    action: str | None = None,
    note: str | None = None,
    by: str = "cli",
) -> ResolveOutcome:
    """`resolve_exception` inside a transaction the caller holds (so other writes can share it)."""
    record = get_exception(conn, ctx.tenant, exception_id, lock=True)
    check_state_transition(record.id, record.state, ExceptionState.RESOLVED)
    chosen = choose_action(record, action)
    handler = handler_for(record.kind, chosen)
    if handler is None:
        ready = available_actions(record.kind)
        raise ActionUnavailable(
            f"{chosen} has no handler in this process{did_you_mean(chosen, ready)}; "
            f"available for {record.kind}: {', '.join(ready) or 'none'}"
        )
    result = handler(conn, ctx, record)
    current = get_exception(conn, ctx.tenant, exception_id)  # the handler may have added to the detail
    resolved, event_id = resolve_record(conn, current, action=chosen, resolution=result, by=by, note=note)
    return ResolveOutcome(resolved, chosen, result, event_id)


def resolve_exception(
    ctx: HubContext,
    exception_id: str,
    *,
    action: str | None = None,
    note: str | None = None,
    by: str = "cli",
) -> ResolveOutcome:
    """Run `action` (default: the suggested one) on the exception and mark it resolved, all or nothing.

    Raises ExceptionNotFound, IllegalExceptionTransition (already resolved), UnknownAction (the
    kind does not offer it), DecisionRequired (the suggestion is a review: name an action),
    ActionUnavailable (no handler registered) or whatever the handler raises; in every case
    nothing is written.
    """
    with ctx.engine.begin() as conn:
        return resolve_in(conn, ctx, exception_id, action=action, note=note, by=by)
