"""The SP-API seam: one token bucket per operation at its documented rate, LWA auth, retries and hub errors."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from adapters.amazon.auth import LwaAuth
from adapters.amazon.config import AmazonConfig
from hub.channels import TokenBucket, call
from hub.errors import ConfigError, HubError, RateLimited, TransientError

USER_AGENT = "hub-amazon/1.0 (Language=Python)"


@dataclass(frozen=True)
class Operation:
    """An SP-API operation and its default usage plan (requests per second, burst)."""

    name: str
    rate: float
    burst: int


SEARCH_ORDERS = Operation("searchOrders", 0.0056, 20)  # orders 2026-01-01
GET_ORDER = Operation("getOrder", 0.5, 30)  # orders 2026-01-01
CONFIRM_SHIPMENT = Operation("confirmShipment", 2.0, 10)  # orders v0 (no 2026-01-01 equivalent)
PATCH_LISTINGS_ITEM = Operation("patchListingsItem", 5.0, 5)  # listings items 2021-08-01
CREATE_FEED_DOCUMENT = Operation("createFeedDocument", 0.5, 15)  # feeds 2021-06-30
CREATE_FEED = Operation("createFeed", 0.0083, 15)  # feeds 2021-06-30 (one token every ~2 minutes)
OPERATIONS = (SEARCH_ORDERS, GET_ORDER, CONFIRM_SHIPMENT, PATCH_LISTINGS_ITEM, CREATE_FEED_DOCUMENT, CREATE_FEED)


def buckets(
    *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
) -> dict[str, TokenBucket]:
    return {op.name: TokenBucket(op.rate, op.burst, clock=clock, sleep=sleep) for op in OPERATIONS}


class SpApi:
    """Calls SP-API operations for one connection.

    - waits for the operation's token bucket, but raises RateLimited (retry_after = the wait) rather than
      sleeping longer than `max_wait_seconds` (searchOrders refills one token every ~3 minutes);
    - a 429 empties the bucket for Retry-After, or one token's refill time when Amazon gives none;
    - a 403 whose body says Unauthorized / expired refreshes the LWA token once and retries;
    - 5xx and timeouts are retried `attempts` times with exponential backoff, then TransientError;
    - every error keeps Amazon's `x-amzn-RequestId` (hub.channels.check_response puts it in the message).
    """

    def __init__(
        self,
        config: AmazonConfig,
        *,
        client: httpx.Client | None = None,
        limits: Mapping[str, TokenBucket] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = 3,
        backoff: float = 1.0,
    ) -> None:
        self.config = config
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(config.timeout_seconds), headers={"user-agent": USER_AGENT}
        )
        self.auth = LwaAuth(config, self.client, clock=clock)
        self.limits = dict(limits) if limits is not None else buckets(clock=clock, sleep=sleep)
        self.sleep = sleep
        self.attempts = attempts
        self.backoff = backoff

    def ensure_capacity(self, op: Operation) -> None:
        """Raise RateLimited now when `op` would wait longer than max_wait_seconds for a token (nothing is taken)."""
        wait = self.limits[op.name].wait_time()
        if wait > self.config.max_wait_seconds:
            raise _rate_limited(f"Amazon {op.name}: rate limit ({op.rate}/s, burst {op.burst})", wait, None)

    def request(self, op: Operation, method: str, path: str, *, params: Any = None, json: Any = None) -> httpx.Response:
        bucket = self.limits[op.name]
        what = f"Amazon {op.name}"
        refreshed = False
        last: HubError | None = None
        attempt = 0
        while attempt < self.attempts:
            attempt += 1
            wait = bucket.wait_time()
            if wait > self.config.max_wait_seconds:
                message = last.message if last is not None else f"{what}: rate limit ({op.rate}/s, burst {op.burst})"
                raise _rate_limited(message, wait, last)
            headers = {"x-amz-access-token": self.auth.token(), "accept": "application/json"}
            try:
                return call(
                    self.client,
                    method,
                    self.config.endpoint + path,
                    what=what,
                    bucket=bucket,
                    params=params,
                    json=json,
                    headers=headers,
                )
            except RateLimited as exc:  # `call` has blocked the bucket (Retry-After, else one token's refill)
                last = exc
            except TransientError as exc:
                last = exc
                if attempt < self.attempts:
                    self.sleep(self.backoff * 2 ** (attempt - 1))
            except ConfigError as exc:
                if getattr(exc, "status", None) == 403 and not refreshed and _expired_token(exc):
                    refreshed = True
                    attempt -= 1  # the refresh is not a failed attempt
                    self.auth.invalidate()
                    continue
                raise
        assert last is not None
        if isinstance(last, RateLimited):
            raise _rate_limited(last.message, max(bucket.wait_time(), last.retry_after or 0.0), last)
        raise last


def _expired_token(exc: HubError) -> bool:
    text = exc.message.lower()
    return "unauthorized" in text or "expired" in text


def _rate_limited(message: str, wait: float, cause: HubError | None) -> RateLimited:
    error = RateLimited(message, retry_after=wait, code="http_429" if cause is not None else "rate_limited")
    error.request_id = getattr(cause, "request_id", None)  # type: ignore[attr-defined]
    error.status = getattr(cause, "status", None)  # type: ignore[attr-defined]
    return error
