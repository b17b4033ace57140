"""INVRPT inventory report for kind "stock": one SKU's available quantity (QTY+145) as of a moment."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from adapters.edifact.config import EdifactConfig
from adapters.edifact.inbound.values import override
from adapters.edifact.outbound.building import DEFAULT_ITEM_TYPE, Row, dtm
from hub.edi.bodies import BodyReader
from hub.edi.numbers import number
from hub.partners.profile import PartnerProfile

MESSAGE_TYPE = "INVRPT"
DOCUMENT = "35"  # BGM 1001: inventory report
ORIGINAL = "9"  # BGM 1225
ACTUAL_STOCK = "145"  # QTY 6063 (`overrides.INVRPT.send_quantity` changes it)


def rows(body: Mapping[str, Any], partner: PartnerProfile, config: EdifactConfig, created_at: datetime) -> list[Row]:
    b = BodyReader(body, "stock")
    sku = str(b.require("sku"))
    available = b.decimal("available")
    as_of = b.moment("as_of")
    reference = f"{sku}-{as_of.strftime('%Y%m%d%H%M%S')}"[:35]
    qualifier = str(override(partner, "INVRPT", "send_quantity", ACTUAL_STOCK))
    return [
        ["BGM", DOCUMENT, reference, ORIGINAL],
        dtm("137", created_at),
        dtm("366", as_of),
        ["LIN", "1", None, [sku, partner.sku_qualifier or DEFAULT_ITEM_TYPE]],
        ["QTY", [qualifier, number(max(available, 0)), "EA"]],
    ]
