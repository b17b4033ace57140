"""Write-backs to Mirakl: tracking then ship (OR23, OR24), hub cancellations (OR29, OR30), stock (STO01)."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any, ClassVar

import httpx

from adapters.mirakl.client import MiraklClient
from adapters.mirakl.config import MiraklConfig
from hub.channels import SkuMap, TokenBucket, UnknownSku, read_json
from hub.errors import ConfigError, Location, RateLimited, RecordError
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import OutboundMessage

log = logging.getLogger(__name__)


def _bad(message: OutboundMessage, text: str, field: str | None = None) -> RecordError:
    return RecordError(
        f"{message.kind} {message.idempotency_key}: {text}", code="bad_message", location=Location(field=field)
    )


def mirakl_order_id(message: OutboundMessage) -> tuple[str, Mapping[str, Any]]:
    """The Mirakl order id of the order a message is about, and the order's JSON."""
    order = message.body.get("order")
    if not isinstance(order, Mapping) or not order.get("external_id"):
        raise _bad(message, "the message names no order", "order.external_id")
    return str(order["external_id"]), order


class MiraklShipmentSink:
    """SHIPMENT_SINK: `shipment` -> OR23 (tracking) then OR24 (ship) once every line has shipped;
    `order_cancel` (the hub cancelled a Mirakl order) -> OR29 for the whole order, OR30 for some lines."""

    capability: ClassVar[Capability] = Capability.SHIPMENT_SINK
    kinds: ClassVar[frozenset[str]] = frozenset({"shipment", "order_cancel"})

    def __init__(
        self,
        config: MiraklConfig,
        context: ConnectionContext,
        *,
        http: httpx.Client | None = None,
        bucket: TokenBucket | None = None,
    ) -> None:
        self.config = config
        self.context = context
        self.client = MiraklClient(config, http=http, bucket=bucket)

    def deliver(self, message: OutboundMessage) -> None:
        if message.kind == "shipment":
            self.ship(message)
        elif message.kind == "order_cancel":
            self.cancel(message)
        else:
            raise _bad(message, f"this sink does not deliver {message.kind!r} messages")

    # -- shipments --------------------------------------------------------------------------------------------
    def ship(self, message: OutboundMessage) -> None:
        order_id, order = mirakl_order_id(message)
        shipment = message.body.get("shipment")
        if not isinstance(shipment, Mapping):
            raise _bad(message, "the message holds no shipment", "shipment")
        tracking = self.tracking_body(shipment)
        if tracking:
            self.client.request(
                "PUT",
                f"orders/{order_id}/tracking",
                what=f"Mirakl OR23 tracking of order {order_id}",
                json_body=tracking,
            )
        if order.get("status") != "shipped":
            return  # partly shipped: Mirakl ships whole orders (OR24), so it waits for the last shipment
        if message.attempt > 1 and self.state(order_id) != "SHIPPING":
            return  # an earlier attempt's OR24 went through (its answer was lost)
        self.client.request("PUT", f"orders/{order_id}/ship", what=f"Mirakl OR24 ship order {order_id}")

    def tracking_body(self, shipment: Mapping[str, Any]) -> dict[str, str]:
        """OR23's body from the shipment's first tracked parcel: a registered carrier by code, else by name."""
        for parcel in shipment.get("parcels") or []:
            tracking = parcel.get("tracking") if isinstance(parcel, Mapping) else None
            if not isinstance(tracking, Mapping) or not tracking.get("number"):
                continue
            carrier = str(tracking.get("carrier") or "")
            body: dict[str, str] = {}
            code = self.config.carrier_codes.get(carrier) or self.config.carrier_codes.get(carrier.lower())
            if code:
                body["carrier_code"] = code
            else:
                body["carrier_name"] = carrier
                if tracking.get("url"):
                    body["carrier_url"] = str(tracking["url"])
            body["tracking_number"] = str(tracking["number"])
            return body
        return {}

    def state(self, order_id: str) -> str | None:
        """The order's state now (OR11 by id)."""
        what = f"Mirakl OR11 state of order {order_id}"
        response = self.client.request("GET", "orders", what=what, params={"order_ids": order_id, "paginate": "false"})
        data = read_json(response, what=what, exact=True)
        for order in (data.get("orders") if isinstance(data, dict) else None) or []:
            if isinstance(order, Mapping) and str(order.get("order_id")) == order_id:
                return str(order.get("order_state"))
        return None

    # -- hub-side cancellations -----------------------------------------------------------------------------------
    def cancel(self, message: OutboundMessage) -> None:
        order_id, order = mirakl_order_id(message)
        line_nos = [int(n) for n in message.body.get("line_nos") or []]
        if not line_nos:
            if message.attempt > 1 and self.state(order_id) == "CANCELED":
                return
            self.client.request("PUT", f"orders/{order_id}/cancel", what=f"Mirakl OR29 cancel order {order_id}")
            return
        body = self.or30_body(message, order, line_nos)
        self.client.request(
            "PUT", "orders/cancel", what=f"Mirakl OR30 cancel lines of order {order_id}", json_body=body
        )

    def or30_body(self, message: OutboundMessage, order: Mapping[str, Any], line_nos: list[int]) -> dict[str, Any]:
        """OR30 cancellations of whole lines: amounts and taxes as the order had them (kept from OR11)."""
        reason = self.config.cancel_reason_code
        if not reason:
            raise ConfigError(
                f"connection {self.context.connection!r}: cancelling Mirakl order lines (OR30) needs the "
                "cancel_reason_code option (a reason code of the operator's platform)"
            )
        echo = ((order.get("attributes") or {}).get("mirakl") or {}).get("lines") or {}
        quantities = {int(ln["line_no"]): ln.get("quantity") for ln in order.get("lines") or [] if "line_no" in ln}
        cancelations = []
        for no in line_nos:
            line = echo.get(str(no))
            if not isinstance(line, Mapping):
                raise _bad(message, f"line {no} has no Mirakl order line id", f"line_nos[{no}]")
            entry: dict[str, Any] = {
                "order_line_id": line["order_line_id"],
                "quantity": int(Decimal(str(quantities.get(no) or 0))),
                "amount": Decimal(line.get("price") or 0),
                "shipping_amount": Decimal(line.get("shipping_price") or 0),
                "reason_code": reason,
                "currency_iso_code": order.get("currency"),
            }
            taxes = [
                {"amount": Decimal(t["amount"]), "code": t["code"]} for t in line.get("taxes") or [] if t.get("code")
            ]
            shipping_taxes = [
                {"amount": Decimal(t["amount"]), "code": t["code"]}
                for t in line.get("shipping_taxes") or []
                if t.get("code")
            ]
            if taxes:
                entry["taxes"] = taxes
            if shipping_taxes:
                entry["shipping_taxes"] = shipping_taxes
            cancelations.append(entry)
        return {"cancelations": cancelations}


class MiraklStockSink:
    """STOCK_SINK: one SKU's available-to-sell as a STO01 stock import (offer-sku;quantity), nothing else.

    STO01 changes the offer's quantity only. OF24 (offer upsert) resets every offer field it is not sent,
    so this adapter never uses it for stock. STO01 is paced at `stock_imports_per_minute` (Mirakl allows
    one import a minute): a push that comes sooner is answered RateLimited with the wait, and the outbox
    tries it then (a newer figure for the same SKU supersedes a waiting one).
    """

    capability: ClassVar[Capability] = Capability.STOCK_SINK

    def __init__(
        self,
        config: MiraklConfig,
        context: ConnectionContext,
        *,
        http: httpx.Client | None = None,
        bucket: TokenBucket | None = None,
        imports: TokenBucket | None = None,
        sku_map: SkuMap | None = None,
    ) -> None:
        self.config = config
        self.context = context
        self.client = MiraklClient(config, http=http, bucket=bucket)
        self.imports = imports or TokenBucket(config.stock_imports_per_minute / 60.0, 1)
        self.sku_map = sku_map or SkuMap.for_option(config.sku_map)

    def deliver(self, message: OutboundMessage) -> None:
        hub_sku = str(message.body.get("sku") or "")
        if not hub_sku:
            raise _bad(message, "no sku", "sku")
        try:
            offer_sku = self.sku_map.to_channel(hub_sku)
        except UnknownSku:
            log.info("stock of %s not sent to %s: the SKU map has no offer for it", hub_sku, self.context.connection)
            return
        try:
            available = Decimal(str(message.body.get("available")))
        except (InvalidOperation, ValueError):
            raise _bad(message, f"available {message.body.get('available')!r} is not a number", "available") from None
        quantity = max(0, int(available.to_integral_value(rounding=ROUND_FLOOR)))
        wait = self.imports.wait_time()
        if wait > 0:
            raise RateLimited(f"Mirakl STO01: next stock import allowed in {wait:.0f}s", retry_after=wait)
        self.imports.acquire()
        self.client.request(
            "POST",
            "offers/stock/imports",
            what=f"Mirakl STO01 stock of {offer_sku}",
            files={"file": ("stock.csv", self.csv(offer_sku, quantity), "text/csv")},
        )

    def csv(self, offer_sku: str, quantity: int) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
        if self.config.warehouse_code:
            writer.writerow(["offer-sku", "quantity", "warehouse-code"])
            writer.writerow([offer_sku, quantity, self.config.warehouse_code])
        else:
            writer.writerow(["offer-sku", "quantity"])
            writer.writerow([offer_sku, quantity])
        return out.getvalue().encode("utf-8")
