"""The outbox retry policy: how many attempts, and how long to wait before the next one (tenacity's backoff)."""

from __future__ import annotations

from dataclasses import dataclass

from tenacity import RetryCallState, Retrying
from tenacity.wait import wait_exponential_jitter


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded redelivery with capped exponential backoff: `base * 2**(attempt-1) + U(0, jitter)`, at most `cap`.

    After `max_attempts` failed attempts a message is dead-lettered. A Retry-After hint from
    the other side replaces the computed delay (still capped, never jittered).
    """

    max_attempts: int = 8
    base: float = 1.0
    cap: float = 300.0
    jitter: float = 1.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {self.max_attempts}")
        for name in ("base", "cap", "jitter"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, not {getattr(self, name)}")

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1 for the first)."""
        if retry_after is not None:
            return min(max(float(retry_after), 0.0), self.cap)
        wait = wait_exponential_jitter(multiplier=self.base, max=self.cap, jitter=self.jitter)
        return float(wait(_call_state(max(attempt, 1))))

    def gives_up(self, attempts: int) -> bool:
        """True when `attempts` failed attempts exhaust the policy."""
        return attempts >= self.max_attempts


def _call_state(attempt: int) -> RetryCallState:
    """What tenacity's wait strategies read: the number of the attempt that just failed."""
    state = RetryCallState(retry_object=Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    return state
