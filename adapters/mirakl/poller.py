"""POLLER: OR11 pages of recently updated orders, one raw message per order; OR21 for orders waiting acceptance."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from adapters.mirakl.acceptance import Available, decide_order, or21_body
from adapters.mirakl.client import MiraklClient, dump_exact
from adapters.mirakl.config import MiraklConfig
from adapters.mirakl.orders import OrderMapper, parse_time, read_order
from adapters.mirakl.states import Handling, handling
from adapters.mirakl.window import Window, identity, stamp
from hub.channels import SkuMap, TokenBucket, read_json
from hub.errors import DecodeError, Location, RecordError
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Cursor, Page, ParseResult, RawMessage

log = logging.getLogger(__name__)

ACCEPTANCE_HEADER = "x-hub-mirakl-acceptance"
ACCEPTANCE_ERROR_HEADER = "x-hub-mirakl-acceptance-error"


class MiraklPoller:
    """Reads orders updated in a window (OR11, offset paging), decides OR21 for new ones, parses one order."""

    capability: ClassVar[Capability] = Capability.POLLER

    def __init__(
        self,
        config: MiraklConfig,
        context: ConnectionContext,
        *,
        http: httpx.Client | None = None,
        bucket: TokenBucket | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        available: Available | None = None,
        sku_map: SkuMap | None = None,
    ) -> None:
        self.config = config
        self.context = context
        self.client = MiraklClient(config, http=http, bucket=bucket)
        self.clock = clock
        self.available = available
        self.sku_map = sku_map or SkuMap.for_option(config.sku_map)
        self.mapper = OrderMapper(channel=context.channel, tenant=context.tenant, sku_map=self.sku_map)

    # -- receiving ------------------------------------------------------------------------------------------
    def poll(self, cursor: Cursor, *, limit: int) -> Page:
        config = self.config
        overlap = timedelta(seconds=config.overlap_seconds)
        window = Window.from_cursor(
            cursor,
            now=self.clock(),
            lag=timedelta(seconds=config.lag_seconds),
            lookback=timedelta(hours=config.initial_lookback_hours),
        )
        start = window.start(overlap)
        seen = set(window.seen)
        offset = max(0, window.offset - config.resume_slack) if window.resumed else 0
        fresh: list[tuple[str, dict[str, Any]]] = []
        while True:
            orders, total = self._page(start, window.upper, offset)
            for index, order in enumerate(orders):
                order_id, updated = self._identity_of(order, offset + index)
                ident = identity(order_id, updated)
                if updated < start or updated > window.upper or ident in seen:
                    continue  # outside the window (Mirakl widens it a little) or already handed out
                if len(fresh) == limit:
                    next_cursor = window.resumed_cursor(seen, offset + index)
                    return Page(self._messages(fresh), next_cursor, has_more=True)
                seen.add(ident)
                fresh.append((ident, order))
            offset += len(orders)
            if not orders or offset >= total:
                return Page(self._messages(fresh), window.finished_cursor(seen, overlap), has_more=False)

    def _page(self, start: datetime, upper: datetime, offset: int) -> tuple[list[dict[str, Any]], int]:
        params = {
            "start_update_date": stamp(start),
            "end_update_date": stamp(upper),
            "paginate": "true",
            "offset": offset,
            "max": self.config.page_size,
        }
        what = f"Mirakl OR11 list orders (offset {offset})"
        response = self.client.request("GET", "orders", what=what, params=params)
        data = read_json(response, what=what, exact=True)
        orders = data.get("orders") if isinstance(data, dict) else None
        total = data.get("total_count") if isinstance(data, dict) else None
        if not isinstance(orders, list) or not isinstance(total, int) or isinstance(total, bool):
            raise DecodeError(f"{what}: the answer has no `orders` list and `total_count`", code="bad_page")
        if any(not isinstance(o, dict) for o in orders):
            raise DecodeError(f"{what}: an item of `orders` is not an object", code="bad_page")
        return orders, total

    @staticmethod
    def _identity_of(order: Mapping[str, Any], position: int) -> tuple[str, datetime]:
        name = f"OR11 orders[{position}]"
        order_id = order.get("order_id")
        if not order_id:
            raise DecodeError(f"{name}: no order_id", code="bad_page", location=Location(field="order_id"))
        try:
            updated = parse_time(order.get("last_updated_date"), field="last_updated_date", name=name)
        except RecordError as exc:
            raise DecodeError(exc.message, code="bad_page", location=exc.location) from None
        return str(order_id), updated

    def _messages(self, fresh: list[tuple[str, dict[str, Any]]]) -> list[RawMessage]:
        out = []
        for ident, order in fresh:
            headers = {"x-mirakl-order-state": str(order.get("order_state") or "")}
            headers.update(self._accept(order))
            out.append(
                RawMessage(
                    body=dump_exact(order).encode("utf-8"),
                    connection=self.context.connection,
                    transport="poll",
                    transport_id=ident,
                    filename=f"mirakl-order-{ident}.json",
                    content_type="application/json",
                    headers=headers,
                    tenant=self.context.tenant,
                )
            )
        return out

    def _accept(self, order: Mapping[str, Any]) -> dict[str, str]:
        """OR21 for an order waiting for acceptance: every line accepted or refused by the rule.

        A refused call for this one order (4xx: it was decided meanwhile, a line id is wrong) is kept on
        the raw message and reported when it is parsed; a transient failure stops the poll so the page is
        read again.
        """
        if handling(str(order.get("order_state") or "")) is not Handling.ACCEPT:
            return {}
        config = self.config
        decisions = decide_order(
            order,
            rule=config.acceptance,
            sku_map=self.sku_map,
            max_line_quantity=config.max_line_quantity,
            available=self.available,
        )
        if not decisions:
            return {ACCEPTANCE_HEADER: "manual"} if config.acceptance == "manual" else {}
        order_id = str(order["order_id"])
        summary = "; ".join(f"{d.line_id}={'accepted' if d.accepted else 'refused'} ({d.reason})" for d in decisions)
        try:
            self.client.request(
                "PUT",
                f"orders/{order_id}/accept",
                what=f"Mirakl OR21 accept order {order_id}",
                json_body=or21_body(decisions),
            )
        except RecordError as exc:
            log.warning("OR21 for Mirakl order %s refused: %s", order_id, exc.message)
            return {ACCEPTANCE_HEADER: summary, ACCEPTANCE_ERROR_HEADER: exc.message[:500]}
        return {ACCEPTANCE_HEADER: summary}

    # -- parsing ----------------------------------------------------------------------------------------------
    def parse(self, message: RawMessage) -> ParseResult:
        name = message.filename or message.transport_id or "(mirakl order)"
        data = read_order(message.body, name)
        documents, problems = self.mapper.documents(data, name)
        error = _header(message.headers, ACCEPTANCE_ERROR_HEADER)
        if error:
            problems.append(
                RecordError(
                    f"{name}: OR21 acceptance was refused by Mirakl: {error}",
                    code="mirakl_acceptance_failed",
                    location=Location(file=name),
                )
            )
        return ParseResult(documents=documents, format="mirakl_or11", errors=problems)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None
