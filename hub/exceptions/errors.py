"""The typed errors of the exceptions package: each names what the operator can do instead."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches

from hub.errors import HubError, IllegalTransition


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`; did you mean 'x'?` when a choice is close to `word`, else an empty string."""
    close = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class ExceptionNotFound(HubError):
    """No exception (or no order to attach one to) with that id for this tenant."""

    code = "exception_not_found"


class IllegalExceptionTransition(IllegalTransition):
    """A state change the exception lifecycle does not allow (resolved is final)."""

    code = "illegal_exception_transition"


class UnknownKind(HubError):
    """Not one of the exception kinds."""

    code = "unknown_exception_kind"


class UnknownAction(HubError):
    """An action that the exception's kind does not offer; the message lists the ones it does."""

    code = "unknown_action"


class ActionUnavailable(HubError):
    """An action the kind offers but that no handler is registered for (yet) in this process."""

    code = "action_unavailable"


class InvalidReturn(HubError):
    """A return that cannot be recorded: unknown order or node, a SKU not on the order, too many units."""

    code = "invalid_return"


class DecisionRequired(HubError):
    """The exception only suggests a review (`review_hold`): resolving it needs an explicit action."""

    code = "decision_required"


class ActionFailed(HubError):
    """A resolve action could not do its work (no order to notify, no new date to promise)."""

    code = "action_failed"


class ActionConflict(HubError):
    """Two different handlers registered for the same kind and action (pass replace=True to mean it)."""

    code = "action_conflict"


class MissingSummary(HubError):
    """An exception must say in words what happened."""

    code = "exception_summary_missing"
