"""850 purchase order -> Order (or a Cancellation when BEG01 is 01), keeping every id for the outbound echo."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pydantic import BaseModel

from adapters.x12.envelope import TransactionSet
from adapters.x12.inbound.parties import PartyLoop, party_loops
from adapters.x12.inbound.reading import MapSettings, SetReader
from adapters.x12.inbound.values import decimal_text, line_numbers, override, product_ids, split_loops
from adapters.x12.syntax import Segment
from hub.model import Cancellation, Order, OrderLine
from hub.partners.profile import PartnerProfile

PURPOSE_CANCEL = "01"
PURPOSE_REPLACE = "05"
PRICE_PLACES = Decimal("0.0001")


def map_850(ts: TransactionSet, partner: PartnerProfile, settings: MapSettings | None = None) -> Order:
    """The order an 850 places. Raises SetMappingError / SetValidationError naming segment and element."""
    r = SetReader(ts, partner, settings)
    beg = r.require("BEG", "missing_beg", "beginning segment for purchase order")
    po_number = r.text(beg, 3, code="missing_po_number", what="purchase order number (BEG03)")
    po_date = r.moment(beg, 5, code="bad_po_date", what="purchase order date (BEG05)", required=False)
    header, line_loops, _summary = split_loops(ts.body, "PO1", end=("CTT",))
    if not line_loops:
        raise r.missing_segment("no_lines", "PO1", "the purchase order has no line (PO1)")
    parties = party_loops(header)
    ship_to = _ship_to(r, parties)
    currency = r.currency(header)
    assigned = [loop[0].get(1) for loop in line_loops]
    numbers = line_numbers(assigned)
    lines: list[OrderLine] = []
    edi_lines: dict[str, Any] = {}
    for line_no, loop in zip(numbers, line_loops, strict=True):
        line, echo = _line(r, line_no, loop)
        lines.append(line)
        edi_lines[str(line_no)] = echo
    customer = next((r.party(p) for p in parties if p.code == "BY"), None)
    purpose = beg.get(1).strip()
    edi = {
        "standard": "x12",
        "partner": partner.name,
        "set_id": "850",
        "po_number": po_number,
        "po_date": beg.get(5).strip(),
        "purpose": purpose,
        "po_type": beg.get(2).strip(),
        "release": beg.get(4).strip(),
        **r.envelope_refs(),
        "currency": currency,
        "parties": {p.code: p.as_dict() for p in parties if p.code},
        "refs": {s.get(1).strip(): s.get(2).strip() for s in r.all("REF", header) if s.get(1).strip()},
        "lines": edi_lines,
    }
    return r.build(
        Order,
        beg,
        tenant=r.settings.tenant,
        source=partner.name,
        external_id=po_number,
        revision=r.revision_stamp() if purpose == PURPOSE_REPLACE else 1,
        currency=currency,
        placed_at=po_date,
        ship_to=r.address(ship_to),
        customer=customer,
        lines=lines,
        attributes={"edi": edi},
    )


def map_850_documents(
    ts: TransactionSet, partner: PartnerProfile, settings: MapSettings | None = None
) -> list[BaseModel]:
    """What an 850 means to the hub: a new (or replacing) Order, or a Cancellation when BEG01 is 01."""
    beg = next((s for s in ts.body if s.tag == "BEG"), None)
    if beg is not None and beg.get(1).strip() == PURPOSE_CANCEL:
        return [cancellation_850(ts, partner, settings)]
    return [map_850(ts, partner, settings)]


def cancellation_850(ts: TransactionSet, partner: PartnerProfile, settings: MapSettings | None = None) -> Cancellation:
    """An 850 with BEG01 01 cancels the purchase order it names, whole."""
    r = SetReader(ts, partner, settings)
    beg = r.require("BEG", "missing_beg", "beginning segment for purchase order")
    po_number = r.text(beg, 3, code="missing_po_number", what="purchase order number (BEG03)")
    return r.build(
        Cancellation,
        beg,
        tenant=r.settings.tenant,
        source=partner.name,
        external_id=f"{po_number}:cancel",
        order_external_id=po_number,
        reason="850 cancellation (BEG01 01)",
        requested_at=r.group_moment(),
    )


def _ship_to(r: SetReader, parties: list[PartyLoop]) -> PartyLoop:
    """The ship-to N1 loop: N101 `overrides.850.ship_to` (default ST; "N1*BT" and "BT" both accepted)."""
    wanted = str(override(r.partner, "850", "ship_to", "ST")).removeprefix("N1*").strip()
    found = next((p for p in parties if p.code == wanted), None)
    if found is None:
        raise r.missing_segment("missing_ship_to", "N1", f"no ship-to party (N1*{wanted}) in the purchase order header")
    return found


def _line(r: SetReader, line_no: int, loop: list[Segment]) -> tuple[OrderLine, dict[str, Any]]:
    po1 = loop[0]
    quantity = r.positive(po1, 2, code="bad_quantity", what="quantity ordered (PO102)")
    partner_uom = po1.get(3).strip() or None
    price = r.decimal(po1, 4, code="bad_price", what="unit price (PO104)", required=False)
    if price is not None and price < 0:
        raise r.error("bad_price", f"unit price (PO104) is negative: {po1.get(4)}", po1, 4)
    ids = product_ids(po1, 6, 25)
    sku = r.sku(po1, ids, 6)
    hub_qty, hub_uom, factor = r.convert(quantity, partner_uom)
    unit_price = Decimal(0) if price is None else price / factor
    if unit_price != unit_price.quantize(PRICE_PLACES, rounding=ROUND_HALF_EVEN) and factor != 1:
        unit_price = unit_price.quantize(PRICE_PLACES, rounding=ROUND_HALF_EVEN)
    description = next((s.get(5).strip() for s in loop if s.tag == "PID" and s.get(5).strip()), None)
    line = r.build(
        OrderLine,
        po1,
        line_no=line_no,
        sku=sku,
        quantity=hub_qty,
        uom=hub_uom,
        unit_price=unit_price,
        description=description,
    )
    echo: dict[str, Any] = {
        "assigned_id": po1.get(1).strip(),
        "quantity": decimal_text(quantity),
        "uom": partner_uom or "",
        "unit_price": decimal_text(price) if price is not None else "",
        "price_basis": po1.get(5).strip(),
        "ids": ids,
        "sku": sku,
    }
    if description:
        echo["description"] = description
    return line, {k: v for k, v in echo.items() if v != ""}
