"""The error-to-action table: what the outbox does when a sink fails, looked up by error type, not scattered ifs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.errors import ConfigError, HubError, PluginError, RateLimited, RecordError, TransientError


class Action(StrEnum):
    RETRY = "retry"  # try again later, with backoff, until the policy's last attempt; then dead-letter
    RATE_LIMITED = "rate_limited"  # the other side asked us to slow down: wait (Retry-After), no attempt spent
    STOP_CONNECTION = "stop_connection"  # credentials or config are wrong: disable the connection, keep the message
    DEAD_LETTER = "dead_letter"  # this message is bad: keep it with its error for an operator, go on


@dataclass(frozen=True)
class Decision:
    """What to do about one failed delivery; `delay` is the other side's own hint (Retry-After), if any."""

    action: Action
    delay: float | None = None
    code: str = "unexpected"


ERROR_ACTIONS: dict[type[BaseException], Action] = {
    RateLimited: Action.RATE_LIMITED,
    TransientError: Action.RETRY,
    ConfigError: Action.STOP_CONNECTION,
    PluginError: Action.STOP_CONNECTION,  # the adapter itself breaks its contract: same cure as bad config
    RecordError: Action.DEAD_LETTER,
    HubError: Action.RETRY,
    OSError: Action.RETRY,  # connection refused/reset, DNS, TimeoutError (a subclass)
    Exception: Action.RETRY,
}
"""Looked up along the error's class hierarchy, most specific class first.

Anything the table does not name more precisely (a sink bug, a client library's own
exception such as httpx.ConnectError, which is not an OSError) is retried with backoff and
dead-lettered with its error after the policy's last attempt: an unknown failure must
neither lose the message nor dead-letter it on the first glitch.
"""


def decide(error: BaseException) -> Decision:
    """The action for `error`, with the Retry-After hint of a RateLimited and the error's code."""
    action = Action.RETRY
    for cls in type(error).__mro__:
        if cls in ERROR_ACTIONS:
            action = ERROR_ACTIONS[cls]
            break
    delay = error.retry_after if isinstance(error, RateLimited) else None
    code = error.code if isinstance(error, HubError) else f"unexpected:{type(error).__name__}"
    return Decision(action=action, delay=delay, code=code[:60])


HTTP_STATUS_ERRORS: dict[int, type[HubError]] = {
    400: RecordError,
    401: ConfigError,
    403: ConfigError,
    404: RecordError,
    408: TransientError,
    409: RecordError,
    422: RecordError,
    425: TransientError,
    429: RateLimited,
    500: TransientError,
    502: TransientError,
    503: TransientError,
    504: TransientError,
}
"""HTTP answers as hub errors. Statuses not listed: other 5xx are transient, other 4xx are record errors."""


def error_for_status(status: int, message: str, retry_after: float | None = None) -> HubError:
    """The hub error for an HTTP failure status, coded `http_<status>`.

    A 503 that carries Retry-After is treated as rate limiting, so the hint is honoured.
    """
    cls = HTTP_STATUS_ERRORS.get(status)
    if cls is None:
        cls = RecordError if 400 <= status < 500 else TransientError
    if status == 503 and retry_after is not None:
        cls = RateLimited
    code = f"http_{status}"
    if issubclass(cls, RateLimited):
        return cls(message, retry_after=retry_after, code=code)
    return cls(message, code=code)
