"""shopify: orders from a Shopify store (webhooks + GraphQL reconciliation poll); fulfillments, cancellations
and stock back to it through the GraphQL Admin API.

Capabilities
  webhook_receiver  verify(): HMAC-SHA256 of the raw body with the webhook secret, base64, compared in constant
                    time with X-Shopify-Hmac-Sha256 (missing/bad -> ConfigError, secret never shown); a delivery
                    for another shop (X-Shopify-Shop-Domain) is refused. parse() by X-Shopify-Topic: orders/* ->
                    Order (+ Cancellation when cancelled); fulfillments/create|update, refunds/create and
                    orders/edited are accepted and ignored (no canonical document; the reason is in the format);
                    app/uninstalled -> ConfigError app_uninstalled (see webhooks.py for how the connection stops).
  poller            GraphQL `orders` by UPDATED_AT with cursor pagination; closed lower bound, overlap window,
                    ids seen in the window, upper cap now - lag; query-cost throttling honoured.
  shipment_sink     "shipment": fulfillment orders -> fulfillmentCreate with trackingInfo;
                    "order_cancel": orderCancel (whole orders).
  stock_sink        "stock": inventorySetQuantities (available, compare-and-set, @idempotent key).

Connection
  https://<shop>/admin/api/<api_version>/graphql.json with X-Shopify-Access-Token. Secrets from the environment:
  hub connections add shop1 --adapter shopify --option shop=example.myshopify.com \
      --secret access_token=SHOPIFY_TOKEN --secret webhook_secret=SHOPIFY_WEBHOOK_SECRET

Options (ShopifyConfig)
  shop (*.myshopify.com), api_version (YYYY-MM, default 2026-10), access_token, webhook_secret (secrets),
  sku_map (mappings/skus/<name>.yaml), location_id (stock push), poll_overlap_seconds (300), poll_lag_seconds
  (60), poll_since, notify_customer, refund_on_cancel, timeout_seconds, max_retries.

Limits
  Order identity: external_id = Shopify's numeric order id; revision = seconds since 2000-01-01 of updated_at
  (two updates within one second are one revision). A cancelled order's Order carries revision 0 and its
  cancellation is a Cancellation document. Up to 250 line items per order (more is a MappingError). Money in
  the shop currency (shopMoney / REST prices); taxes, discounts and shipping lines are kept in
  attributes.shopify. Errors: 401/403 ConfigError, 429/THROTTLED RateLimited, 5xx/timeouts TransientError,
  refused mutations RecordError; Shopify request ids are in the messages.
"""

from __future__ import annotations

from adapters.shopify.config import ShopifyConfig
from adapters.shopify.poller import ShopifyPoller
from adapters.shopify.sinks import ShopifyShipmentSink, ShopifyStockSink
from adapters.shopify.webhooks import ShopifyWebhooks, signature
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import Adapter

ADAPTER = Adapter(
    name="shopify",
    version="1.0.0",
    feature_card=__doc__ or "",
    config=ShopifyConfig,
    capabilities=frozenset(
        {Capability.WEBHOOK_RECEIVER, Capability.POLLER, Capability.SHIPMENT_SINK, Capability.STOCK_SINK}
    ),
    implementations=(ShopifyWebhooks, ShopifyPoller, ShopifyShipmentSink, ShopifyStockSink),
)

__all__ = [
    "ADAPTER",
    "ShopifyConfig",
    "ShopifyPoller",
    "ShopifyShipmentSink",
    "ShopifyStockSink",
    "ShopifyWebhooks",
    "signature",
]
