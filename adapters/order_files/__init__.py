"""order_files: orders from CSV and JSON-lines files; orders and stock out as JSON files.

Capabilities
  file_parser  CSV (`.csv`), JSON lines (`.jsonl`, `.ndjson`) and JSON (`.json`: one order object or an
               array of them); the format comes from the file suffix, else the content type, else the content.
  order_sink   writes each order release to `<hub_home>/outbound/<connection>/<kind>-<key>.json`.
  stock_sink   the same for availability messages.
  notification_sink  the same for customer notifications (carrier delay, broken promise).

Connection
  Files arrive through the hub's file transport (a folder or an SFTP drop); this adapter only reads bytes
  and writes into the outbound folder. No credentials.

Options (OrderFilesConfig)
  csv_mapping / jsonl_mapping  mapping names (`order_files/csv_v1`, `order_files/jsonl_v1`) looked up in
                               $HUB_MAPPINGS_DIR, then the repository's `mappings/`; or absolute paths.
  csv_delimiter                one character, default `,`.
  order_key                    CSV column whose equal values make one order (rows in any order).
  csv_required_columns         header columns a CSV file must have (default sku, quantity, unit_price).
  default_currency             for records that name none (default EUR).
  on_bad_record                `fail` (default): one bad order rejects the file; `skip`: the good orders
                               are kept and the bad ones reported in ParseResult.errors.

Limits
  A whole file is decoded in memory. Malformed bytes (not UTF-8, invalid JSON on a line, a CSV without its
  required columns, no orders) reject the file with DecodeError naming file and line. Prices and quantities
  are exact decimals (JSON numbers are read as Decimal, never float). Sinks overwrite the file of an
  idempotency key on re-delivery, so they are idempotent; disk full is TransientError, permission denied
  ConfigError.
"""

from __future__ import annotations

from adapters.order_files.config import OrderFilesConfig
from adapters.order_files.parser import OrderFileParser
from adapters.order_files.sinks import FileNotificationSink, FileOrderSink, FileStockSink
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import Adapter

ADAPTER = Adapter(
    name="order_files",
    version="1.0.0",
    feature_card=__doc__ or "",
    config=OrderFilesConfig,
    capabilities=frozenset(
        {Capability.FILE_PARSER, Capability.ORDER_SINK, Capability.STOCK_SINK, Capability.NOTIFICATION_SINK}
    ),
    implementations=(OrderFileParser, FileOrderSink, FileStockSink, FileNotificationSink),
)

__all__ = [
    "ADAPTER",
    "FileNotificationSink",
    "FileOrderSink",
    "FileStockSink",
    "OrderFileParser",
    "OrderFilesConfig",
]
