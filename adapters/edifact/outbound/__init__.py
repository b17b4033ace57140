"""Outbound EDIFACT messages: for each message kind, the message type (UNH 0065) and `rows()` (the message
body between UNH and UNT, as lists of [tag, element, ...]) that the sinks wrap in an interchange."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Any

from adapters.edifact.config import EdifactConfig
from adapters.edifact.outbound import desadv, invoic, invrpt, orders, ordrsp
from hub.partners.profile import PartnerProfile

Rows = Callable[[Mapping[str, Any], PartnerProfile, EdifactConfig, datetime], list[list[Any]]]


@dataclass(frozen=True)
class OutboundDocument:
    """How one message kind goes out: its message type (UNH S009 0065) and the row builder."""

    kind: str
    message_type: str
    rows: Rows


def _document(kind: str, module: ModuleType) -> OutboundDocument:
    return OutboundDocument(kind, module.MESSAGE_TYPE, module.rows)


DOCUMENTS: dict[str, OutboundDocument] = {
    "order_ack": _document("order_ack", ordrsp),
    "shipment": _document("shipment", desadv),
    "invoice": _document("invoice", invoic),
    "stock": _document("stock", invrpt),
    "order_release": _document("order_release", orders),
}
"""Message kind -> EDIFACT message (the ack kind is rendered from the CONTRL's own segments)."""
