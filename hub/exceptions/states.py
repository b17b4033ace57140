"""The exception lifecycle: open -> acknowledged -> resolved (open -> resolved allowed); resolved is final."""

from __future__ import annotations

from enum import StrEnum

from hub.exceptions.errors import IllegalExceptionTransition


class ExceptionState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


STATE_TRANSITIONS: dict[ExceptionState, frozenset[ExceptionState]] = {
    ExceptionState.OPEN: frozenset({ExceptionState.ACKNOWLEDGED, ExceptionState.RESOLVED}),
    ExceptionState.ACKNOWLEDGED: frozenset({ExceptionState.RESOLVED}),
    ExceptionState.RESOLVED: frozenset(),
}

UNRESOLVED: frozenset[ExceptionState] = frozenset({ExceptionState.OPEN, ExceptionState.ACKNOWLEDGED})
"""The states an operator still has to act on (what `hub exceptions list` shows by default)."""


def check_state_transition(exception_id: str, current: ExceptionState, target: ExceptionState) -> None:
    """Raise IllegalExceptionTransition unless `current -> target` is an allowed move."""
    if target not in STATE_TRANSITIONS[current]:
        allowed = ", ".join(sorted(STATE_TRANSITIONS[current])) or "none (resolved is final)"
        raise IllegalExceptionTransition(
            f"exception {exception_id} is {current} and cannot become {target}; allowed: {allowed}"
        )
