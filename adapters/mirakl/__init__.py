"""mirakl: orders from a Mirakl marketplace (seller/shop API); acceptance, tracking, cancellations and stock back.

Capabilities
  poller         OR11 (GET /api/orders) by `last_updated_date` window with offset paging (`offset`/`max`,
                 `total_count`), one raw message per order (`<order_id>@<last_updated_date>`). Orders in
                 WAITING_ACCEPTANCE get OR21 (PUT /api/orders/{id}/accept, every line accepted or refused by
                 the `acceptance` rule) during the poll. Parsing: SHIPPING orders become canonical Orders
                 (revision = last_updated_date in seconds); line cancellations become Cancellation (whole
                 line) or OrderChange (partial) documents; a CANCELED order that had been paid becomes a
                 Cancellation of the whole order. Other states produce nothing (see adapters/mirakl/states.py).
  shipment_sink  `shipment`: OR23 (PUT /api/orders/{id}/tracking) then OR24 (PUT /api/orders/{id}/ship) once
                 the hub order is fully shipped. `order_cancel`: OR29 (whole order) or OR30 (lines).
  stock_sink     STO01 (POST /api/offers/stock/imports, CSV offer-sku;quantity): quantity only, never OF24.

Connection
  https://<instance>.mirakl.net with the shop API key in the `Authorization` header (secret `api_key`);
  optional `shop_id`. One httpx client per capability with timeouts; a token bucket paces calls.

Options (MiraklConfig)
  base_url, api_key (secret), shop_id, sku_map (mappings/skus/<name>.yaml: offer SKU -> hub SKU),
  page_size (<=100), overlap_seconds, lag_seconds, initial_lookback_hours, resume_slack,
  requests_per_second, burst, timeout_seconds, acceptance (known_sku | accept_all | manual),
  max_line_quantity, carrier_codes (hub carrier -> Mirakl carrier code), cancel_reason_code (OR30),
  warehouse_code (STO01), stock_imports_per_minute.

Limits
  Errors follow hub.channels: 429 -> RateLimited (Retry-After), 5xx/timeouts -> TransientError,
  401/403 -> ConfigError (the connection stops), other 4xx -> RecordError; Mirakl's request id is kept.
  Refunds in OR11 (`order_lines[].refunds`) have no canonical document in the hub yet: they stay in the
  raw message only. OR24 ships whole orders, so a partly shipped order only gets its tracking (OR23).
  A newer revision of an order the hub already released is refused by the pipeline (amendment_rejected).
"""

from __future__ import annotations

from adapters.mirakl.config import MiraklConfig
from adapters.mirakl.poller import MiraklPoller
from adapters.mirakl.sinks import MiraklShipmentSink, MiraklStockSink
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import Adapter

ADAPTER = Adapter(
    name="mirakl",
    version="1.0.0",
    feature_card=__doc__ or "",
    config=MiraklConfig,
    capabilities=frozenset({Capability.POLLER, Capability.SHIPMENT_SINK, Capability.STOCK_SINK}),
    implementations=(MiraklPoller, MiraklShipmentSink, MiraklStockSink),
)

__all__ = ["ADAPTER", "MiraklConfig", "MiraklPoller", "MiraklShipmentSink", "MiraklStockSink"]
