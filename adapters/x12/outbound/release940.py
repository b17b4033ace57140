"""940 warehouse shipping order for kind "order_release": the lines of one shipment for a 3PL to ship.

W05-02 (depositor order number, at most 22 characters) is the hub order id: the 3PL echoes it in its 945
W06-02, which is how the shipment maps back. An id longer than 22 characters cannot be sent there; the
order's external id (the PO number, also in W05-03) goes instead, and the hub id rides in N9*OQ (at most
30). Each line carries N9*LI with the order line number for the 945 to echo.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from adapters.x12.config import X12Config
from adapters.x12.inbound.values import override
from adapters.x12.outbound.building import Row, fits, party_rows, sku_qualifier, trim
from hub.edi.bodies import BodyReader
from hub.edi.echo import order_line
from hub.edi.numbers import number
from hub.partners.profile import PartnerProfile

SET_ID = "940"
FUNCTIONAL_ID = "OW"
NEW_ORDER = "N"  # W05-01 order status code: original
PREPAID = "PP"  # W66-01 shipment method of payment
PARCEL = "U"  # W66-02 transportation method: private parcel service (`overrides.940.transportation_method`)
DEPOSITOR_MAX = 22  # element 285
REFERENCE_MAX = 30  # element 127 (004010)


def rows(body: Mapping[str, Any], partner: PartnerProfile, config: X12Config) -> list[Row]:
    b = BodyReader(body, "order_release")
    order_id = str(b.require("id"))
    external_id = str(b.require("external_id"))
    depositor = order_id if fits(order_id, DEPOSITOR_MAX) else external_id
    if not fits(depositor, DEPOSITOR_MAX):
        raise b.fail("id", f"neither the order id nor its external id fits W05-02 ({DEPOSITOR_MAX} characters)")
    out: list[Row] = [["W05", NEW_ORDER, depositor, external_id if fits(external_id, DEPOSITOR_MAX) else ""]]
    out += party_rows("ST", b.require("ship_to"), contact="G61")
    node = b.get("shipment.node") or b.get("node")
    if node:
        out.append(["N1", "WH", str(node)])
    shipment = b.get("shipment") or {}
    number_of = (shipment.get("number"), shipment.get("of"))
    if depositor != order_id and fits(order_id, REFERENCE_MAX):
        out.append(["N9", "OQ", order_id])
    if number_of[0] is not None:
        out.append(["N9", "ZZ", f"{number_of[0]}/{number_of[1] or number_of[0]}", "SHIPMENT"])
    carrier = str(shipment.get("carrier") or "")
    method = str(override(partner, "940", "transportation_method", PARCEL))
    out.append(["W66", PREPAID, method, "", "", str(shipment.get("service") or ""), "", "", "", "", carrier])
    lines = shipment.get("lines") or [
        {"line_no": line.get("line_no"), "quantity": line.get("quantity")} for line in b.require("lines")
    ]
    if not lines:
        raise b.fail("shipment.lines", "is empty")
    total = Decimal(0)
    for index, item in enumerate(lines):
        path = f"shipment.lines.{index}"
        line_no = item.get("line_no") if isinstance(item, Mapping) else None
        if line_no is None:
            raise b.fail(f"{path}.line_no", "is missing")
        placed = order_line(b.body, line_no)
        if not placed:
            raise b.fail(f"{path}.line_no", f"names line {line_no}, which the order does not have")
        quantity = b.decimal(f"{path}.quantity", item.get("quantity", placed.get("quantity")))
        total += quantity
        out.append(["LX", str(index + 1)])
        out.append(
            ["W01", number(quantity), str(placed.get("uom") or "EA"), "", sku_qualifier(partner), str(placed["sku"])]
        )
        if placed.get("description"):
            out.append(["G69", str(placed["description"])[:45]])
        out.append(["N9", "LI", str(line_no)])
    out.append(["W76", number(total)])
    return trim(out)
