"""A local simulator of the Shopify GraphQL Admin API, for tests and demos: plug it in as an httpx transport.

`FakeShop` answers the operations the adapter sends (orders search with UPDATED_AT sort and cursor
pagination, fulfillment orders, fulfillmentCreate, orderCancel, productVariants, inventorySetQuantities
with compare-and-set and idempotency keys), reports `extensions.cost.throttleStatus` on every answer,
and replays scripted failures first (`fail_next`: HTTP statuses, THROTTLED, bodies that are not JSON).
It records every request so tests can assert exactly what was sent. It never opens a socket.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

OPERATION = re.compile(r"^\s*(?:query|mutation)\s+(\w+)")
BOUND = re.compile(r"updated_at:(<=|>=)'([^']+)'")


@dataclass
class Sent:
    """One request as the simulator saw it."""

    method: str
    url: str
    headers: dict[str, str]
    operation: str
    query: str
    variables: dict[str, Any]


@dataclass
class FakeShop:
    shop: str = "example.myshopify.com"
    token: str = "shpat_test_token"
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    fulfillment_orders: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    inventory: dict[str, dict[str, Any]] = field(default_factory=dict)  # sku -> {"item": gid, "available": int}
    location: str = "gid://shopify/Location/905684977"
    requests: list[Sent] = field(default_factory=list)
    scripted: list[Callable[[], httpx.Response]] = field(default_factory=list)
    fulfillments: list[dict[str, Any]] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    available: float = 1000.0
    restore_rate: float = 100.0
    cost: float = 52.0

    # -- set-up ---------------------------------------------------------------------------------------
    def add_order(self, node: dict[str, Any]) -> None:
        order_id = node["id"].rsplit("/", 1)[-1]
        self.orders[order_id] = copy.deepcopy(node)
        items = [
            {
                "id": f"gid://shopify/FulfillmentOrderLineItem/{order_id}{i}",
                "remainingQuantity": int(item["quantity"]),
                "lineItem": {"id": item["id"], "sku": item.get("sku")},
            }
            for i, item in enumerate(node["lineItems"]["nodes"], start=1)
        ]
        self.fulfillment_orders[order_id] = [
            {"id": f"gid://shopify/FulfillmentOrder/{order_id}", "status": "OPEN", "lineItems": {"nodes": items}}
        ]

    def fail_next(self, *answers: int | str) -> None:
        """Queue failures: an HTTP status (429 gets Retry-After: 2), "THROTTLED", or "garbage" (not JSON)."""
        for answer in answers:
            self.scripted.append(lambda a=answer: self._failure(a))

    def _failure(self, answer: int | str) -> httpx.Response:
        rid = {"X-Request-Id": f"req-{len(self.requests)}"}
        if answer == "THROTTLED":
            body = {
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": {"cost": self._cost(actual=None, available=10.0)},
            }
            return httpx.Response(200, json=body, headers=rid)
        if answer == "garbage":
            return httpx.Response(200, text="<html>upstream proxy error</html>", headers=rid)
        headers = rid | ({"Retry-After": "2"} if answer == 429 else {})
        return httpx.Response(int(answer), json={"errors": f"HTTP {answer}"}, headers=headers)

    # -- the transport ----------------------------------------------------------------------------------
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport())

    def handle(self, request: httpx.Request) -> httpx.Response:
        payload = json.loads(request.content or b"{}")
        query = payload.get("query", "")
        match = OPERATION.match(query)
        sent = Sent(
            request.method,
            str(request.url),
            dict(request.headers),
            match.group(1) if match else "?",
            query,
            payload.get("variables") or {},
        )
        self.requests.append(sent)
        if request.url.host != self.shop or not request.url.path.endswith("/graphql.json"):
            return httpx.Response(404, json={"errors": "Not Found"})
        if request.headers.get("x-shopify-access-token") != self.token:
            return httpx.Response(401, json={"errors": "[API] Invalid API key or access token"})
        if self.scripted:
            return self.scripted.pop(0)()
        handler = getattr(self, f"_op_{sent.operation}", None)
        if handler is None:
            return self._answer({"errors": [{"message": f"unknown operation {sent.operation}"}]})
        return self._answer(handler(sent.variables))

    def _cost(self, *, actual: float | None, available: float | None = None) -> dict[str, Any]:
        return {
            "requestedQueryCost": self.cost,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": 2000.0,
                "currentlyAvailable": self.available if available is None else available,
                "restoreRate": self.restore_rate,
            },
        }

    def _answer(self, body: dict[str, Any]) -> httpx.Response:
        body.setdefault("extensions", {"cost": self._cost(actual=self.cost)})
        return httpx.Response(200, json=body, headers={"X-Request-Id": f"req-{len(self.requests)}"})

    # -- operations -------------------------------------------------------------------------------------
    def _op_HubOrders(self, v: dict[str, Any]) -> dict[str, Any]:
        bounds = dict((op, value) for op, value in BOUND.findall(v.get("query") or ""))
        rows = sorted(self.orders.values(), key=lambda n: (n["updatedAt"], n["id"]))
        rows = [
            n
            for n in rows
            if (">=" not in bounds or n["updatedAt"] >= bounds[">="])
            and ("<=" not in bounds or n["updatedAt"] <= bounds["<="])
        ]
        after = v.get("after")
        if after:
            rows = [n for n in rows if f"{n['updatedAt']}|{n['id']}" > after]
        page = rows[: int(v["first"])]
        edges = [{"cursor": f"{n['updatedAt']}|{n['id']}", "node": copy.deepcopy(n)} for n in page]
        info = {"hasNextPage": len(rows) > len(page), "endCursor": edges[-1]["cursor"] if edges else None}
        return {"data": {"orders": {"edges": edges, "pageInfo": info}}}

    def _op_HubFulfillmentOrders(self, v: dict[str, Any]) -> dict[str, Any]:
        order_id = v["id"].rsplit("/", 1)[-1]
        if order_id not in self.orders:
            return {"data": {"order": None}}
        nodes = copy.deepcopy(self.fulfillment_orders.get(order_id, []))
        return {"data": {"order": {"id": v["id"], "fulfillmentOrders": {"nodes": nodes}}}}

    def _op_HubFulfillmentCreate(self, v: dict[str, Any]) -> dict[str, Any]:
        fulfillment = v["fulfillment"]
        for group in fulfillment["lineItemsByFulfillmentOrder"]:
            fo = next(
                (f for fos in self.fulfillment_orders.values() for f in fos if f["id"] == group["fulfillmentOrderId"]),
                None,
            )
            if fo is None:
                return {"data": {"fulfillmentCreate": {"fulfillment": None, "userErrors": [{"message": "not found"}]}}}
            for wanted in group["fulfillmentOrderLineItems"]:
                item = next(i for i in fo["lineItems"]["nodes"] if i["id"] == wanted["id"])
                if wanted["quantity"] > item["remainingQuantity"]:
                    errors = [{"field": ["fulfillment"], "message": "Invalid fulfillment order line item quantity"}]
                    return {"data": {"fulfillmentCreate": {"fulfillment": None, "userErrors": errors}}}
                item["remainingQuantity"] -= wanted["quantity"]
            if all(i["remainingQuantity"] == 0 for i in fo["lineItems"]["nodes"]):
                fo["status"] = "CLOSED"
        self.fulfillments.append(fulfillment)
        made = {"id": f"gid://shopify/Fulfillment/{len(self.fulfillments)}", "status": "SUCCESS"}
        return {"data": {"fulfillmentCreate": {"fulfillment": made, "userErrors": []}}}

    def _op_HubOrderCancel(self, v: dict[str, Any]) -> dict[str, Any]:
        order_id = v["orderId"].rsplit("/", 1)[-1]
        order = self.orders.get(order_id)
        if order is None:
            errors = [{"field": ["orderId"], "message": "Order does not exist", "code": "NOT_FOUND"}]
            return {"data": {"orderCancel": {"job": None, "orderCancelUserErrors": errors}}}
        if order.get("cancelledAt"):
            errors = [{"field": ["orderId"], "message": "Order has already been cancelled", "code": "INVALID"}]
            return {"data": {"orderCancel": {"job": None, "orderCancelUserErrors": errors}}}
        order["cancelledAt"] = order["updatedAt"]
        order["cancelReason"] = v["reason"]
        self.cancelled.append(order_id)
        return {
            "data": {"orderCancel": {"job": {"id": "gid://shopify/Job/1", "done": False}, "orderCancelUserErrors": []}}
        }

    def _op_HubOrderCancelled(self, v: dict[str, Any]) -> dict[str, Any]:
        order = self.orders.get(v["id"].rsplit("/", 1)[-1])
        return {"data": {"order": None if order is None else {"id": v["id"], "cancelledAt": order.get("cancelledAt")}}}

    def _op_HubVariantLevel(self, v: dict[str, Any]) -> dict[str, Any]:
        sku = re.sub(r"^sku:'(.*)'$", r"\1", v["query"]).replace("\\'", "'")
        nodes = []
        entry = self.inventory.get(sku)
        if entry is not None:
            level = None
            if v["locationId"] == self.location:
                level = {"quantities": [{"name": "available", "quantity": entry["available"]}]}
            nodes.append(
                {
                    "id": f"gid://shopify/ProductVariant/{abs(hash(sku)) % 10**9}",
                    "sku": sku,
                    "inventoryItem": {"id": entry["item"], "inventoryLevel": level},
                }
            )
        return {"data": {"productVariants": {"nodes": nodes}}}

    def _op_HubSetQuantities(self, v: dict[str, Any]) -> dict[str, Any]:
        key = v.get("key")
        if key is not None and key in self.keys:
            return copy.deepcopy(self.keys[key])
        errors = []
        for q in v["input"]["quantities"]:
            entry = next((e for e in self.inventory.values() if e["item"] == q["inventoryItemId"]), None)
            expected = q.get("changeFromQuantity", q.get("compareQuantity"))
            if entry is None:
                errors.append({"field": ["input"], "message": "item not found", "code": "INVALID_INVENTORY_ITEM"})
            elif expected is not None and expected != entry["available"]:
                code = "CHANGE_FROM_QUANTITY_STALE" if "changeFromQuantity" in q else "COMPARE_QUANTITY_STALE"
                errors.append({"field": ["input"], "message": "The quantity changed", "code": code})
        if not errors:
            for q in v["input"]["quantities"]:
                entry = next(e for e in self.inventory.values() if e["item"] == q["inventoryItemId"])
                entry["available"] = q["quantity"]
        group = None if errors else {"id": f"gid://shopify/InventoryAdjustmentGroup/{len(self.keys) + 1}"}
        answer = {"data": {"inventorySetQuantities": {"inventoryAdjustmentGroup": group, "userErrors": errors}}}
        if key is not None and not errors:
            self.keys[key] = copy.deepcopy(answer)
        return answer
