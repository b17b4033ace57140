"""Reconciliation poller: every order updated since the cursor, through the GraphQL `orders` query.

The cursor's lower bound is an `updated_at` (closed); each poll asks for
`updated_at:>=(lower - overlap) AND updated_at:<=(now - lag)` sorted by UPDATED_AT and walks the
GraphQL pages (`after: endCursor`). Shopify's search index can show an order a little after its
`updated_at`, so the overlap re-reads a window behind the cursor; the cursor keeps the
`<order id>@<updated_at>` of every order already emitted inside that window (`seen_at_lower`) and
skips them, so a re-read repeats nothing and a late-indexed order is still caught. Each order is one
raw message (GraphQL shape) so one bad order never holds up the others; the pipeline dedups it
against the webhook copy (same external id, same revision).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from adapters.shopify.config import ShopifyConfig
from adapters.shopify.graphql import ShopifyGraphQL
from adapters.shopify.mapping import numeric_id, when
from adapters.shopify.queries import ORDERS
from adapters.shopify.webhooks import OrderParser, load_body, message_name
from hub.errors import HubError, TransientError
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Cursor, Page, ParseResult, RawMessage

PAGE_SIZE = 50


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ShopifyPoller(OrderParser):
    """POLLER: poll(cursor, limit) -> Page of orders (GraphQL shape); parse() maps them like webhooks."""

    capability: ClassVar[Capability] = Capability.POLLER

    def __init__(
        self,
        config: ShopifyConfig,
        context: ConnectionContext,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(config, context)
        self.api = ShopifyGraphQL(config, client=client, sleep=sleep)
        self.now = now

    def _window(self, cursor: Cursor) -> tuple[str | None, str]:
        upper = iso(self.now() - timedelta(seconds=self.config.poll_lag_seconds))
        lower = when(cursor.lower, "cursor.lower") if cursor.lower else None
        if lower is None and self.config.poll_since:
            lower = when(self.config.poll_since, "poll_since")
            return iso(lower), upper  # type: ignore[arg-type]
        if lower is None:
            return None, upper
        return iso(lower - timedelta(seconds=self.config.poll_overlap_seconds)), upper

    def poll(self, cursor: Cursor, *, limit: int) -> Page:
        start, upper = self._window(cursor)
        search = f"updated_at:<='{upper}'" + (f" AND updated_at:>='{start}'" if start else "")
        seen = set(cursor.seen_at_lower)
        fresh: list[tuple[str, str, dict[str, Any]]] = []  # (updatedAt iso, key, node)
        after: str | None = None
        more = False
        while True:
            data = self.api.execute("orders", ORDERS, {"first": PAGE_SIZE, "after": after, "query": search})
            connection = data.get("orders")
            if not isinstance(connection, dict) or not isinstance(connection.get("edges"), list):
                raise TransientError(
                    f"shopify {self.config.shop} orders: answer without orders.edges", code="bad_response"
                )
            edges = connection["edges"]
            for edge in edges:
                node = (edge or {}).get("node") or {}
                key, updated = self._key(node)
                if key in seen:
                    continue
                if len(fresh) == limit:
                    more = True
                    break
                seen.add(key)
                fresh.append((updated, key, node))
            if more:
                break
            page_info = connection.get("pageInfo") or {}
            if not page_info.get("hasNextPage") or not edges:
                break
            after = page_info.get("endCursor")
            if not after:
                raise TransientError(
                    f"shopify {self.config.shop} orders: hasNextPage without endCursor", code="bad_response"
                )
        messages = [self._message(node, key) for _, key, node in fresh]
        return Page(messages=messages, next_cursor=self._advance(cursor, fresh), has_more=more)

    def _key(self, node: dict[str, Any]) -> tuple[str, str]:
        try:
            updated = when(node.get("updatedAt"), "updatedAt", required=True)
        except HubError as exc:
            raise TransientError(f"shopify {self.config.shop} orders: {exc.message}", code="bad_response") from None
        order_id = numeric_id(node.get("id"))
        if not order_id:
            raise TransientError(f"shopify {self.config.shop} orders: an order without id", code="bad_response")
        stamp = iso(updated)  # type: ignore[arg-type]
        return f"{order_id}@{stamp}", stamp

    def _advance(self, cursor: Cursor, fresh: list[tuple[str, str, dict[str, Any]]]) -> Cursor:
        if not fresh:
            return cursor
        top = max([cursor.lower or "", *(u for u, _, _ in fresh)])
        floor = iso(when(top, "cursor") - timedelta(seconds=self.config.poll_overlap_seconds))  # type: ignore[operator]
        keys = set(cursor.seen_at_lower) | {k for _, k, _ in fresh}
        kept = frozenset(k for k in keys if k.rsplit("@", 1)[-1] >= floor)
        return Cursor(lower=top, seen_at_lower=kept, upper=cursor.upper)

    def _message(self, node: dict[str, Any], key: str) -> RawMessage:
        return RawMessage(
            body=json.dumps(node, separators=(",", ":"), sort_keys=True).encode("utf-8"),
            connection=self.context.connection,
            transport="poll",
            transport_id=f"shopify:{key}",
            content_type="application/json",
            headers={"x-hub-shape": "graphql"},
            tenant=self.context.tenant,
        )

    def parse(self, message: RawMessage) -> ParseResult:
        return ParseResult(
            documents=self.order_documents(load_body(message), message_name(message)), format="shopify:graphql"
        )
