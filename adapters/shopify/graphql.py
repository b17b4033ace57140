"""The GraphQL Admin API client: one POST per operation, cost-based throttling, bounded retries, typed errors.

Shopify meters GraphQL by calculated query cost: every answer carries
`extensions.cost.throttleStatus` (maximumAvailable, currentlyAvailable, restoreRate). The client
remembers the last status and the last requested cost of each operation, waits before a call
until the bucket should hold that cost again, and on a THROTTLED error (HTTP 200 with
errors[].extensions.code THROTTLED, or HTTP 429) waits what the bucket needs and retries.
5xx and timeouts are retried with a short backoff. After `max_retries` the error is raised
as the hub error that says what to do (RateLimited with retry_after, TransientError);
401/403 raise ConfigError at once; a body that is not JSON or not GraphQL is a
TransientError for reads (a proxy page, try again later) and a RecordError for writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from adapters.shopify.config import ShopifyConfig
from hub.channels import call, read_json, request_id
from hub.errors import ConfigError, DecodeError, HubError, RateLimited, RecordError, TransientError

MAX_WAIT_SECONDS = 30.0


@dataclass
class ThrottleStatus:
    maximum: float
    available: float
    restore_rate: float
    at: float

    def available_at(self, now: float) -> float:
        return min(self.maximum, self.available + max(0.0, now - self.at) * self.restore_rate)

    def wait_for(self, cost: float, now: float) -> float:
        need = min(cost, self.maximum) - self.available_at(now)
        return max(0.0, need / self.restore_rate) if self.restore_rate > 0 else 0.0


class GraphQLError(RecordError):
    """Shopify answered the operation with GraphQL errors (a query the API refuses)."""

    code = "graphql_error"


class ShopifyGraphQL:
    """Sends GraphQL operations to one shop. Thread-compatible for one caller at a time."""

    def __init__(
        self,
        config: ShopifyConfig,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.client = client or httpx.Client(timeout=httpx.Timeout(config.timeout_seconds, connect=10.0))
        self.sleep = sleep
        self.clock = clock
        self.throttle: ThrottleStatus | None = None
        self.costs: dict[str, float] = {}
        self.waited = 0.0

    def _headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-Shopify-Access-Token": self.config.access_token.get_secret_value(),
        }

    def _pause(self, seconds: float) -> None:
        seconds = min(seconds, MAX_WAIT_SECONDS)
        if seconds > 0:
            self.sleep(seconds)
            self.waited += seconds

    def execute(
        self, operation: str, query: str, variables: Mapping[str, Any] | None = None, *, write: bool = False
    ) -> dict[str, Any]:
        """The `data` of one operation, after throttling waits and bounded retries."""
        what = f"shopify {self.config.shop} {operation}"
        attempt = 0
        waited = False
        while True:
            attempt += 1
            if not waited and self.throttle is not None and operation in self.costs:
                self._pause(self.throttle.wait_for(self.costs[operation], self.clock()))
            try:
                return self._once(operation, query, variables, what=what, write=write)
            except (RateLimited, TransientError) as exc:
                if attempt > self.config.max_retries:
                    raise
                waited = True  # the pause below is the wait the bucket needs; no second one before the retry
                if isinstance(exc, RateLimited):
                    self._pause(exc.retry_after if exc.retry_after is not None else 1.0)
                else:
                    self._pause(min(2.0 ** (attempt - 1), 8.0))

    def _once(
        self, operation: str, query: str, variables: Mapping[str, Any] | None, *, what: str, write: bool
    ) -> dict[str, Any]:
        response = call(
            self.client,
            "POST",
            self.config.endpoint,
            what=what,
            json={"query": query, "variables": dict(variables or {})},
            headers=self._headers(),
        )
        rid = request_id(response)
        where = f"{what}" + (f" (request id {rid})" if rid else "")
        try:
            body = read_json(response, what=where)
        except DecodeError as exc:
            if write:
                raise
            raise TransientError(exc.message, code="bad_response") from None
        if not isinstance(body, dict):
            problem = f"{where}: answer is a JSON {type(body).__name__}, not a GraphQL response"
            if write:
                raise DecodeError(problem, code="bad_response")
            raise TransientError(problem, code="bad_response")
        self._note_cost(operation, body)
        errors = body.get("errors") or []
        if errors:
            raise self._error(errors, where, operation)
        data = body.get("data")
        if not isinstance(data, dict):
            problem = f"{where}: GraphQL response without data"
            if write:
                raise DecodeError(problem, code="bad_response")
            raise TransientError(problem, code="bad_response")
        return data

    def _note_cost(self, operation: str, body: Mapping[str, Any]) -> None:
        cost = (body.get("extensions") or {}).get("cost") or {}
        status = cost.get("throttleStatus") or {}
        try:
            self.throttle = ThrottleStatus(
                maximum=float(status["maximumAvailable"]),
                available=float(status["currentlyAvailable"]),
                restore_rate=float(status["restoreRate"]),
                at=self.clock(),
            )
        except (KeyError, TypeError, ValueError):
            return
        if cost.get("requestedQueryCost") is not None:
            self.costs[operation] = float(cost["requestedQueryCost"])

    def _error(self, errors: list[Any], where: str, operation: str) -> HubError:
        codes = {str(((e or {}).get("extensions") or {}).get("code") or "") for e in errors if isinstance(e, dict)}
        messages = "; ".join(str((e or {}).get("message", e))[:200] for e in errors[:3] if isinstance(e, dict))
        if "THROTTLED" in codes:
            operation_cost = self.costs.get(operation, 1.0)
            wait = self.throttle.wait_for(operation_cost, self.clock()) if self.throttle else 1.0
            return RateLimited(
                f"{where}: throttled by query cost", retry_after=wait if wait > 0 else 1.0, code="throttled"
            )
        if codes & {"ACCESS_DENIED", "UNAUTHORIZED", "FORBIDDEN"}:
            return ConfigError(f"{where}: access denied: {messages}", code="access_denied")
        if "INTERNAL_SERVER_ERROR" in codes:
            return TransientError(f"{where}: Shopify internal error: {messages}", code="graphql_internal")
        return GraphQLError(f"{where}: {messages}")
