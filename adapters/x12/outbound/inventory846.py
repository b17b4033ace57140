"""846 inventory advice for kind "stock": one SKU's available quantity (QTY 33) as of a moment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.x12.config import X12Config
from adapters.x12.inbound.values import override
from adapters.x12.outbound.building import Row, sku_qualifier, trim, x12_date, x12_time
from hub.edi.bodies import BodyReader
from hub.edi.numbers import number
from hub.partners.profile import PartnerProfile

SET_ID = "846"
FUNCTIONAL_ID = "IB"
ORIGINAL = "00"  # BIA01
REPORT_TYPE = "SI"  # BIA02 default: seller inventory report (`overrides.846.report_type` changes it)
AVAILABLE_FOR_SALE = "33"  # QTY01


def rows(body: Mapping[str, Any], partner: PartnerProfile, config: X12Config) -> list[Row]:
    b = BodyReader(body, "stock")
    sku = str(b.require("sku"))
    available = b.decimal("available")
    as_of = b.moment("as_of")
    report_type = str(override(partner, "846", "report_type", REPORT_TYPE))
    reference = f"{sku}-{as_of.strftime('%Y%m%d%H%M%S')}"[:30]
    return trim(
        [
            ["BIA", ORIGINAL, report_type, reference, x12_date(as_of), x12_time(as_of)],
            ["LIN", "1", sku_qualifier(partner), sku],
            ["QTY", AVAILABLE_FOR_SALE, number(max(available, 0)), "EA"],
            ["CTT", "1"],
        ]
    )
