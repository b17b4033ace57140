"""INVOIC invoice for kind "invoice": one LIN per invoiced line in the partner's units and prices, totals."""

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

MESSAGE_TYPE = "INVOIC"
DOCUMENT = "380"  # BGM 1001: commercial invoice
ORIGINAL = "9"
INVOICED = "47"  # QTY 6063
LINE_AMOUNT, INVOICE_AMOUNT, LINES_TOTAL = "203", "77", "79"  # MOA 5025


def rows(body: Mapping[str, Any], partner: PartnerProfile, config: EdifactConfig, created_at: datetime) -> list[Row]:
    b = BodyReader(body, "invoice")
    order = b.require("order")
    edi = edi_of(order)
    invoice_date = b.moment("invoice_date")
    po_number = str(edi.get("po_number") or b.require("order.external_id"))
    out: list[Row] = [
        ["BGM", DOCUMENT, str(b.require("invoice_number")), ORIGINAL],
        dtm("137", invoice_date, with_time=False),
    ]
    if b.get("shipment.shipped_at"):
        out.append(dtm("35", b.moment("shipment.shipped_at"), with_time=False))
    out.append(["RFF", ["ON", po_number]])
    if edi.get("po_date"):
        out.append(dtm_raw("171", str(edi["po_date"])))
    out += parties(edi, order)
    currency = str(b.get("currency") or order.get("currency") or partner.currency or config.default_currency)
    out.append(["CUX", ["2", currency.upper(), "4"]])
    lines = b.lines("lines")
    computed = Decimal(0)
    for path, line in lines:
        rows_, amount = _line(b, partner, order, edi, path, line)
        out += rows_
        computed += amount
    total = b.decimal("total") if b.get("total") is not None else computed
    out += [
        ["UNS", "S"],
        ["CNT", ["2", str(len(lines))]],
        ["MOA", [INVOICE_AMOUNT, number(total)]],
        ["MOA", [LINES_TOTAL, number(computed)]],
    ]
    return out


def _line(
    b: BodyReader,
    partner: PartnerProfile,
    order: Mapping[str, Any],
    edi: Mapping[str, Any],
    path: str,
    line: Mapping[str, Any],
) -> tuple[list[Row], Decimal]:
    line_no = line["line_no"]
    echo = line_echo(edi, line_no)
    placed = order_line(order, line_no)
    sku = str(line.get("sku") or placed.get("sku") or "")
    if not sku:
        raise b.fail(f"{path}.sku", "is missing")
    quantity = b.decimal(f"{path}.quantity", line.get("quantity"))
    unit_price = b.decimal(f"{path}.unit_price", line.get("unit_price", placed.get("unit_price")))
    amount = b.decimal(f"{path}.amount", line["amount"]) if line.get("amount") is not None else quantity * unit_price
    qty, uom, factor = to_partner_units(partner, quantity, echo, placed.get("uom"))
    out = item_rows(str(echo.get("line_id") or line_no), "", sku, echo, partner)
    description = placed.get("description") or echo.get("description")
    if description:
        out.append(["IMD", "F", None, ["", "", "", str(description)[:35]]])
    out.append(["QTY", [INVOICED, number(qty), uom]])
    out.append(["MOA", [LINE_AMOUNT, number(amount)]])
    out.append(["PRI", ["AAA", number(unit_price * factor)]])
    return out, amount
