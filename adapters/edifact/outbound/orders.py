"""ORDERS to a 3PL for kind "order_release": the lines of one shipment for the warehouse to ship.

BGM 1004 is the hub order id (an..35 holds it): the 3PL echoes it in its DESADV RFF+ON, which is how the
despatch maps back to the order. The channel's order number goes in RFF+CR (customer reference). Each line
is LIN with the order line number as 1082 (echoed by the DESADV) and the hub SKU as item number.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from adapters.edifact.config import EdifactConfig
from adapters.edifact.outbound.building import DEFAULT_ITEM_TYPE, Row, dtm, party_row
from hub.edi.bodies import BodyReader
from hub.edi.echo import order_line
from hub.edi.numbers import number
from hub.partners.profile import PartnerProfile

MESSAGE_TYPE = "ORDERS"
DOCUMENT = "220"  # BGM 1001: order
ORIGINAL = "9"
ORDERED = "21"  # QTY 6063
MAIN_CARRIAGE = "20"  # TDT 8051
MAX_DOCUMENT_NUMBER = 35  # BGM 1004 an..35 (D96A)


def rows(body: Mapping[str, Any], partner: PartnerProfile, config: EdifactConfig, created_at: datetime) -> list[Row]:
    b = BodyReader(body, "order_release")
    order_id = str(b.require("id"))
    if len(order_id) > MAX_DOCUMENT_NUMBER:
        raise b.fail("id", f"the order id does not fit BGM 1004 ({MAX_DOCUMENT_NUMBER} characters)")
    out: list[Row] = [["BGM", DOCUMENT, order_id, ORIGINAL], dtm("137", created_at)]
    out.append(["RFF", ["CR", str(b.require("external_id"))[:70]]])
    shipment = b.get("shipment") or {}
    if shipment.get("number") is not None:
        out.append(["RFF", ["AAS", f"{shipment['number']}/{shipment.get('of') or shipment['number']}"]])
    out.append(party_row("DP", b.require("ship_to")))
    node = b.get("shipment.node") or b.get("node")
    if node:
        out.append(["NAD", "SF", [str(node)[:35], "", "92"]])
    carrier = str(shipment.get("carrier") or "")
    if carrier:
        service = str(shipment.get("service") or "")
        out.append(["TDT", MAIN_CARRIAGE, None, None, ["", service[:17]] if service else None, [carrier[:17]]])
    lines = shipment.get("lines") or [
        {"line_no": line.get("line_no"), "quantity": line.get("quantity")} for line in b.require("lines")
    ]
    if not lines:
        raise b.fail("shipment.lines", "is empty")
    for index, item in enumerate(lines):
        path = f"shipment.lines.{index}"
        line_no = item.get("line_no") if isinstance(item, Mapping) else None
        if line_no is None:
            raise b.fail(f"{path}.line_no", "is missing")
        placed = order_line(b.body, line_no)
        if not placed:
            raise b.fail(f"{path}.line_no", f"names line {line_no}, which the order does not have")
        quantity = b.decimal(f"{path}.quantity", item.get("quantity", placed.get("quantity")))
        out.append(["LIN", str(line_no), None, [str(placed["sku"]), partner.sku_qualifier or DEFAULT_ITEM_TYPE]])
        if placed.get("description"):
            out.append(["IMD", "F", None, ["", "", "", str(placed["description"])[:35]]])
        out.append(["QTY", [ORDERED, number(quantity), str(placed.get("uom") or "EA")]])
    out += [["UNS", "S"], ["CNT", ["2", str(len(lines))]]]
    return out
