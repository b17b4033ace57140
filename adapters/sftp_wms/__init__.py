"""sftp_wms: a 3PL reached through an SFTP drop (or a local folder): order files out; shipment confirmations,
stock snapshots and receipts in; every file layout described by data in `mappings/`, not code.

Capabilities
  order_sink  each released order becomes one file in `outbound_folder`, in the `order_layout` (CSV with header,
              delimited without header, fixed-width or XML), written as `<name><temp_suffix>` and renamed when
              complete; the name comes from `order_filename` ({external_id}, {order_id}, {node}, {key}).
  poller      reads files of `inbound_folder` matching an `inbound` rule (glob -> layout): shipment confirmations
              -> Shipment, stock snapshots -> StockLevel, receipts -> StockMovement (the mapping's `document`).

Connection
  host/port/username with `known_host` pinned (known_hosts key or SHA256 fingerprint): an unknown or changed host
  key refuses to connect (ConfigError), as does failed authentication. Key (`private_key`, optional
  `private_key_passphrase`) or `password`, all SecretStr from the environment. Or `local_root`: a local folder.

File semantics (as Apache Camel's file component)
  read only when ready: `ready: stable` (size and mtime unchanged over `stable_seconds`, non-empty) or
  `ready: done_file` (`<name><done_suffix>` present); temporary names (.part, .tmp, dot files) are never read; a
  file that changes or vanishes while read is not handed over. After the hub committed the raw file with the
  poll cursor, it moves to `archive_folder`, or to `error_folder` with `<name>.reason` when it does not parse
  (the raw stays failed in the inbox). A file is handed over once per name+size+mtime+sha256 (the transport_id).
  Paths are confined to the configured relative folders: `..`, absolute paths and separators in names refused.

Errors
  auth / host key / permission denied: ConfigError. Connection refused, dropped, timeout: TransientError.
  A bad file: DecodeError / MappingError / ValidationFailed naming file and line.

Limits
  One SFTP session per poll or delivery. A whole file is read in memory. SFTP mtimes are whole seconds.
"""

from __future__ import annotations

from adapters.sftp_wms.config import InboundRule, SftpWmsConfig
from adapters.sftp_wms.poller import SftpPoller
from adapters.sftp_wms.sink import SftpOrderSink
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import Adapter

ADAPTER = Adapter(
    name="sftp_wms",
    version="1.0.0",
    feature_card=__doc__ or "",
    config=SftpWmsConfig,
    capabilities=frozenset({Capability.POLLER, Capability.ORDER_SINK}),
    implementations=(SftpPoller, SftpOrderSink),
)

__all__ = ["ADAPTER", "InboundRule", "SftpOrderSink", "SftpPoller", "SftpWmsConfig"]
