"""File sinks: each outbound message becomes one JSON file, written atomically, named by its idempotency key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

from adapters.order_files.config import OrderFilesConfig
from hub.jsonable import to_jsonable
from hub.outfiles import safe, write_outbound
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import OutboundMessage


class _FileSink:
    """Shared delivery: `<outbound_dir>/<kind>-<safe key>.json`; re-delivery of a key overwrites its file."""

    capability: ClassVar[Capability]

    def __init__(self, config: OrderFilesConfig, context: ConnectionContext) -> None:
        self.config = config
        self.context = context

    def target(self, message: OutboundMessage) -> Path:
        return self.context.outbound_dir / f"{message.kind}-{safe(message.idempotency_key)}.json"

    def deliver(self, message: OutboundMessage) -> None:
        path = self.target(message)
        data = json.dumps(to_jsonable(dict(message.body)), ensure_ascii=False, indent=2, sort_keys=True)
        write_outbound(path, (data + "\n").encode("utf-8"), what=f"{message.kind} message")


class FileOrderSink(_FileSink):
    """Releases orders to a node as JSON files in the connection's outbound folder."""

    capability = Capability.ORDER_SINK


class FileStockSink(_FileSink):
    """Publishes availability as one JSON file per SKU (`stock-<sku>.json`), overwritten with the latest state."""

    capability = Capability.STOCK_SINK

    def target(self, message: OutboundMessage) -> Path:
        sku = message.body.get("sku")
        if not sku:
            return super().target(message)
        return self.context.outbound_dir / f"stock-{safe(str(sku))}.json"


class FileNotificationSink(_FileSink):
    """Writes customer notifications (a delay, a broken promise) for the channel to pick up, one file each."""

    capability = Capability.NOTIFICATION_SINK
