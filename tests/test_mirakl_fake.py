"""A fake Mirakl seller API on an httpx.MockTransport, shared by the tests/test_mirakl_*.py modules (no tests here).

It answers what the adapter calls (OR11, OR21, OR23, OR24, OR29, OR30, STO01) the way the Mirakl docs describe
them, records every request, and fails closed: any other host, path or method is an assertion error, so no
test can reach a real host. Scripted answers (`fail_next`) come before the normal ones.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from adapters.mirakl import ADAPTER, MiraklConfig, MiraklPoller, MiraklShipmentSink, MiraklStockSink
from hub.channels import SkuMap, TokenBucket
from hub.plugins.manifest import ConnectionContext

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mirakl"
BASE_URL = "https://acme-marketplace.mirakl.net"
API_KEY = "5d1c7f3e-0b7a-4c39-9e8e-2f4f1a6b9c10"
NOW = datetime(2026, 11, 10, 12, 0, 0, tzinfo=UTC)
CHANNEL = "mirakl:acme"


def fixture(name: str) -> dict[str, Any]:
    """An order fixture (`orders/x.json`, `states/x.json`...) read with exact decimals."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"), parse_float=Decimal)


def config(**options: Any) -> MiraklConfig:
    values: dict[str, Any] = {"base_url": BASE_URL, "api_key": API_KEY, "page_size": 2, "requests_per_second": 1000}
    values.update(options)
    return MiraklConfig.model_validate(values)


def context(connection: str = "mirakl-acme", channel: str = CHANNEL) -> ConnectionContext:
    return ConnectionContext(connection=connection, channel=channel)


def fast_bucket() -> TokenBucket:
    return TokenBucket(1000, 1000, sleep=lambda _s: None)


def make_order(
    order_id: str,
    updated: datetime,
    *,
    state: str = "SHIPPING",
    created: datetime | None = None,
    template: str = "orders/shipping_two_lines.json",
) -> dict[str, Any]:
    """A copy of a fixture order with another id, state and dates (lines renumbered to the id)."""
    order = copy.deepcopy(fixture(template))
    order["order_id"] = order_id
    order["commercial_id"] = order_id.rsplit("-", 1)[0]
    order["order_state"] = state
    order["last_updated_date"] = updated.strftime("%Y-%m-%dT%H:%M:%SZ")
    order["created_date"] = (created or updated - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for index, line in enumerate(order["order_lines"], start=1):
        line["order_line_id"] = f"{order_id}-{index}"
        line["order_line_state"] = state
    return order


def _dump(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]
    headers: httpx.Headers
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body, parse_float=Decimal)


@dataclass
class FakeMirakl:
    """The orders of one shop, and what the adapter asked."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    scripted: list[httpx.Response] = field(default_factory=list)
    time_delta: timedelta = timedelta(seconds=60)  # Mirakl widens start_update_date by a delta (OR11 docs)
    key: str = API_KEY

    def fail_next(self, *responses: httpx.Response) -> None:
        self.scripted.extend(responses)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport())

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        assert f"{url.scheme}://{url.host}" == BASE_URL, f"request to an unexpected host: {url}"
        call = Call(request.method, url.path, dict(url.params), request.headers, request.content)
        self.calls.append(call)
        if self.scripted:
            return self.scripted.pop(0)
        if request.headers.get("authorization") != self.key:
            return httpx.Response(401, json={"message": "Unauthorized", "status": 401})
        path = url.path
        if request.method == "GET" and path == "/api/orders":
            return self._list(call.params)
        if request.method == "PUT" and path.startswith("/api/orders/"):
            parts = path.split("/")
            if path == "/api/orders/cancel":
                return httpx.Response(200, json={"cancelations": []})
            order_id, action = parts[3], parts[4]
            return self._action(order_id, action, call)
        if request.method == "POST" and path == "/api/offers/stock/imports":
            return httpx.Response(201, json={"import_id": f"STO-{len(self.calls)}"})
        raise AssertionError(f"the fake Mirakl has no {request.method} {path}")

    def _list(self, params: dict[str, str]) -> httpx.Response:
        found = list(self.orders)
        if "order_ids" in params:
            wanted = set(params["order_ids"].split(","))
            found = [o for o in found if o["order_id"] in wanted]
        if "start_update_date" in params:
            start = _time(params["start_update_date"]) - self.time_delta
            found = [o for o in found if _time(o["last_updated_date"]) >= start]
        if "end_update_date" in params:
            end = _time(params["end_update_date"])
            found = [o for o in found if _time(o["last_updated_date"]) <= end]
        found.sort(key=lambda o: (o["created_date"], o["order_id"]))  # OR11 sorts by creation date only
        offset, size = int(params.get("offset", 0)), int(params.get("max", 10))
        page = found[offset : offset + size] if params.get("paginate", "true") == "true" else found
        return httpx.Response(
            200,
            json={"orders": _dump(page), "total_count": len(found)},
            headers={"x-mirakl-request-id": f"req-{len(self.calls)}"},
        )

    def _action(self, order_id: str, action: str, call: Call) -> httpx.Response:
        order = next((o for o in self.orders if o["order_id"] == order_id), None)
        if order is None:
            return httpx.Response(404, json={"message": f"Order {order_id} not found", "status": 404})
        if action == "accept":
            if order["order_state"] != "WAITING_ACCEPTANCE":
                return httpx.Response(400, json={"message": "Order is not in WAITING_ACCEPTANCE", "status": 400})
            verdicts = {line["id"]: line["accepted"] for line in call.json()["order_lines"]}
            for line in order["order_lines"]:
                line["order_line_state"] = "WAITING_DEBIT" if verdicts.get(line["order_line_id"]) else "REFUSED"
            order["order_state"] = "WAITING_DEBIT" if any(verdicts.values()) else "REFUSED"
        elif action == "tracking":
            body = call.json()
            order["shipping_tracking"] = body.get("tracking_number")
            order["shipping_company"] = body.get("carrier_name") or body.get("carrier_code")
        elif action == "ship":
            if order["order_state"] != "SHIPPING":
                return httpx.Response(400, json={"message": "Order is not in SHIPPING", "status": 400})
            order["order_state"] = "SHIPPED"
        elif action == "cancel":
            order["order_state"] = "CANCELED"
        else:
            raise AssertionError(f"the fake Mirakl has no PUT /api/orders/<id>/{action}")
        order["last_updated_date"] = (_time(order["last_updated_date"]) + timedelta(seconds=1)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        return httpx.Response(204)

    def requests(self, method: str | None = None, path: str | None = None) -> list[Call]:
        return [c for c in self.calls if (method is None or c.method == method) and (path is None or c.path == path)]


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def poller(
    fake: FakeMirakl, *, clock_at: datetime = NOW, sku_map: SkuMap | None = None, **options: Any
) -> MiraklPoller:
    return MiraklPoller(
        config(**options), context(), http=fake.client(), bucket=fast_bucket(), clock=lambda: clock_at, sku_map=sku_map
    )


def shipment_sink(fake: FakeMirakl, **options: Any) -> MiraklShipmentSink:
    return MiraklShipmentSink(config(**options), context(), http=fake.client(), bucket=fast_bucket())


def stock_sink(
    fake: FakeMirakl, *, imports: TokenBucket | None = None, sku_map: SkuMap | None = None, **options: Any
) -> MiraklStockSink:
    return MiraklStockSink(
        config(**options),
        context(),
        http=fake.client(),
        bucket=fast_bucket(),
        imports=imports or fast_bucket(),
        sku_map=sku_map,
    )


__all__ = ["ADAPTER", "FakeMirakl", "make_order", "poller", "shipment_sink", "stock_sink"]
