"""The resolve-action registry: which handler carries out an action on an exception of some kind.

A handler is `fn(conn, ctx, record) -> str`. It runs inside the transaction that then marks the
exception resolved and writes the timeline event, so whatever it writes through `conn` commits
or rolls back with the resolution; it must not open transactions of its own (`ctx.engine`). It
returns one sentence saying what it did ("restocked 2 x A at BER"), which becomes the
exception's `resolution` and the timeline reason. To refuse, it raises a HubError (the
exception then stays as it was). It may record facts with `store.update_detail(conn, ...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from hub.exceptions.errors import ActionConflict, UnknownAction, did_you_mean
from hub.exceptions.kinds import KINDS, ExceptionKind, parse_kind

if TYPE_CHECKING:
    from hub.context import HubContext
    from hub.exceptions.store import ExceptionRecord

ActionHandler = Callable[[Connection, "HubContext", "ExceptionRecord"], str]

ANY_KIND = "*"
"""Register an action for every kind that offers it (used by `dismiss`); a kind's own handler wins."""

_HANDLERS: dict[tuple[str, str], ActionHandler] = {}


def _key(kind: ExceptionKind | str, action: str) -> tuple[str, str]:
    if kind == ANY_KIND:
        offering = [k for k, spec in KINDS.items() if spec.allows(action)]
        if not offering:
            raise UnknownAction(f"no exception kind offers the action {action!r}")
        return (ANY_KIND, action)
    parsed = parse_kind(kind) if not isinstance(kind, ExceptionKind) else kind
    spec = KINDS[parsed]
    if not spec.allows(action):
        raise UnknownAction(
            f"{parsed} exceptions do not offer {action!r}{did_you_mean(action, spec.actions)}; "
            f"their actions: {', '.join(spec.actions)}"
        )
    return (parsed.value, action)


def register_action(
    kind: ExceptionKind | str, action: str, handler: ActionHandler, *, replace: bool = False
) -> ActionHandler:
    """Let `handler` carry out `action` on exceptions of `kind` (or of every kind, with `ANY_KIND`).

    The action must be one the kind offers (UnknownAction otherwise). Registering the same
    handler again is a no-op; a different one for the same pair needs `replace=True`
    (ActionConflict otherwise).
    """
    key = _key(kind, action)
    existing = _HANDLERS.get(key)
    if existing is not None and existing is not handler and not replace:
        raise ActionConflict(f"{key[0]}/{action} already has the handler {existing.__qualname__}; pass replace=True")
    _HANDLERS[key] = handler
    return handler


def unregister_action(kind: ExceptionKind | str, action: str) -> None:
    _HANDLERS.pop(_key(kind, action), None)


def handler_for(kind: ExceptionKind, action: str) -> ActionHandler | None:
    """The kind's own handler for `action`, else the every-kind one, else None."""
    if not KINDS[kind].allows(action):
        return None
    return _HANDLERS.get((kind.value, action)) or _HANDLERS.get((ANY_KIND, action))


def available_actions(kind: ExceptionKind) -> list[str]:
    """The actions of `kind` that have a handler in this process, in the kind's order."""
    return [a for a in KINDS[kind].actions if handler_for(kind, a) is not None]
