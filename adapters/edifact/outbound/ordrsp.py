"""ORDRSP order response for kind "order_ack": the order accepted, changed, backordered or rejected, line by
line, echoing the partner's LIN item numbers, ids, units and prices."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from adapters.edifact.config import EdifactConfig
from adapters.edifact.outbound.building import Row, dtm, dtm_raw, item_rows, parties
from hub.edi.bodies import BodyReader
from hub.edi.echo import edi_of, line_echo, order_line, to_partner_units
from hub.edi.numbers import number
from hub.partners.profile import PartnerProfile

MESSAGE_TYPE = "ORDRSP"
DOCUMENT = "231"  # BGM 1001: purchase order response
RESPONSE = {"accepted": "29", "changed": "4", "backordered": "4", "rejected": "27"}
"""BGM 1225: 29 accepted without amendment, 4 change, 27 not accepted."""
LINE_ACCEPTED, LINE_CHANGED, LINE_REJECTED = "5", "3", "7"  # LIN 1229
ORDERED, TO_DELIVER, BACKORDER = "21", "113", "83"  # QTY 6063


def rows(body: Mapping[str, Any], partner: PartnerProfile, config: EdifactConfig, created_at: datetime) -> list[Row]:
    b = BodyReader(body, "order_ack")
    order = b.require("order")
    edi = edi_of(order)
    status = str(b.require("status"))
    if status not in RESPONSE:
        raise b.fail("status", f"{status!r} is not one of {', '.join(RESPONSE)}")
    po_number = str(edi.get("po_number") or b.require("order.external_id"))
    response_number = str(order.get("id") or po_number)
    out: list[Row] = [["BGM", DOCUMENT, response_number, RESPONSE[status]], dtm("137", created_at)]
    out.append(["RFF", ["ON", po_number]])
    if edi.get("po_date"):
        out.append(dtm_raw("171", str(edi["po_date"])))
    out += parties(edi, order)
    currency = edi.get("currency") or order.get("currency")
    if currency:
        out.append(["CUX", ["2", str(currency), "9"]])
    lines = b.lines("lines")
    for path, line in lines:
        out += _line(b, partner, order, edi, path, line)
    out += [["UNS", "S"], ["CNT", ["2", str(len(lines))]]]
    return out


def _line(
    b: BodyReader,
    partner: PartnerProfile,
    order: Mapping[str, Any],
    edi: Mapping[str, Any],
    path: str,
    line: Mapping[str, Any],
) -> list[Row]:
    line_no = line["line_no"]
    echo = line_echo(edi, line_no)
    placed = order_line(order, line_no)
    sku = str(line.get("sku") or placed.get("sku") or echo.get("sku") or "")
    if not sku:
        raise b.fail(f"{path}.sku", "is missing")
    ordered = b.decimal(f"{path}.quantity", line.get("quantity", placed.get("quantity")))
    accepted = b.decimal(f"{path}.accepted_quantity", line.get("accepted_quantity", ordered))
    qty, uom, factor = to_partner_units(partner, ordered, echo, placed.get("uom"))
    accepted_partner = accepted / factor
    status = str(line.get("status") or "accepted")
    if status == "rejected" or accepted <= 0:
        action = LINE_REJECTED
    elif status == "backordered" or accepted < ordered:
        action = LINE_CHANGED
    else:
        action = LINE_ACCEPTED
    out = item_rows(str(echo.get("line_id") or line_no), action, sku, echo, partner)
    out.append(["QTY", [ORDERED, number(qty), uom]])
    if action != LINE_REJECTED:
        out.append(["QTY", [TO_DELIVER, number(accepted_partner), uom]])
    if action == LINE_CHANGED and qty - accepted_partner > 0 and status == "backordered":
        out.append(["QTY", [BACKORDER, number(qty - accepted_partner), uom]])
    price = echo.get("unit_price") or (number(Decimal(str(placed["unit_price"])) * factor) if placed else "")
    if price:
        out.append(["PRI", [str(echo.get("price_qualifier") or "AAA"), str(price)]])
    return out
