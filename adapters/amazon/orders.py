"""Reconciliation poller: searchOrders (2026-01-01) by lastUpdatedAfter, one raw message per order version.

The cursor's lower bound is closed and moves by `lastUpdatedTime`; each query starts `poll_overlap_seconds`
before it, and `seen_at_lower` holds `orderId@lastUpdatedTime` of what was already emitted inside that
overlap, so late-indexed updates are caught and nothing is emitted twice. Queries end at now minus
`poll_lag_seconds` (Amazon: at least two minutes before the request) and at most `poll_window_hours` after the
lower bound. searchOrders results are not documented as sorted, so a poll reads every page of its window
(nextToken -> paginationToken, same parameters) before sorting and emitting; when a window has more than
`max_pages` pages, the next window is halved (`Cursor.upper`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.amazon.api import SEARCH_ORDERS, SpApi
from adapters.amazon.config import AmazonConfig
from adapters.amazon.mapping import documents_for
from hub.channels import SkuMap, read_json, request_id
from hub.errors import DecodeError, HubError, Location, TransientError
from hub.model.ids import utcnow
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Cursor, Page, ParseResult, RawMessage

SEARCH_PATH = "/orders/2026-01-01/orders"
STATUSES = "UNSHIPPED,CANCELLED"  # pending orders are not orders yet; shipped ones are the hub's own shipments
INCLUDED = "BUYER,RECIPIENT,PROCEEDS,PROMOTION,CANCELLATION,FULFILLMENT"


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class AmazonOrderPoller:
    """Polls the account's merchant-fulfilled orders and maps each raw order to hub documents."""

    capability = Capability.POLLER

    def __init__(
        self,
        config: AmazonConfig,
        context: ConnectionContext,
        *,
        api: SpApi | None = None,
        clock: Callable[[], datetime] = utcnow,
        skus: SkuMap | None = None,
    ) -> None:
        self.config = config
        self.context = context
        self.api = api or SpApi(config)
        self.clock = clock
        self.skus = skus or SkuMap.for_option(config.sku_map)

    # -- receiving ----------------------------------------------------------------------------------
    def poll(self, cursor: Cursor, *, limit: int) -> Page:
        config = self.config
        now = self.clock()
        horizon = now - timedelta(seconds=config.poll_lag_seconds)
        lower = _when(cursor.lower) if cursor.lower else now - timedelta(hours=config.initial_lookback_hours)
        overlap = timedelta(seconds=config.poll_overlap_seconds)
        end = min(lower + timedelta(hours=config.poll_window_hours), horizon)
        if cursor.upper:
            end = min(end, max(_when(cursor.upper), lower + timedelta(seconds=1)))
        start = lower - overlap
        if end <= start:
            return Page(messages=[], next_cursor=cursor, has_more=False)
        found, complete = self._search(start, end)
        seen = set(cursor.seen_at_lower)
        fresh = sorted(
            (stamp, order_id, order, rid)
            for stamp, order_id, order, rid in found
            if f"{order_id}@{iso(stamp)}" not in seen and stamp <= end
        )
        taken, rest = fresh[:limit], fresh[limit:]
        seen |= {f"{order_id}@{iso(stamp)}" for stamp, order_id, _, _ in taken}
        if not complete:  # the window has more pages than one poll reads: keep the bound, halve the window
            new_lower, upper = lower, iso(lower + (end - lower) / 2) if end - lower > timedelta(seconds=2) else None
        elif rest:
            new_lower, upper = max(lower, taken[-1][0]), cursor.upper
        else:
            new_lower, upper = max(lower, end), None
        floor = new_lower - overlap
        kept = frozenset(s for s in seen if _when(s.rpartition("@")[2]) >= floor)
        next_cursor = Cursor(lower=iso(new_lower), seen_at_lower=kept, upper=upper)
        has_more = bool(rest) or not complete or new_lower < horizon - timedelta(seconds=1)
        if not taken and not complete:
            has_more = True
        messages = [self._message(order, stamp, rid) for stamp, _, order, rid in taken]
        return Page(messages=messages, next_cursor=next_cursor, has_more=has_more and next_cursor != cursor)

    def _search(self, start: datetime, end: datetime) -> tuple[list[tuple[datetime, str, Any, str | None]], bool]:
        params: dict[str, Any] = {
            "lastUpdatedAfter": iso(start),
            "lastUpdatedBefore": iso(end),
            "marketplaceIds": ",".join(self.config.marketplace_ids),
            "fulfillmentStatuses": STATUSES,
            "fulfilledBy": "MERCHANT",
            "maxResultsPerPage": 100,
            "includedData": INCLUDED,
        }
        out: list[tuple[datetime, str, Any, str | None]] = []
        token: str | None = None
        for _ in range(self.config.max_pages):
            query = params | ({"paginationToken": token} if token else {})
            response = self.api.request(SEARCH_ORDERS, "GET", SEARCH_PATH, params=query)
            rid = request_id(response)
            try:
                data = read_json(response, what="Amazon searchOrders page")
            except DecodeError as exc:  # a page, not a record: the cursor stays, the next poll asks again
                raise TransientError(f"{exc.message} (request id {rid})", code="bad_page") from None
            orders = data.get("orders") if isinstance(data, dict) else None
            if not isinstance(orders, list):
                raise TransientError(f"Amazon searchOrders page has no orders list (request id {rid})", code="bad_page")
            for order in orders:
                order_id = order.get("orderId") if isinstance(order, dict) else None
                stamp = order.get("lastUpdatedTime") if isinstance(order, dict) else None
                try:
                    when = _when(str(stamp))
                except ValueError:
                    when = None
                if not order_id or when is None:
                    raise TransientError(
                        f"Amazon searchOrders page holds an order without orderId/lastUpdatedTime (request id {rid})",
                        code="bad_page",
                    )
                out.append((when, str(order_id), order, rid))
            pagination = data.get("pagination") if isinstance(data.get("pagination"), dict) else {}
            token = pagination.get("nextToken") or None
            if not token:
                return out, True
        return out, False

    def _message(self, order: Mapping[str, Any], stamp: datetime, rid: str | None) -> RawMessage:
        body = json.dumps(order, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return RawMessage(
            body=body,
            connection=self.context.connection,
            transport="poll",
            transport_id=f"{order['orderId']}@{iso(stamp)}",
            content_type="application/json",
            headers={"x-amzn-requestid": rid} if rid else {},
            tenant=self.context.tenant,
        )

    # -- parsing --------------------------------------------------------------------------------------
    def parse(self, message: RawMessage) -> ParseResult:
        """A polled order (or a saved getOrder / searchOrders answer) -> its hub documents."""
        where = message.filename or message.transport_id
        try:
            data = json.loads(message.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DecodeError(
                f"Amazon order is not JSON: {exc}", location=Location(file=where, position=getattr(exc, "pos", None))
            ) from None
        if isinstance(data, dict) and isinstance(data.get("orders"), list):
            orders = data["orders"]
        elif isinstance(data, dict) and isinstance(data.get("order"), dict):
            orders = [data["order"]]
        elif isinstance(data, dict) and "orderId" in data:
            orders = [data]
        else:
            raise DecodeError(
                "not an Amazon order (expected an order, {order: ...} or {orders: [...]})",
                location=Location(file=where),
            )
        documents = []
        for i, order in enumerate(orders):
            try:
                documents += documents_for(
                    order, source=self.context.channel, tenant=self.context.tenant, skus=self.skus
                )
            except HubError as exc:
                loc = exc.location
                field = f"orders[{i}].{loc.field}" if len(orders) > 1 and loc.field else loc.field
                exc.location = Location(file=where, segment=loc.segment, field=field)
                raise
        return ParseResult(documents=documents, format="amazon-orders-2026-01-01")
