"""860 purchase order change -> OrderChange: lines added, changed (POC03 is the NEW ordered quantity) or deleted,
or the whole order cancelled (BCH01 01)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from adapters.x12.envelope import TransactionSet
from adapters.x12.inbound.reading import MapSettings, SetReader
from adapters.x12.inbound.values import content_digest, decimal_text, product_ids, split_loops
from adapters.x12.syntax import Segment
from hub.model import LineChange, OrderChange
from hub.partners.profile import PartnerProfile

PURPOSE_CANCEL = "01"
ADD = frozenset({"AI"})
DELETE = frozenset({"DI", "CF"})
NO_QUANTITY_OR_PRICE = frozenset(
    {"NC", "CB", "CC", "CD", "CT", "CE", "CG", "CH", "CI", "OA", "OC", "RA", "RB", "RC", "RS", "TI"}
)
"""Change types about dates, terms, shipping mode or confirmations: nothing the hub's order line holds."""


def map_860(ts: TransactionSet, partner: PartnerProfile, settings: MapSettings | None = None) -> OrderChange:
    """The change an 860 requests. Raises SetMappingError / SetValidationError naming segment and element."""
    r = SetReader(ts, partner, settings)
    bch = r.require("BCH", "missing_bch", "beginning segment for purchase order change")
    purpose = r.text(bch, 1, code="missing_purpose", what="transaction set purpose (BCH01)")
    po_number = r.text(bch, 3, code="missing_po_number", what="purchase order number (BCH03)")
    sequence = bch.get(5).strip()
    requested_at = r.moment(bch, 11, code="bad_date", what="change request date (BCH11)", required=False)
    _header, loops, _summary = split_loops(ts.body, "POC", end=("CTT",))
    changes: list[LineChange] = []
    ignored: dict[str, str] = {}
    edi_lines: dict[str, Any] = {}
    if purpose != PURPOSE_CANCEL:
        for loop in loops:
            change, echo = _change(r, loop)
            if change is None:
                ignored[loop[0].get(1).strip()] = loop[0].get(2).strip()
                continue
            changes.append(change)
            if echo:
                edi_lines[str(change.line_no)] = echo
    edi = {
        "standard": "x12",
        "partner": partner.name,
        "set_id": "860",
        "po_number": po_number,
        "po_date": bch.get(6).strip(),
        "purpose": purpose,
        "change_sequence": sequence,
        **r.envelope_refs(),
        "lines": edi_lines,
    }
    if ignored:
        edi["ignored_changes"] = ignored
    if not loops and purpose != PURPOSE_CANCEL:
        edi["header_only"] = True  # dates, terms or references changed: nothing the hub's order lines hold
    return r.build(
        OrderChange,
        bch,
        tenant=r.settings.tenant,
        source=partner.name,
        external_id=f"{po_number}:{sequence}" if sequence else f"{po_number}:{content_digest(ts.body)}",
        order_external_id=po_number,
        cancel=purpose == PURPOSE_CANCEL,
        reason="860 cancellation (BCH01 01)" if purpose == PURPOSE_CANCEL else None,
        changes=changes,
        attributes={"edi": edi},
        requested_at=requested_at or r.group_moment(),
    )


def _change(r: SetReader, loop: list[Segment]) -> tuple[LineChange | None, dict[str, Any]]:
    poc = loop[0]
    assigned = r.text(poc, 1, code="missing_line", what="line number (POC01)")
    if not assigned.isdecimal() or int(assigned) < 1:
        raise r.error("unknown_line", f"line {assigned!r} (POC01) is not a line number of the order", poc, 1)
    line_no = int(assigned)
    kind = r.text(poc, 2, code="missing_change_type", what="change type (POC02)")
    if kind in NO_QUANTITY_OR_PRICE:
        return None, {}
    ids = product_ids(poc, 8, 27)
    if kind in DELETE:
        sku = ids.get(r.partner.sku_qualifier or "VP")
        return r.build(LineChange, poc, action="delete", line_no=line_no, sku=sku), {}
    quantity = r.decimal(poc, 3, code="bad_quantity", what="new ordered quantity (POC03)", required=kind in ADD)
    partner_uom = (poc.components(5) or [""])[0].strip() or None
    price = r.decimal(poc, 6, code="bad_price", what="unit price (POC06)", required=False)
    if quantity is not None and quantity < 0:
        raise r.error("bad_quantity", "new ordered quantity (POC03) is negative", poc, 3)
    if quantity is not None and quantity == 0:
        return r.build(LineChange, poc, action="delete", line_no=line_no), {}
    hub_qty, hub_uom, factor = (None, None, Decimal(1))
    if quantity is not None:
        hub_qty, hub_uom, factor = r.convert(quantity, partner_uom)
    unit_price = price / factor if price is not None else None
    if quantity is None and price is None:
        return None, {}
    description = next((s.get(5).strip() for s in loop if s.tag == "PID" and s.get(5).strip()), None)
    action = "add" if kind in ADD else "change"
    sku = r.sku(poc, ids, 8) if action == "add" else ids.get(r.partner.sku_qualifier or "VP")
    change = r.build(
        LineChange,
        poc,
        action=action,
        line_no=line_no,
        sku=sku,
        quantity=hub_qty,
        unit_price=unit_price,
        uom=hub_uom,
        description=description,
    )
    echo = {
        "assigned_id": assigned,
        "change_type": kind,
        "quantity": decimal_text(quantity) if quantity is not None else "",
        "uom": partner_uom or "",
        "unit_price": decimal_text(price) if price is not None else "",
        "price_basis": poc.get(7).strip(),
        "ids": ids,
        "sku": sku or "",
    }
    return change, {k: v for k, v in echo.items() if v not in ("", {})}
