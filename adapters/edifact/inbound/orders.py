"""ORDERS purchase order (D96A, D01B...) -> Order, or a Cancellation when BGM 1225 is 1 (or 3), keeping every
id, unit and price of its lines in attributes.edi so the outbound documents echo them."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pydantic import BaseModel

from adapters.edifact.envelope import Message
from adapters.edifact.inbound.parties import PartyGroup, party_groups
from adapters.edifact.inbound.reading import MapSettings, MessageReader
from adapters.edifact.inbound.values import decimal_text, item_ids, line_numbers, override, split_groups
from adapters.edifact.syntax import Segment
from hub.model import Cancellation, Order, OrderLine
from hub.partners.profile import PartnerProfile

FUNCTION_CANCEL = frozenset({"1", "3"})  # BGM 1225: 1 cancellation, 3 deletion
FUNCTION_REPLACE = "5"
ORDERED = "21"  # QTY 6063: ordered quantity
PRICE_QUALIFIERS = ("AAA", "AAB")  # PRI 5125: net calculation price, then gross price
SHIP_TO = ("DP", "ST")  # NAD 3035 read as the ship-to, in order (`overrides.ORDERS.ship_to` changes it)
PRICE_PLACES = Decimal("0.0001")


def map_orders(message: Message, partner: PartnerProfile, settings: MapSettings | None = None) -> Order:
    """The order an ORDERS places. Raises MessageMappingError / MessageValidationError naming where."""
    r = MessageReader(message, partner, settings)
    bgm = r.require("BGM", "missing_bgm", "beginning of message")
    po_number = r.text(bgm, 2, code="missing_po_number", what="order number (BGM 1004)")
    function = bgm.get(3).strip() or "9"
    header, groups, _summary = split_groups(message.body, "LIN", end=("UNS",))
    if not groups:
        raise r.missing_segment("no_lines", "LIN", "the order has no line (LIN)")
    placed_at = r.dated("137", header, what="order date (DTM+137)")
    requested = r.first("DTM", header, "2")
    parties = party_groups(header)
    ship_to = _ship_to(r, parties)
    currency = r.currency(header)
    numbers = line_numbers([g[0].get(1) for g in groups])
    lines: list[OrderLine] = []
    edi_lines: dict[str, Any] = {}
    for line_no, group in zip(numbers, groups, strict=True):
        line, echo = _line(r, line_no, group)
        lines.append(line)
        edi_lines[str(line_no)] = echo
    buyer = next((r.party(p) for p in parties if p.code == "BY"), None)
    edi = {
        "standard": "edifact",
        "partner": partner.name,
        "message_type": "ORDERS",
        "po_number": po_number,
        "po_date": _raw_date(r.first("DTM", header, "137")),
        "document_code": bgm.get(1).strip(),
        "function": function,
        **r.envelope_refs(),
        "association": message.association,
        "currency": currency,
        "parties": {p.code: p.as_dict() for p in parties if p.code},
        "refs": {s.get(1, 1).strip(): s.get(1, 2).strip() for s in r.all("RFF", header) if s.get(1, 1).strip()},
        "lines": edi_lines,
    }
    if requested is not None:
        edi["requested_delivery"] = _raw_date(requested)
    return r.build(
        Order,
        bgm,
        tenant=r.settings.tenant,
        source=partner.name,
        external_id=po_number,
        revision=r.revision_stamp() if function == FUNCTION_REPLACE else 1,
        currency=currency,
        placed_at=placed_at,
        ship_to=r.address(ship_to),
        customer=buyer,
        lines=lines,
        attributes={"edi": {k: v for k, v in edi.items() if v not in ("", {})}},
    )


def map_orders_documents(
    message: Message, partner: PartnerProfile, settings: MapSettings | None = None
) -> list[BaseModel]:
    """What an ORDERS means to the hub: a new (or replacing) Order, or a Cancellation (BGM 1225 1 or 3)."""
    bgm = message.first("BGM")
    if bgm is not None and bgm.get(3).strip() in FUNCTION_CANCEL:
        return [cancellation(message, partner, settings)]
    return [map_orders(message, partner, settings)]


def cancellation(message: Message, partner: PartnerProfile, settings: MapSettings | None = None) -> Cancellation:
    """An ORDERS with BGM 1225 1 (cancellation) or 3 (deletion) cancels the order it names, whole."""
    r = MessageReader(message, partner, settings)
    bgm = r.require("BGM", "missing_bgm", "beginning of message")
    po_number = r.text(bgm, 2, code="missing_po_number", what="order number (BGM 1004)")
    return r.build(
        Cancellation,
        bgm,
        tenant=r.settings.tenant,
        source=partner.name,
        external_id=f"{po_number}:cancel",
        order_external_id=po_number,
        reason=f"ORDERS cancellation (BGM 1225 {bgm.get(3).strip()})",
        requested_at=r.dated("137", message.body, what="order date (DTM+137)") or r.interchange_moment(),
    )


def _ship_to(r: MessageReader, parties: list[PartyGroup]) -> PartyGroup:
    """The ship-to NAD: the first of `overrides.ORDERS.ship_to` (default DP, then ST) the header has."""
    wanted = override(r.partner, "ORDERS", "ship_to", list(SHIP_TO))
    codes = [wanted] if isinstance(wanted, str) else [str(c) for c in wanted]
    for code in codes:
        found = next((p for p in parties if p.code == code.removeprefix("NAD+")), None)
        if found is not None:
            return found
    names = " or ".join(f"NAD+{c}" for c in codes)
    raise r.missing_segment("missing_ship_to", "NAD", f"no ship-to party ({names}) in the order header")


def _raw_date(dtm: Segment | None) -> str:
    return dtm.get(1, 2).strip() if dtm is not None else ""


def _line(r: MessageReader, line_no: int, group: list[Segment]) -> tuple[OrderLine, dict[str, Any]]:
    lin = group[0]
    qty = r.first("QTY", group, ORDERED) or r.first("QTY", group)
    if qty is None:
        raise r.missing_segment("missing_quantity", "QTY", f"line {line_no} has no ordered quantity (QTY+21)", near=lin)
    quantity = r.decimal(qty, 1, 2, code="bad_quantity", what="ordered quantity (QTY 6060)")
    assert quantity is not None
    if quantity <= 0:
        raise r.error("bad_quantity", f"ordered quantity must be positive, got {qty.get(1, 2)}", qty, 1, component=2)
    partner_uom = qty.get(1, 3).strip() or None
    pri = next((p for q in PRICE_QUALIFIERS if (p := r.first("PRI", group, q)) is not None), None)
    price = r.decimal(pri, 1, 2, code="bad_price", what="price (PRI 5118)", required=False) if pri else None
    if price is not None and price < 0 and pri is not None:
        raise r.error("bad_price", f"price (PRI 5118) is negative: {pri.get(1, 2)}", pri, 1, component=2)
    number, kind, ids = item_ids(group)
    sku = r.sku(lin, number, ids)
    hub_qty, hub_uom, factor = r.convert(quantity, partner_uom)
    unit_price = Decimal(0) if price is None else price / factor
    if factor != 1:
        unit_price = unit_price.quantize(PRICE_PLACES, rounding=ROUND_HALF_EVEN)
    description = _description(group)
    line = r.build(
        OrderLine,
        lin,
        line_no=line_no,
        sku=sku,
        quantity=hub_qty,
        uom=hub_uom,
        unit_price=unit_price,
        description=description,
    )
    delivery = r.first("DTM", group, "2")
    echo: dict[str, Any] = {
        "line_id": lin.get(1).strip(),
        "item_number": number,
        "item_type": kind,
        "quantity": decimal_text(quantity),
        "uom": partner_uom or "",
        "unit_price": decimal_text(price) if price is not None else "",
        "price_qualifier": pri.get(1, 1).strip() if pri is not None else "",
        "ids": ids,
        "sku": sku,
        "description": description or "",
        "requested_delivery": _raw_date(delivery),
    }
    return line, {k: v for k, v in echo.items() if v not in ("", {})}


def _description(group: list[Segment]) -> str | None:
    """IMD free-form description (C273 7008, both parts), else its coded description 7009."""
    for imd in (s for s in group if s.tag == "IMD"):
        text = " ".join(v.strip() for v in imd.element(3)[3:5] if v.strip())
        if text:
            return text
    return None
