"""One seam for channel HTTP calls: a token bucket, Retry-After, request ids and HTTP failures as hub errors."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from hub.errors import DecodeError, HubError, RateLimited, TransientError
from hub.outbox.actions import error_for_status

REQUEST_ID_HEADERS = ("x-amzn-requestid", "x-request-id", "x-shopify-request-id", "x-mirakl-request-id")
EXCERPT_CHARS = 300
MIN_PAUSE_AFTER_429 = 1.0
"""Seconds a bucket gives no token after a 429 that carries no Retry-After, at the least."""

_SECRET_PATTERNS = (
    # order matters: an `Authorization: Bearer <token>` loses its token before the key=value pass sees it
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\b(?:shpat|shpca|shppa|shpss|Atza|Atzr)[|_][A-Za-z0-9|_.-]+"),
    # "access_token": "..." / token=... / "password":"..." / client_secret ...
    re.compile(
        r"""(?ix)
        (["']?[\w-]*(?:token|secret|password|passwd|api[_-]?key|authorization|signature|credential)[\w-]*["']?
        \s*[:=]\s*)
        ("[^"]*"|'[^']*'|[^\s,;&}]+)
        """
    ),
)
_EPSILON = 1e-9  # float dust: a wait this small is no wait (a sleep that short may not move the clock at all)


class TokenBucket:
    """Thread-safe token bucket: `rate` tokens per second, at most `burst` stored (starts full)."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("TokenBucket rate must be positive")
        if burst < 1:
            raise ValueError("TokenBucket burst must be at least 1")
        self.rate = float(rate)
        self.burst = int(burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._stamp = clock()
        self._blocked_until = self._stamp

    def _refill(self, now: float) -> None:
        start = max(self._stamp, self._blocked_until)
        if now > start:
            self._tokens = min(float(self.burst), self._tokens + (now - start) * self.rate)
        self._stamp = max(self._stamp, now)

    def _wait_locked(self, tokens: float, now: float) -> float:
        self._refill(now)
        blocked = max(0.0, self._blocked_until - now)
        missing = max(0.0, tokens - self._tokens)
        return blocked + missing / self.rate

    def wait_time(self, tokens: float = 1.0) -> float:
        """Seconds until `tokens` would be available (no side effect beyond the refill)."""
        with self._lock:
            return self._wait_locked(tokens, self._clock())

    def acquire(self, tokens: float = 1.0) -> float:
        """Take `tokens`, sleeping until they are available; returns the seconds waited."""
        if tokens > self.burst:
            raise ValueError(f"cannot take {tokens} tokens from a bucket of {self.burst}")
        waited = 0.0
        while True:
            with self._lock:
                wait = self._wait_locked(tokens, self._clock())
                if wait <= _EPSILON:
                    self._tokens = max(0.0, self._tokens - tokens)
                    return waited
            self._sleep(wait)
            waited += wait

    def pause_after_429(self) -> float:
        """How long a 429 without Retry-After blocks the bucket: one token's refill, and at least a second (a
        slow operation such as SP-API searchOrders refills one token in three minutes)."""
        return max(MIN_PAUSE_AFTER_429, 1.0 / self.rate)

    def penalize(self, seconds: float) -> None:
        """Empty the bucket and give no tokens for `seconds` (after a 429 / Retry-After)."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens = 0.0
            self._blocked_until = max(self._blocked_until, now + max(0.0, seconds))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    if isinstance(headers, httpx.Headers):
        return headers.get(name)
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), None when absent/unreadable."""
    value = _header(headers, "retry-after")
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
        return max(0.0, seconds)
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return seconds


def request_id(response: httpx.Response) -> str | None:
    """The other side's request id, from the first header of REQUEST_ID_HEADERS it sent."""
    for name in REQUEST_ID_HEADERS:
        value = response.headers.get(name)
        if value:
            return value
    return None


def redact_excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, single-line excerpt of a response body with anything looking like a token or secret masked."""
    out = text
    for pattern in _SECRET_PATTERNS:
        if pattern.groups >= 2:
            out = pattern.sub(lambda m: f"{m.group(1)}***", out)
        elif pattern.groups == 1:
            out = pattern.sub(lambda m: f"{m.group(1)} ***", out)
        else:
            out = pattern.sub("***", out)
    out = " ".join(out.split())
    return out if len(out) <= limit else out[: limit - 3] + "..."


def check_response(response: httpx.Response, *, what: str) -> httpx.Response:
    """Return the response when 2xx; else raise the hub error for its status, naming `what` and the request id."""
    status = response.status_code
    if 200 <= status < 300:
        return response
    rid = request_id(response)
    message = f"{what}: HTTP {status}"
    if rid:
        message += f" (request id {rid})"
    try:
        body = response.text
    except (httpx.ResponseNotRead, LookupError, UnicodeDecodeError):  # a body we cannot read is no excerpt
        body = ""
    excerpt = redact_excerpt(body)
    if excerpt:
        message += f": {excerpt}"
    error = error_for_status(status, message, retry_after(response.headers))
    error.request_id = rid  # type: ignore[attr-defined]
    error.status = status  # type: ignore[attr-defined]
    raise error


def call(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    what: str,
    bucket: TokenBucket | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """One channel request: wait for the bucket, send, map transport failures and non-2xx answers to hub errors."""
    if bucket is not None:
        bucket.acquire()
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise _transport_error(f"{what}: timed out ({type(exc).__name__})", "timeout") from None
    except httpx.TransportError as exc:
        raise _transport_error(f"{what}: transport failure ({type(exc).__name__})", "transport") from None
    try:
        return check_response(response, what=what)
    except RateLimited as exc:
        if bucket is not None and getattr(exc, "status", None) == 429:
            bucket.penalize(exc.retry_after if exc.retry_after is not None else bucket.pause_after_429())
        raise


def _transport_error(message: str, code: str) -> HubError:
    error = TransientError(message, code=code)
    error.request_id = None  # type: ignore[attr-defined]
    error.status = None  # type: ignore[attr-defined]
    return error


def read_json(response: httpx.Response, *, what: str, exact: bool = False) -> Any:
    """The response body as JSON, or DecodeError("bad_json") naming `what` and the first bytes.

    With `exact`, numbers with a fraction are read as Decimal (money stays exact).
    """
    try:
        return json.loads(response.content, parse_float=Decimal) if exact else response.json()
    except (ValueError, UnicodeDecodeError):
        head = response.content[:80]
        raise DecodeError(f"{what}: response is not JSON: {head!r}", code="bad_json") from None
