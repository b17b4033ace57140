"""soap_wms: a warehouse behind a SOAP service, driven by its WSDL and a profile of mappings.

Capabilities
  order_sink     `order_release` -> the profile's release calls. Peoplevox: SaveData `Sales orders` then
                 `Sales order items` (CSV in CsvData), each an upsert by SalesOrderNumber (the hub order id).
                 Plain document/literal service: ReleaseOrder. `SoapOrderSink.cancel(order)` sends the
                 profile's cancel calls (Peoplevox: a `Sales orders` row with Status Cancelled; plain:
                 CancelOrder); the outbox has no node-cancellation kind yet, so nothing queues it.
  poller         `poll: despatches` -> GetData `Despatches` / GetDespatches after the cursor, one raw message
                 per despatch, parsed into a Shipment; `poll: stock` -> GetData `Item availability` /
                 GetStockLevels, one raw message per page, parsed into StockLevel documents (the pipeline
                 applies them as a partial count of the node as of the fetch time).

Connection
  A local WSDL file (never fetched), the endpoint URL, and the profile (mappings/soap_wms/<profile>.yaml:
  dialect, binding, operations, mappings, fault rules). Peoplevox: Authenticate(clientId, username, base64
  password) -> `clientId,sessionId` -> UserSessionCredentials header, renewed once when the session expires.
  Plain: an AuthHeader with the API key on every call.

Options (SoapWmsConfig)
  profile, wsdl, endpoint, node, poll, client_id, username, password (secret), api_key (secret),
  operation_timeout, connect_timeout, page_size (<=1000), lag_seconds.

Limits
  zeep with DTDs, entities and external references forbidden, no huge trees, a timeout on every call, no
  body logging. Faults follow the profile's rules, then the fault code: authentication refused ->
  ConfigError (the connection stops), busy / timeouts / refused connections -> TransientError (retry),
  one order's data refused -> RecordError (dead letter). Cursor: closed lower bound on the record time with
  the ids seen there; Peoplevox search clauses have whole seconds.
"""

from __future__ import annotations

from adapters.soap_wms.config import SoapWmsConfig
from adapters.soap_wms.poller import SoapPoller
from adapters.soap_wms.sinks import SoapOrderSink
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import Adapter

ADAPTER = Adapter(
    name="soap_wms",
    version="1.0.0",
    feature_card=__doc__ or "",
    config=SoapWmsConfig,
    capabilities=frozenset({Capability.ORDER_SINK, Capability.POLLER}),
    implementations=(SoapOrderSink, SoapPoller),
)

__all__ = ["ADAPTER", "SoapOrderSink", "SoapPoller", "SoapWmsConfig"]
