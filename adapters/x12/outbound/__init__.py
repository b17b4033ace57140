"""Outbound X12 documents: for each message kind, the transaction set, its GS01 functional id, and `rows()`
(the set body without ST/SE, as lists of [tag, element01, ...]) that the sinks wrap in an envelope."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from adapters.x12.config import X12Config
from adapters.x12.outbound import ack855, asn856, inventory846, invoice810, release940, transfer943
from hub.partners.profile import PartnerProfile

Rows = Callable[[Mapping[str, Any], PartnerProfile, X12Config], list[list[str]]]


@dataclass(frozen=True)
class OutboundDocument:
    """How one message kind goes out: set id (ST01), functional id (GS01) and the row builder."""

    kind: str
    set_id: str
    functional_id: str
    rows: Rows


def _document(kind: str, module: ModuleType) -> OutboundDocument:
    return OutboundDocument(kind, module.SET_ID, module.FUNCTIONAL_ID, module.rows)


DOCUMENTS: dict[str, OutboundDocument] = {
    "order_ack": _document("order_ack", ack855),
    "shipment": _document("shipment", asn856),
    "invoice": _document("invoice", invoice810),
    "order_release": _document("order_release", release940),
    "transfer": _document("transfer", transfer943),
    "stock": _document("stock", inventory846),
}
"""Message kind -> X12 document (the ack kind is rendered from the acknowledgment's own segments)."""
