"""An in-test warehouse adapter for channel flows: takes order releases, reports shipments as canonical JSON."""

from __future__ import annotations

import json
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from hub.model.shipment import Shipment
from hub.plugins import Adapter, Capability, ConnectionContext, OutboundMessage, ParseResult, RawMessage

RELEASED: list[OutboundMessage] = []
"""Every message any test warehouse connection was given (tests clear it first)."""


class WarehouseConfig(BaseModel):
    model_config = ConfigDict(frozen=True)


class WarehouseShipments:
    """Shipment files in the hub's own Shipment shape; `source` defaults to the connection's channel."""

    capability: ClassVar[Capability] = Capability.FILE_PARSER

    def __init__(self, config: WarehouseConfig, context: ConnectionContext) -> None:
        self.context = context

    def parse(self, message: RawMessage) -> ParseResult:
        data = json.loads(message.body)
        return ParseResult(documents=[Shipment.model_validate({"source": self.context.channel} | data)], format="json")


class WarehouseReleases:
    capability: ClassVar[Capability] = Capability.ORDER_SINK

    def __init__(self, config: WarehouseConfig, context: ConnectionContext) -> None:
        pass

    def deliver(self, message: OutboundMessage) -> None:
        RELEASED.append(message)


WAREHOUSE = Adapter(
    name="test_warehouse",
    version="1.0.0",
    feature_card="In-test warehouse: takes order releases (kept in RELEASED), reports shipments as JSON files.",
    config=WarehouseConfig,
    capabilities=frozenset({Capability.FILE_PARSER, Capability.ORDER_SINK}),
    implementations=(WarehouseShipments, WarehouseReleases),
)
