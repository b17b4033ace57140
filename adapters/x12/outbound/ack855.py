"""855 purchase order acknowledgment for kind "order_ack": the order accepted, changed, backordered or
rejected, line by line, echoing the partner's PO line ids, units and prices."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from adapters.x12.config import X12Config
from adapters.x12.outbound.building import Row, party_rows, product_pairs, sku_qualifier, trim, x12_date
from hub.edi.bodies import BodyReader
from hub.edi.echo import edi_of, line_echo, order_line, to_partner_units
from hub.edi.numbers import number
from hub.partners.profile import PartnerProfile

SET_ID = "855"
FUNCTIONAL_ID = "PR"
ACK_TYPE = {"accepted": "AD", "changed": "AC", "backordered": "AC", "rejected": "RD"}
"""BAK02: AD acknowledge with detail, no change; AC with detail and change; RD rejected with detail."""
ITEM_ACCEPTED, ITEM_BACKORDERED, ITEM_REJECTED, ITEM_QTY_CHANGED = "IA", "IB", "IR", "IQ"


def rows(body: Mapping[str, Any], partner: PartnerProfile, config: X12Config) -> list[Row]:
    b = BodyReader(body, "order_ack")
    order = b.require("order")
    edi = edi_of(order)
    status = str(b.require("status"))
    if status not in ACK_TYPE:
        raise b.fail("status", f"{status!r} is not one of {', '.join(ACK_TYPE)}")
    po_number = str(edi.get("po_number") or b.require("order.external_id"))
    po_date = str(edi.get("po_date") or "") or _date_of(b, "order.placed_at")
    out: list[Row] = [["BAK", "00", ACK_TYPE[status], po_number, po_date, "", "", "", str(order.get("id") or "")]]
    if edi.get("currency") or order.get("currency"):
        out.append(["CUR", "SE", str(edi.get("currency") or order.get("currency"))])
    ship_to = (edi.get("parties") or {}).get("ST") or order.get("ship_to")
    if ship_to:
        out += party_rows("ST", ship_to)
    lines = b.require("lines")
    for index, line in enumerate(lines):
        out += _line(b, partner, order, edi, line, index)
    out.append(["CTT", str(len(lines))])
    return trim(out)


def _line(
    b: BodyReader, partner: PartnerProfile, order: Mapping[str, Any], edi: Mapping[str, Any], line: Any, index: int
) -> list[Row]:
    path = f"lines.{index}"
    if not isinstance(line, Mapping):
        raise b.fail(path, "is not an object")
    line_no = line.get("line_no")
    if line_no is None:
        raise b.fail(f"{path}.line_no", "is missing")
    echo = line_echo(edi, line_no)
    placed = order_line(order, line_no)
    sku = str(line.get("sku") or placed.get("sku") or echo.get("sku") or "")
    if not sku:
        raise b.fail(f"{path}.sku", "is missing")
    ordered = b.decimal(f"{path}.quantity", line.get("quantity", placed.get("quantity")))
    accepted = b.decimal(f"{path}.accepted_quantity", line.get("accepted_quantity", ordered))
    qty, uom, factor = to_partner_units(partner, ordered, echo, placed.get("uom"))
    price = echo.get("unit_price") or (number(Decimal(str(placed["unit_price"])) * factor) if placed else "")
    po1: Row = [
        "PO1",
        str(echo.get("assigned_id") or line_no),
        number(qty),
        uom,
        str(price),
        str(echo.get("price_basis") or ""),
    ]
    po1 += product_pairs(sku, echo.get("ids"), sku_qualifier(partner))
    out: list[Row] = [po1]
    status = str(line.get("status") or "accepted")
    accepted_partner = accepted / factor
    if status == "rejected":
        out.append(["ACK", ITEM_REJECTED, number(qty), uom])
    elif status == "backordered":
        if accepted_partner > 0:
            out.append(["ACK", ITEM_ACCEPTED, number(accepted_partner), uom])
        if qty - accepted_partner > 0:
            out.append(["ACK", ITEM_BACKORDERED, number(qty - accepted_partner), uom])
    elif accepted <= 0:
        out.append(["ACK", ITEM_REJECTED, number(qty), uom])
    elif accepted < ordered:
        out.append(["ACK", ITEM_QTY_CHANGED, number(accepted_partner), uom])
    else:
        out.append(["ACK", ITEM_ACCEPTED, number(qty), uom])
    return out


def _date_of(b: BodyReader, path: str) -> str:
    value = b.get(path)
    if not value:
        raise b.fail(path, "is missing (and the order has no EDI purchase order date)")
    moment = value if isinstance(value, datetime) else b.moment(path)
    return x12_date(moment)
