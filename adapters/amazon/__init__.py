"""amazon: Amazon Selling Partner API (SP-API) orders in; shipment confirmations, cancellations and quantities out.

Capabilities
  poller         searchOrders (Orders API 2026-01-01) by lastUpdatedAfter: closed lower bound, overlap window,
                 ids seen in the overlap, nextToken pages; one raw message per order version
                 (transport_id `orderId@lastUpdatedTime`). UNSHIPPED -> Order (revision = lastUpdatedTime in
                 epoch seconds, external_id = orderId); CANCELLED -> Cancellation; PENDING and FBA orders ->
                 nothing (a pending order is captured when it becomes UNSHIPPED); SHIPPED -> nothing.
  shipment_sink  confirmShipment (Orders v0, the only shipment write in SP-API): one package per tracked parcel,
                 Amazon orderItemIds kept from capture in order.attributes.amazon.items.
                 order_cancel -> POST_ORDER_ACKNOWLEDGEMENT_DATA feed (Feeds 2021-06-30: createFeedDocument,
                 presigned PUT, createFeed); StatusCode Failure, one Item per cancelled line, CancelReason
                 NoInventory / BuyerCanceled / GeneralAdjustment.
  stock_sink     patchListingsItem (Listings Items 2021-08-01) `fulfillment_availability` per SKU.

Connection
  LWA (Login with Amazon) refresh-token grant -> access token in `x-amz-access-token`, cached and refreshed
  5 minutes before it expires; a 403 Unauthorized/expired answer refreshes it once and retries. Hosts per region
  (na, eu, fe) and the static sandbox. Every request goes through an injectable httpx.Client.

Options (AmazonConfig)
  lwa_client_id, lwa_client_secret, refresh_token (secrets); region; sandbox; seller_id; marketplace_ids;
  sku_map; poll_overlap_seconds (600); poll_lag_seconds (180, >= 120); poll_window_hours (24);
  initial_lookback_hours (24); max_pages (20); max_wait_seconds (5); product_type (PRODUCT);
  fulfillment_channel_code (DEFAULT); carrier_codes; timeout_seconds.

Limits
  Token buckets at the documented default usage plans: searchOrders 0.0056/s burst 20, getOrder 0.5/s burst 30,
  confirmShipment 2/s burst 10, patchListingsItem 5/s burst 5, createFeedDocument 0.5/s burst 15,
  createFeed 0.0083/s burst 15. A wait longer than max_wait_seconds is raised as
  RateLimited(retry_after) instead of sleeping; 429 empties the bucket for Retry-After (or one token's refill);
  5xx/timeouts retry 3 times with backoff, then TransientError; 401/403 ConfigError; 400/404/INVALID listing
  RecordError; x-amzn-RequestId is in every error. No buyer-PII restricted data tokens (RDT): the address is
  what searchOrders returns to the application's roles; an UNSHIPPED order without one is a MappingError.
  A cancellation feed's processing report is not read back. Notifications (SQS) are not consumed.
"""

from __future__ import annotations

from adapters.amazon.config import AmazonConfig
from adapters.amazon.orders import AmazonOrderPoller
from adapters.amazon.sinks import AmazonShipmentSink, AmazonStockSink
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import Adapter

ADAPTER = Adapter(
    name="amazon",
    version="1.0.0",
    feature_card=__doc__ or "",
    config=AmazonConfig,
    capabilities=frozenset({Capability.POLLER, Capability.SHIPMENT_SINK, Capability.STOCK_SINK}),
    implementations=(AmazonOrderPoller, AmazonShipmentSink, AmazonStockSink),
)

__all__ = ["ADAPTER", "AmazonConfig", "AmazonOrderPoller", "AmazonShipmentSink", "AmazonStockSink"]
