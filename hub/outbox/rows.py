"""An outbox row as the worker and delivery hooks see it, and the kind-to-sink map."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.plugins.capabilities import Capability
from hub.plugins.messages import OutboundMessage

KIND_CAPABILITY: dict[str, Capability] = {
    "order_release": Capability.ORDER_SINK,
    "transfer": Capability.ORDER_SINK,
    "shipment": Capability.SHIPMENT_SINK,
    "order_ack": Capability.SHIPMENT_SINK,
    "order_cancel": Capability.SHIPMENT_SINK,
    "release_cancel": Capability.ORDER_SINK,
    "invoice": Capability.SHIPMENT_SINK,
    "stock": Capability.STOCK_SINK,
    "ack": Capability.ACK_SINK,
    "customer_notification": Capability.NOTIFICATION_SINK,
}
"""Which sink of a connection delivers each kind of outbound message.

A sink class may narrow what it takes with a `kinds` class attribute (a set of kind names);
without one it takes every kind mapped to its capability. `order_ack`, `invoice` and
`transfer` are queued only for connections whose sink names them (EDI partners), so a
channel that only wants tracking is never sent them; so is `order_cancel` (the hub cancelled a
channel's order: hub.channels.cancellations builds it).
"""

OPT_IN_KINDS = frozenset({"order_ack", "invoice", "transfer", "order_cancel", "release_cancel"})


@dataclass(frozen=True)
class OutboxRow:
    """One claimed message; `attempts` counts the attempt under way."""

    id: str
    tenant: str
    connection: str
    kind: str
    idempotency_key: str
    coalesce_key: str | None
    body: Mapping[str, Any]
    attempts: int
    created_at: datetime
    control_numbers: Mapping[str, int] | None = None

    @classmethod
    def from_row(cls, row: Any, *, attempts: int | None = None) -> OutboxRow:
        return cls(
            id=row.id,
            tenant=row.tenant,
            connection=row.connection,
            kind=row.kind,
            idempotency_key=row.idempotency_key,
            coalesce_key=row.coalesce_key,
            body=dict(row.body or {}),
            attempts=row.attempts if attempts is None else attempts,
            created_at=row.created_at,
            control_numbers=dict(getattr(row, "control_numbers", None) or {}) or None,
        )

    def message(self) -> OutboundMessage:
        return OutboundMessage(
            id=self.id,
            kind=self.kind,
            connection=self.connection,
            idempotency_key=self.idempotency_key,
            body=self.body,
            attempt=self.attempts,
            tenant=self.tenant,
            created_at=self.created_at,
            control_numbers=dict(self.control_numbers or {}),
        )
