"""Write-backs to Shopify: fulfillment with tracking and order cancellation (shipment sink), stock (stock sink).

Fulfillment: read the order's fulfillment orders, match each shipped hub line (through the order's
attributes.shopify.lines: line_no -> line item id) to open fulfillment-order line items with a
remaining quantity, then one `fulfillmentCreate` per fulfillment order with `trackingInfo`. A
re-delivery after a lost answer finds nothing remaining and succeeds without a second fulfillment.

Cancellation (kind "order_cancel"): `orderCancel` of the whole order (restock, no customer notice by
default); an order Shopify already cancelled counts as done. Line-level cancellation needs an order
edit and is refused as a RecordError (dead letter, for an operator).

Stock: the variant's inventory item and its current `available` at the configured location, then
`inventorySetQuantities` with compare-and-set (`changeFromQuantity` from 2026-04, `compareQuantity`
before) and an `@idempotent` key derived from the outbox message and the values sent (2026-01 on), so
a retried identical request is applied once and a request with new values gets a new key. A stale
compare is a TransientError: the outbox retries, reading the quantity again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import httpx

from adapters.shopify.config import ShopifyConfig
from adapters.shopify.graphql import ShopifyGraphQL
from adapters.shopify.queries import (
    FULFILLMENT_CREATE,
    FULFILLMENT_ORDERS,
    ORDER_CANCEL,
    ORDER_CANCEL_LEGACY,
    ORDER_CANCELLED,
    SET_QUANTITIES,
    SET_QUANTITIES_NO_KEY,
    VARIANT_LEVEL,
)
from hub.channels import SkuMap
from hub.errors import ConfigError, Location, RecordError, TransientError
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import OutboundMessage

OPEN_FULFILLMENT_ORDERS = frozenset({"OPEN", "IN_PROGRESS", "SCHEDULED"})
STALE_CODES = frozenset({"CHANGE_FROM_QUANTITY_STALE", "COMPARE_QUANTITY_STALE"})
CANCEL_REASONS = {"customer": "CUSTOMER", "inventory": "INVENTORY", "fraud": "FRAUD", "declined": "DECLINED"}
KEY_NAMESPACE = uuid.UUID("6f0e3c1a-8d7b-4a52-9a43-0c5d2e1f7b90")


def gid(kind: str, value: Any) -> str:
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def _user_errors(payload: Mapping[str, Any] | None, *names: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in names:
        out += [e for e in (payload or {}).get(name) or [] if isinstance(e, dict)]
    return out


def _describe(errors: list[dict[str, Any]]) -> str:
    return "; ".join(f"{e.get('code') or ''} {e.get('message', '')}".strip() for e in errors[:3])[:300]


class _Sink:
    capability: ClassVar[Capability]

    def __init__(
        self,
        config: ShopifyConfig,
        context: ConnectionContext,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.context = context
        self.api = ShopifyGraphQL(config, client=client, sleep=sleep)
        self.skus = SkuMap.for_option(config.sku_map)


class ShopifyShipmentSink(_Sink):
    """SHIPMENT_SINK: `shipment` -> fulfillmentCreate with tracking; `order_cancel` -> orderCancel."""

    capability = Capability.SHIPMENT_SINK
    kinds: ClassVar[frozenset[str]] = frozenset({"shipment", "order_cancel"})

    def deliver(self, message: OutboundMessage) -> None:
        if message.kind == "shipment":
            self.fulfill(message)
        elif message.kind == "order_cancel":
            self.cancel(message)
        else:
            raise RecordError(f"shopify shipment sink does not send {message.kind!r}", code="unsupported_kind")

    # -- fulfillment --------------------------------------------------------------------------------
    def fulfill(self, message: OutboundMessage) -> None:
        order = message.body.get("order") or {}
        shipment = message.body.get("shipment") or {}
        order_id = str(order.get("external_id") or "")
        refs = {int(r["line_no"]): r for r in ((order.get("attributes") or {}).get("shopify") or {}).get("lines", [])}
        if not order_id or not refs:
            raise RecordError(
                f"shipment {message.idempotency_key}: order {order_id or '?'} did not come from Shopify "
                "(no attributes.shopify.lines)",
                code="not_a_shopify_order",
            )
        data = self.api.execute("fulfillmentOrders", FULFILLMENT_ORDERS, {"id": gid("Order", order_id)})
        node = data.get("order")
        if not node:
            raise RecordError(
                f"Shopify has no order {order_id}", code="unknown_order", location=Location(field="order")
            )
        open_items: list[tuple[str, dict[str, Any]]] = []
        for fo in (node.get("fulfillmentOrders") or {}).get("nodes") or []:
            if fo.get("status") in OPEN_FULFILLMENT_ORDERS:
                open_items += [(fo["id"], item) for item in (fo.get("lineItems") or {}).get("nodes") or []]
        plan: dict[str, list[dict[str, Any]]] = {}
        wanted_total = 0
        for line in shipment.get("lines") or []:
            ref = refs.get(int(line["line_no"]))
            if ref is None:
                raise RecordError(f"order {order_id} has no line {line['line_no']}", code="unknown_line")
            wanted = _whole(line.get("quantity"), f"lines[{line['line_no']}].quantity")
            wanted_total += wanted
            line_gid = gid("LineItem", ref["line_item_id"])
            for fo_id, item in open_items:
                if wanted == 0:
                    break
                remaining = int(item.get("remainingQuantity") or 0)
                if (item.get("lineItem") or {}).get("id") != line_gid or remaining <= 0:
                    continue
                take = min(wanted, remaining)
                item["remainingQuantity"] = remaining - take
                wanted -= take
                plan.setdefault(fo_id, []).append({"id": item["id"], "quantity": take})
        if not plan:
            if wanted_total:
                return  # nothing left to fulfil: an earlier attempt (or the merchant) already did
            raise RecordError(f"shipment for order {order_id} has no lines", code="empty_shipment")
        tracking = _tracking(shipment)
        for fo_id, items in plan.items():
            fulfillment: dict[str, Any] = {
                "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo_id, "fulfillmentOrderLineItems": items}],
                "notifyCustomer": self.config.notify_customer,
            }
            if tracking:
                fulfillment["trackingInfo"] = tracking
            result = self.api.execute(
                "fulfillmentCreate", FULFILLMENT_CREATE, {"fulfillment": fulfillment, "message": None}, write=True
            )
            errors = _user_errors(result.get("fulfillmentCreate"), "userErrors")
            if errors:
                raise RecordError(
                    f"fulfillmentCreate for order {order_id}: {_describe(errors)}", code="fulfillment_refused"
                )

    # -- cancellation -------------------------------------------------------------------------------
    def cancel(self, message: OutboundMessage) -> None:
        body = message.body
        order = body.get("order") or {}
        order_id = str(body.get("order_external_id") or order.get("external_id") or "")
        if not order_id:
            raise RecordError(f"order_cancel {message.idempotency_key}: no order external id", code="bad_body")
        if body.get("line_nos"):
            raise RecordError(
                f"order {order_id}: Shopify's orderCancel cancels whole orders; cancelling lines "
                f"{body['line_nos']} needs an order edit, which this adapter does not send",
                code="partial_cancel_unsupported",
            )
        variables: dict[str, Any] = {
            "orderId": gid("Order", order_id),
            "reason": CANCEL_REASONS.get(str(body.get("reason_code") or "").lower(), "OTHER"),
            "restock": True,
            "notifyCustomer": False,
            "staffNote": str(body.get("reason") or "cancelled by the order hub")[:255],
        }
        if self.config.at_least("2025-07"):
            variables["refundMethod"] = {"originalPaymentMethodsRefund": self.config.refund_on_cancel}
            document = ORDER_CANCEL
        else:
            variables["refund"] = self.config.refund_on_cancel
            document = ORDER_CANCEL_LEGACY
        result = self.api.execute("orderCancel", document, variables, write=True)
        errors = _user_errors(result.get("orderCancel"), "orderCancelUserErrors", "userErrors")
        if not errors:
            return
        if any(e.get("code") == "INTERNAL_ERROR" for e in errors):
            raise TransientError(f"orderCancel for order {order_id}: {_describe(errors)}", code="cancel_internal")
        # Shopify refuses to cancel an order twice (code INVALID): a re-delivery whose first attempt
        # went through counts as done, which the order itself says.
        state = self.api.execute("orderCancelled", ORDER_CANCELLED, {"id": gid("Order", order_id)})
        if not (state.get("order") or {}).get("cancelledAt"):
            raise RecordError(f"orderCancel for order {order_id}: {_describe(errors)}", code="cancel_refused")


class ShopifyStockSink(_Sink):
    """STOCK_SINK: set the `available` quantity of one SKU at the configured location (compare-and-set)."""

    capability = Capability.STOCK_SINK

    def deliver(self, message: OutboundMessage) -> None:
        if not self.config.location_id:
            raise ConfigError(
                f"connection {self.context.connection!r}: stock push needs option location_id", code="no_location"
            )
        hub_sku = str(message.body.get("sku") or "")
        if not hub_sku:
            raise RecordError(f"stock message {message.idempotency_key} names no SKU", code="bad_body")
        target = _whole(message.body.get("available"), "available")
        sku = self.skus.to_channel(hub_sku)
        data = self.api.execute(
            "productVariants", VARIANT_LEVEL, {"query": f"sku:'{_quote(sku)}'", "locationId": self.config.location_id}
        )
        variants = [v for v in ((data.get("productVariants") or {}).get("nodes") or []) if v.get("sku") == sku]
        if len(variants) != 1:
            raise RecordError(
                f"Shopify has {len(variants)} variants with SKU {sku!r}; expected exactly one",
                code="sku_not_in_shop" if not variants else "sku_ambiguous",
                location=Location(field="sku"),
            )
        item = variants[0].get("inventoryItem") or {}
        level = item.get("inventoryLevel")
        if not level:
            raise RecordError(f"SKU {sku!r} is not stocked at {self.config.location_id}", code="not_stocked")
        current = next((q.get("quantity") for q in level.get("quantities") or [] if q.get("name") == "available"), None)
        if current is None:
            raise TransientError(f"Shopify gave no available quantity for SKU {sku!r}", code="bad_response")
        if int(current) == target:
            return
        quantity: dict[str, Any] = {
            "inventoryItemId": item["id"],
            "locationId": self.config.location_id,
            "quantity": target,
        }
        payload: dict[str, Any] = {
            "name": "available",
            "reason": "correction",
            "referenceDocumentUri": f"order-hub://stock/{message.id}",
            "quantities": [quantity],
        }
        if self.config.at_least("2026-04"):
            quantity["changeFromQuantity"] = int(current)
        else:
            quantity["compareQuantity"] = int(current)
        variables: dict[str, Any] = {"input": payload}
        document = SET_QUANTITIES_NO_KEY
        if self.config.at_least("2026-01"):
            document = SET_QUANTITIES
            variables["key"] = str(uuid.uuid5(KEY_NAMESPACE, f"{message.idempotency_key}|{current}|{target}"))
        result = self.api.execute("inventorySetQuantities", document, variables, write=True)
        errors = _user_errors(result.get("inventorySetQuantities"), "userErrors")
        if any(e.get("code") in STALE_CODES for e in errors):
            raise TransientError(
                f"SKU {sku!r}: Shopify's available changed since it was read (was {current}); retrying reads it again",
                code="stale_quantity",
            )
        if errors:
            raise RecordError(f"inventorySetQuantities for SKU {sku!r}: {_describe(errors)}", code="inventory_refused")


def _whole(value: Any, where: str) -> int:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RecordError(f"{where}: {str(value)[:20]!r} is not a number", location=Location(field=where)) from None
    if number != number.to_integral_value() or number < 0:
        raise RecordError(
            f"{where}: Shopify takes whole, non-negative units, not {number}", location=Location(field=where)
        )
    return int(number)


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _tracking(shipment: Mapping[str, Any]) -> dict[str, Any] | None:
    tracked = [p["tracking"] for p in shipment.get("parcels") or [] if p.get("tracking")]
    if not tracked:
        return None
    info: dict[str, Any] = {"company": tracked[0].get("carrier")}
    numbers = [t["number"] for t in tracked if t.get("number")]
    urls = [t["url"] for t in tracked if t.get("url")]
    if len(numbers) == 1:
        info["number"] = numbers[0]
    elif numbers:
        info["numbers"] = numbers
    if len(urls) == 1:
        info["url"] = urls[0]
    elif urls:
        info["urls"] = urls
    return info
