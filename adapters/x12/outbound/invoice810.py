"""810 invoice for kind "invoice": one IT1 per invoiced line in the partner's units and prices, TDS total."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from adapters.x12.config import X12Config
from adapters.x12.outbound.building import Row, implied, party_rows, product_pairs, sku_qualifier, trim, x12_date
from hub.edi.bodies import BodyReader
from hub.edi.echo import edi_of, line_echo, order_line, to_partner_units
from hub.edi.numbers import number
from hub.partners.profile import PartnerProfile

SET_ID = "810"
FUNCTIONAL_ID = "IN"


def rows(body: Mapping[str, Any], partner: PartnerProfile, config: X12Config) -> list[Row]:
    b = BodyReader(body, "invoice")
    order = b.require("order")
    edi = edi_of(order)
    invoice_date = x12_date(b.moment("invoice_date"))
    po_number = str(edi.get("po_number") or b.require("order.external_id"))
    out: list[Row] = [["BIG", invoice_date, str(b.require("invoice_number")), str(edi.get("po_date") or ""), po_number]]
    currency = str(b.get("currency") or order.get("currency") or partner.currency or config.default_currency)
    out.append(["CUR", "SE", currency.upper()])
    ship_to = (edi.get("parties") or {}).get("ST") or order.get("ship_to")
    if ship_to:
        out += party_rows("ST", ship_to)
    shipped_at = b.get("shipment.shipped_at")
    if shipped_at:
        out.append(["DTM", "011", x12_date(b.moment("shipment.shipped_at"))])
    lines = b.require("lines")
    computed = Decimal(0)
    for index, line in enumerate(lines):
        rows_, amount = _line(b, partner, order, edi, line, index)
        out += rows_
        computed += amount
    total = b.decimal("total") if b.get("total") is not None else computed
    out.append(["TDS", implied(total)])
    out.append(["CTT", str(len(lines))])
    return trim(out)


def _line(
    b: BodyReader, partner: PartnerProfile, order: Mapping[str, Any], edi: Mapping[str, Any], line: Any, index: int
) -> tuple[list[Row], Decimal]:
    path = f"lines.{index}"
    if not isinstance(line, Mapping):
        raise b.fail(path, "is not an object")
    line_no = line.get("line_no")
    if line_no is None:
        raise b.fail(f"{path}.line_no", "is missing")
    echo = line_echo(edi, line_no)
    placed = order_line(order, line_no)
    sku = str(line.get("sku") or placed.get("sku") or "")
    if not sku:
        raise b.fail(f"{path}.sku", "is missing")
    quantity = b.decimal(f"{path}.quantity", line.get("quantity"))
    unit_price = b.decimal(f"{path}.unit_price", line.get("unit_price", placed.get("unit_price")))
    amount = b.decimal(f"{path}.amount", line["amount"]) if line.get("amount") is not None else quantity * unit_price
    qty, uom, factor = to_partner_units(partner, quantity, echo, placed.get("uom"))
    it1: Row = [
        "IT1",
        str(echo.get("assigned_id") or line_no),
        number(qty),
        uom,
        number(unit_price * factor),
        str(echo.get("price_basis") or ""),
        *product_pairs(sku, echo.get("ids"), sku_qualifier(partner)),
    ]
    out: list[Row] = [it1]
    description = placed.get("description") or echo.get("description")
    if description:
        out.append(["PID", "F", "", "", "", str(description)])
    return out, amount
