"""The outbox's pure parts: the error-to-action table, HTTP status errors and the retry policy."""

from __future__ import annotations

import pytest

from hub.errors import (
    ConfigError,
    DecodeError,
    HubError,
    RateLimited,
    RecordError,
    TransientError,
    UnknownAdapter,
)
from hub.outbox.actions import Action, decide, error_for_status
from hub.outbox.redact import error_text
from hub.outbox.retry import RetryPolicy


@pytest.mark.parametrize(
    ("error", "action"),
    [
        (TransientError("timeout"), Action.RETRY),
        (RateLimited("slow down", retry_after=3), Action.RATE_LIMITED),
        (ConfigError("401"), Action.STOP_CONNECTION),
        (UnknownAdapter("gone"), Action.STOP_CONNECTION),
        (RecordError("bad sku"), Action.DEAD_LETTER),
        (DecodeError("bad bytes"), Action.DEAD_LETTER),
        (HubError("unclassified"), Action.RETRY),
        (TimeoutError(), Action.RETRY),
        (ConnectionResetError(), Action.RETRY),
        (ValueError("sink bug"), Action.RETRY),
    ],
)
def test_every_error_maps_to_one_action(error: BaseException, action: Action) -> None:
    assert decide(error).action is action


def test_decision_carries_retry_after_and_code() -> None:
    decision = decide(RateLimited("slow down", retry_after=12.5))
    assert (decision.delay, decision.code) == (12.5, "rate_limited")
    assert decide(KeyError("x")).code == "unexpected:KeyError"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, ConfigError),
        (403, ConfigError),
        (408, TransientError),
        (425, TransientError),
        (429, RateLimited),
        (500, TransientError),
        (502, TransientError),
        (599, TransientError),
        (400, RecordError),
        (404, RecordError),
        (409, RecordError),
        (422, RecordError),
        (418, RecordError),
    ],
)
def test_http_status_errors(status: int, cls: type[HubError]) -> None:
    error = error_for_status(status, "partner said no")
    assert type(error) is cls
    assert (error.code, error.message) == (f"http_{status}", "partner said no")


def test_retry_after_travels_with_429_and_503() -> None:
    limited = error_for_status(429, "slow", retry_after=7)
    assert isinstance(limited, RateLimited) and limited.retry_after == 7
    busy = error_for_status(503, "busy", retry_after=2)
    assert isinstance(busy, RateLimited) and decide(busy).delay == 2
    assert type(error_for_status(503, "busy")) is TransientError


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(base=1, cap=60, jitter=0)
    assert [policy.delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert policy.delay(10_000) == 60


def test_jitter_stays_within_its_bound() -> None:
    policy = RetryPolicy(base=2, cap=300, jitter=1)
    delays = [policy.delay(3) for _ in range(50)]
    assert all(8 <= d <= 9 for d in delays)


def test_retry_after_overrides_and_is_capped() -> None:
    policy = RetryPolicy(base=1, cap=120, jitter=5)
    assert policy.delay(1, retry_after=30) == 30
    assert policy.delay(1, retry_after=3600) == 120
    assert policy.delay(1, retry_after=-5) == 0


def test_policy_bounds() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert [policy.gives_up(n) for n in (1, 2, 3)] == [False, False, True]
    assert RetryPolicy().max_attempts == 8
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="base"):
        RetryPolicy(base=-1)


def test_error_text_is_the_message_only_with_secrets_blanked() -> None:
    error = ConfigError("token abc123xyz refused", code="http_401")
    assert error_text(error, ["abc123xyz"]) == "token *** refused"
    assert error_text(ValueError("Bearer abc123xyz"), ["abc123xyz", ""]) == "ValueError: Bearer ***"
    assert len(error_text(RecordError("x" * 5000))) == 2000
