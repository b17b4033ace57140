"""943 warehouse stock transfer shipment advice for kind "transfer": stock on its way to a 3PL's warehouse.

W06-02 (depositor order number) is the hub's transfer id; the 3PL echoes it in its 944 W17-04, which the
receipt movements carry as their reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from adapters.x12.config import X12Config
from adapters.x12.outbound.building import Row, sku_qualifier, trim, x12_date
from hub.edi.bodies import BodyReader
from hub.edi.numbers import number
from hub.partners.profile import PartnerProfile

SET_ID = "943"
FUNCTIONAL_ID = "AR"
FINAL = "F"  # W06-01 reporting code
ESTIMATED_DELIVERY = "17"  # G62-01
MOTOR = "M"  # W27-01 transportation method


def rows(body: Mapping[str, Any], partner: PartnerProfile, config: X12Config) -> list[Row]:
    b = BodyReader(body, "transfer")
    transfer_id = str(b.require("transfer_id"))
    expected = b.moment("expected_at")
    out: list[Row] = [["W06", FINAL, transfer_id, x12_date(expected), transfer_id]]
    out.append(["N1", "WH", str(b.require("node"))])
    out.append(["G62", ESTIMATED_DELIVERY, x12_date(expected)])
    out.append(["W27", MOTOR, str(b.get("carrier") or "")])
    total = Decimal(0)
    lines = b.require("lines")
    for index, line in enumerate(lines):
        path = f"lines.{index}"
        if not isinstance(line, Mapping) or not line.get("sku"):
            raise b.fail(f"{path}.sku", "is missing")
        quantity = b.decimal(f"{path}.quantity", line.get("quantity"))
        total += quantity
        out.append(
            ["W04", number(quantity), str(line.get("uom") or "EA"), "", sku_qualifier(partner), str(line["sku"])]
        )
    out.append(["W03", number(total)])
    return trim(out)
