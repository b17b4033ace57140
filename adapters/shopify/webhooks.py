"""Shopify webhooks: HMAC-SHA256 verification of the raw body, then parsing by topic from the stored headers.

Topics
  orders/create, orders/updated, orders/paid, orders/cancelled, orders/fulfilled, orders/partially_fulfilled
                       -> Order (+ Cancellation when `cancelled_at` is set), REST-shaped body.
  fulfillments/create, fulfillments/update, refunds/create, orders/edited
                       -> no document, accepted and recorded as ignored (ParseResult.format says why):
                          a Shopify-side fulfillment or refund has no canonical document the hub applies
                          (shipments come from the hub's nodes; refunds are money, not goods).
  app/uninstalled      -> ConfigError `app_uninstalled`: the message is kept failed with that code; the
                          shop revoked the token, so the next poll or write-back gets 401 and the hub stops
                          the connection (poller and outbox both map 401 to stop-and-alert).
  anything else        -> DecodeError `unknown_topic`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from adapters.shopify.config import ShopifyConfig
from adapters.shopify.mapping import from_graphql, from_rest, located, to_documents
from hub.channels import SkuMap
from hub.errors import ConfigError, DecodeError, HubError, Location
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import ParseResult, RawMessage

ORDER_TOPICS = frozenset(
    {
        "orders/create",
        "orders/updated",
        "orders/paid",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
    }
)
IGNORED_TOPICS = {
    "fulfillments/create": "a fulfillment made in Shopify; the hub records shipments from its own nodes",
    "fulfillments/update": "a fulfillment made in Shopify; the hub records shipments from its own nodes",
    "refunds/create": "a refund is money, not goods; returns reach the hub as Return documents",
    "orders/edited": "an order-edit summary, not the order; the edit also fires orders/updated with the order",
}
UNINSTALLED = "app/uninstalled"


def header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def signature(secret: str, body: bytes) -> str:
    """Shopify's X-Shopify-Hmac-Sha256 for `body`: base64 of HMAC-SHA256 keyed with the app's secret."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def message_name(message: RawMessage) -> str:
    return message.transport_id or message.filename or message.id or "shopify message"


def load_body(message: RawMessage) -> dict[str, Any]:
    name = message_name(message)
    try:
        data = json.loads(message.body.decode("utf-8"), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{name}: not UTF-8 at byte {exc.start}", location=Location(file=name)) from None
    except json.JSONDecodeError as exc:
        raise DecodeError(
            f"{name}: not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            location=Location(file=name, line=exc.lineno),
        ) from None
    if not isinstance(data, dict):
        raise DecodeError(f"{name}: a JSON {type(data).__name__}, not an object", location=Location(file=name))
    return data


class OrderParser:
    """Shared parse(): an order body, REST (webhook) or GraphQL (poll) shaped, to canonical documents."""

    def __init__(self, config: ShopifyConfig, context: ConnectionContext) -> None:
        self.config = config
        self.context = context
        self.skus = SkuMap.for_option(config.sku_map)

    def order_documents(self, data: dict[str, Any], name: str) -> list[Any]:
        shape = "graphql" if str(data.get("id", "")).startswith("gid://") or "lineItems" in data else "rest"
        try:
            shop = from_graphql(data) if shape == "graphql" else from_rest(data)
            return to_documents(shop, channel=self.context.channel, tenant=self.context.tenant, skus=self.skus)
        except HubError as exc:
            raise located(exc, name) from None


class ShopifyWebhooks(OrderParser):
    """WEBHOOK_RECEIVER: verify(headers, body) with the webhook secret; parse(message) by X-Shopify-Topic."""

    capability: ClassVar[Capability] = Capability.WEBHOOK_RECEIVER

    def verify(self, headers: dict[str, str], body: bytes) -> None:
        if self.config.webhook_secret is None:
            raise ConfigError(
                f"connection {self.context.connection!r}: no webhook_secret configured, webhooks cannot be verified",
                code="no_webhook_secret",
            )
        claimed = header(headers, "x-shopify-hmac-sha256")
        if not claimed:
            raise ConfigError("webhook without X-Shopify-Hmac-Sha256 header", code="missing_signature")
        expected = signature(self.config.webhook_secret.get_secret_value(), body)
        if not hmac.compare_digest(expected.encode("ascii"), claimed.strip().encode("ascii", "replace")):
            raise ConfigError("webhook signature does not match the body", code="bad_signature")
        shop = header(headers, "x-shopify-shop-domain")
        if shop and shop.strip().lower() != self.config.shop:
            raise ConfigError(
                f"webhook from shop {shop.strip()[:80]!r}, the connection is for {self.config.shop!r}",
                code="wrong_shop",
            )

    def parse(self, message: RawMessage) -> ParseResult:
        name = message_name(message)
        topic = (header(message.headers, "x-shopify-topic") or "").strip().lower()
        if topic == UNINSTALLED:
            raise ConfigError(
                f"{name}: the app was uninstalled from {self.config.shop}; the connection must be stopped "
                "(its token is revoked) until the app is installed again",
                code="app_uninstalled",
                location=Location(file=name),
            )
        if topic in IGNORED_TOPICS:
            load_body(message)  # still refuse garbage
            return ParseResult(format=f"shopify:{topic} (ignored: {IGNORED_TOPICS[topic]})")
        data = load_body(message)
        if topic and topic not in ORDER_TOPICS:
            raise DecodeError(
                f"{name}: webhook topic {topic!r} is not handled", code="unknown_topic", location=Location(file=name)
            )
        if not topic and "line_items" not in data:
            raise DecodeError(
                f"{name}: no X-Shopify-Topic and not an order body", code="unknown_topic", location=Location(file=name)
            )
        return ParseResult(documents=self.order_documents(data, name), format=f"shopify:{topic or 'orders'}")


# re-exported for the poller, which parses GraphQL nodes with the same code
__all__ = ["OrderParser", "ShopifyWebhooks", "from_graphql", "header", "load_body", "signature"]
