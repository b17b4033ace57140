"""ORDER_SINK: an order release becomes the profile's release calls (Peoplevox: SaveData of the sales order,
then of its items); `cancel` sends the profile's cancel calls for an order the warehouse already has."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from zeep.transports import Transport

from adapters.soap_wms.config import SoapWmsConfig
from adapters.soap_wms.wms import SoapWms
from hub.errors import ConfigError, RecordError
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import OutboundMessage


class SoapOrderSink:
    """Releases orders to the warehouse. Every step is an upsert by order number, so a retried release that
    had partly gone through sends the same rows again and the warehouse still holds one order."""

    capability: ClassVar[Capability] = Capability.ORDER_SINK
    kinds: ClassVar[frozenset[str]] = frozenset({"order_release", "release_cancel"})

    def __init__(
        self, config: SoapWmsConfig, context: ConnectionContext, *, transport: Transport | None = None
    ) -> None:
        self.config = config
        self.context = context
        self.wms = SoapWms(config, transport=transport)

    def deliver(self, message: OutboundMessage) -> None:
        if message.kind == "release_cancel":  # the hub cancelled an order this warehouse was sent
            self.cancel(message.body, reason=message.body.get("reason"))
            return
        if message.kind != "order_release":
            raise RecordError(f"{message.kind} messages are not sent to a SOAP warehouse", code="soap_unknown_kind")
        self._run(self.wms.profile.release, message.body, f"release {message.idempotency_key}")

    def cancel(self, order: Mapping[str, Any], *, reason: str | None = None) -> None:
        """Ask the warehouse to cancel a released order (`order` as in the release body: `id`, `external_id`)."""
        steps = self.wms.profile.cancel
        if not steps:
            raise ConfigError(f"profile {self.wms.profile.name} has no cancel operation", code="soap_no_cancel")
        body = {**order, "cancel_reason": reason}
        self._run(steps, body, f"cancel order {order.get('id') or order.get('external_id')}")

    def _run(self, steps: Any, body: Mapping[str, Any], what: str) -> None:
        for number, step in enumerate(steps, start=1):
            self.wms.dialect.send(step, body, what=f"{what}: {step.operation} ({number}/{len(steps)})")
