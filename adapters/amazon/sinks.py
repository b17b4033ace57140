"""Write-backs: shipments as confirmShipment (Orders v0), availability as patchListingsItem (Listings 2021-08-01),
hub cancellations as a POST_ORDER_ACKNOWLEDGEMENT_DATA feed (Feeds 2021-06-30, StatusCode Failure).

Stock goes out one SKU per request with patchListingsItem rather than a JSON_LISTINGS_FEED: the outbox already
coalesces a SKU's pending figures into the newest one and hands each message to the sink on its own, so a
synchronous per-SKU call gives a per-message answer (ACCEPTED / INVALID with issues) that the outbox can retry
or dead-letter. A feed is asynchronous (create a document, upload, createFeed, poll getFeed, read the
processing report) and only pays off for thousands of SKUs at once, which one outbox message never holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any, ClassVar
from urllib.parse import quote

from adapters.amazon.api import CONFIRM_SHIPMENT, PATCH_LISTINGS_ITEM, SpApi
from adapters.amazon.config import AmazonConfig
from adapters.amazon.feeds import (
    ORDER_ACKNOWLEDGEMENT,
    Acknowledgement,
    acknowledgement_feed,
    cancel_reason,
    message_id,
    submit_feed,
)
from hub.channels import SkuMap, read_json, request_id
from hub.errors import Location, RecordError
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import OutboundMessage

CARRIER_CODES = {
    "ups": "UPS",
    "usps": "USPS",
    "fedex": "FedEx",
    "dhl": "DHL",
    "dhl express": "DHL",
    "dpd": "DPD",
    "gls": "GLS",
    "royal mail": "Royal Mail",
    "royal_mail": "Royal Mail",
    "hermes": "Hermes",
    "evri": "Evri",
    "parcelforce": "Parcelforce",
    "yodel": "Yodel",
    "ontrac": "OnTrac",
    "amazon shipping": "Amazon Shipping",
    "japan post": "Japan Post",
    "yamato": "Yamato Transport",
    "sagawa": "Sagawa Express",
}
"""Hub carrier names (lower case) -> Amazon `carrierCode`; anything else is sent as `Other` with `carrierName`."""


def _bad(message: str, field: str | None = None) -> RecordError:
    return RecordError(message, code="bad_outbound", location=Location(field=field))


def _get(body: Mapping[str, Any], *path: str) -> Any:
    value: Any = body
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def ship_date(text: Any) -> str:
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"shipped_at {text!r} is not an ISO 8601 time", "shipment.shipped_at") from None
    return when.isoformat().replace("+00:00", "Z")


class AmazonShipmentSink:
    """Confirms each parcel of a hub shipment on the Amazon order: carrier, tracking number, items and quantities;
    cancels (whole orders or lines) the hub cancelled with an order acknowledgement feed (`order_cancel`)."""

    capability = Capability.SHIPMENT_SINK
    kinds: ClassVar[frozenset[str]] = frozenset({"shipment", "order_cancel"})

    def __init__(self, config: AmazonConfig, context: ConnectionContext, *, api: SpApi | None = None) -> None:
        self.config = config
        self.context = context
        self.api = api or SpApi(config)
        self.carriers = CARRIER_CODES | {k.lower(): v for k, v in config.carrier_codes.items()}

    def deliver(self, message: OutboundMessage) -> None:
        if message.kind == "order_cancel":
            self.cancel(message)
            return
        for order_id, payload in self.requests(message):
            self.api.request(
                CONFIRM_SHIPMENT,
                "POST",
                f"/orders/v0/orders/{quote(order_id, safe='')}/shipmentConfirmation",
                json=payload,
            )

    def requests(self, message: OutboundMessage) -> list[tuple[str, dict[str, Any]]]:
        """The confirmShipment bodies of one shipment message: one per parcel (package)."""
        body = message.body
        order = _get(body, "order") or {}
        shipment = _get(body, "shipment") or {}
        order_id = _get(order, "external_id") or shipment.get("order_external_id")
        if not order_id:
            raise _bad("the shipment message names no Amazon order id", "order.external_id")
        amazon = _get(order, "attributes", "amazon") or {}
        marketplace = amazon.get("marketplace_id") or self.config.marketplace_ids[0]
        items = {int(i["line_no"]): i.get("order_item_id") for i in amazon.get("items") or [] if i.get("line_no")}
        parcels = [p for p in shipment.get("parcels") or [] if _get(p, "tracking", "number")]
        if not parcels:
            raise _bad(f"shipment of order {order_id} has no tracking number; Amazon requires one", "parcels")
        by_parcel: dict[str | None, list[dict[str, Any]]] = {}
        for line in shipment.get("lines") or []:
            line_no = int(line["line_no"])
            item_id = items.get(line_no)
            if not item_id:
                raise _bad(f"order {order_id} line {line_no} has no Amazon orderItemId", f"lines[{line_no}]")
            try:
                quantity = Decimal(str(line["quantity"]))
            except (InvalidOperation, KeyError):
                raise _bad(f"line {line_no}: quantity is not a number", f"lines[{line_no}].quantity") from None
            if quantity != quantity.to_integral_value():
                raise _bad(f"line {line_no}: Amazon ships whole units, not {quantity}", f"lines[{line_no}].quantity")
            by_parcel.setdefault(line.get("parcel_id"), []).append({"orderItemId": item_id, "quantity": int(quantity)})
        if not by_parcel:
            raise _bad(f"shipment of order {order_id} has no lines", "lines")
        shipped = ship_date(shipment.get("shipped_at"))
        out = []
        for n, parcel in enumerate(parcels, start=1):
            key = parcel.get("parcel_id")
            lines = by_parcel.pop(key, []) if key in by_parcel else []
            if n == 1:  # lines that name no parcel (or one without tracking) go with the first package
                for other in [k for k in by_parcel if k not in {p.get("parcel_id") for p in parcels}]:
                    lines += by_parcel.pop(other)
            if not lines:
                continue
            tracking = parcel["tracking"]
            carrier = str(tracking.get("carrier") or "")
            code = self.carriers.get(carrier.strip().lower(), "Other")
            detail: dict[str, Any] = {
                "packageReferenceId": str(key or f"{shipment.get('id') or message.idempotency_key}-{n}")[:40],
                "carrierCode": code,
                "trackingNumber": str(tracking["number"]),
                "shipDate": shipped,
                "orderItems": lines,
            }
            if code == "Other":
                detail["carrierName"] = carrier or "Other"
            if tracking.get("service"):
                detail["shippingMethod"] = str(tracking["service"])
            out.append((str(order_id), {"marketplaceId": marketplace, "packageDetail": detail}))
        return out

    def cancellation(self, message: OutboundMessage) -> tuple[str, Acknowledgement]:
        """(marketplace id, acknowledgement) of one `order_cancel` message.

        Every cancelled line is named by its AmazonOrderItemCode (kept at capture in order.attributes.amazon.items);
        a whole-order cancellation names all the order's items, as Amazon cancels items, not the bare order.
        """
        body = message.body
        order = _get(body, "order") or {}
        order_id = body.get("order_external_id") or _get(order, "external_id")
        if not order_id:
            raise _bad("the order_cancel message names no Amazon order id", "order_external_id")
        amazon = _get(order, "attributes", "amazon") or {}
        marketplace = amazon.get("marketplace_id") or self.config.marketplace_ids[0]
        items = {int(i["line_no"]): i.get("order_item_id") for i in amazon.get("items") or [] if i.get("line_no")}
        line_nos = [int(n) for n in body.get("line_nos") or []]  # [] = the whole order: every line it had
        wanted = line_nos or [int(line["line_no"]) for line in body.get("lines") or []] or sorted(items)
        codes: list[str] = []
        for line_no in wanted:
            code = items.get(line_no)
            if not code:
                raise _bad(f"order {order_id} line {line_no} has no Amazon orderItemId", f"lines[{line_no}]")
            if code not in codes:
                codes.append(str(code))
        if not codes:
            raise _bad(f"order {order_id}: no Amazon order items to cancel", "lines")
        reason = cancel_reason(body.get("reason_code"))
        ack = Acknowledgement(str(order_id), tuple(codes), reason, message_id(message.idempotency_key))
        return str(marketplace), ack

    def cancel(self, message: OutboundMessage) -> str:
        """Submit the acknowledgement feed (StatusCode Failure) for one `order_cancel` message; returns the feedId."""
        marketplace, ack = self.cancellation(message)
        content = acknowledgement_feed(self.config.seller_id, [ack])
        return submit_feed(self.api, ORDER_ACKNOWLEDGEMENT, [marketplace], content)


class AmazonStockSink:
    """Sets the merchant-fulfilled quantity of one listing (`fulfillment_availability`) per stock message."""

    capability = Capability.STOCK_SINK

    def __init__(
        self,
        config: AmazonConfig,
        context: ConnectionContext,
        *,
        api: SpApi | None = None,
        skus: SkuMap | None = None,
    ) -> None:
        self.config = config
        self.context = context
        self.api = api or SpApi(config)
        self.skus = skus or SkuMap.for_option(config.sku_map)

    def request(self, message: OutboundMessage) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """(path, query, JSON body) of the patchListingsItem call for one stock message."""
        sku = message.body.get("sku")
        if not sku:
            raise _bad("the stock message names no SKU", "sku")
        try:
            available = Decimal(str(message.body.get("available")))
        except InvalidOperation:
            raise _bad(f"available {message.body.get('available')!r} is not a number", "available") from None
        quantity = max(0, int(available.to_integral_value(rounding=ROUND_FLOOR)))
        channel_sku = self.skus.to_channel(str(sku))
        path = f"/listings/2021-08-01/items/{quote(self.config.seller_id, safe='')}/{quote(channel_sku, safe='')}"
        query = {"marketplaceIds": ",".join(self.config.marketplace_ids), "issueLocale": "en_US"}
        patch = {
            "productType": self.config.product_type,
            "patches": [
                {
                    "op": "replace",
                    "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": self.config.fulfillment_channel_code, "quantity": quantity}],
                }
            ],
        }
        return path, query, patch

    def deliver(self, message: OutboundMessage) -> None:
        path, query, patch = self.request(message)
        response = self.api.request(PATCH_LISTINGS_ITEM, "PATCH", path, params=query, json=patch)
        answer = read_json(response, what="Amazon patchListingsItem answer")
        status = answer.get("status") if isinstance(answer, dict) else None
        if status in {"ACCEPTED", "VALID"}:
            return
        issues = answer.get("issues") if isinstance(answer, dict) else None
        summary = "; ".join(
            f"{i.get('code')}: {i.get('message')}"
            for i in issues or []
            if isinstance(i, dict) and i.get("severity") == "ERROR"
        )
        rid = request_id(response)
        raise RecordError(
            f"Amazon patchListingsItem for {path.rsplit('/', 1)[-1]}: status {status!r}"
            + (f" (submission {answer.get('submissionId')})" if isinstance(answer, dict) else "")
            + (f" (request id {rid})" if rid else "")
            + (f": {summary}" if summary else ""),
            code="listing_invalid",
            location=Location(field="sku"),
        )
