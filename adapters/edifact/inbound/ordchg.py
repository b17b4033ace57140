"""ORDCHG order change -> OrderChange: lines added, changed (QTY+21 is the NEW ordered quantity) or deleted
(LIN 1229 1, 3, 2), or the whole order cancelled (BGM 1225 1 or 3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from adapters.edifact.envelope import Message
from adapters.edifact.inbound.reading import MapSettings, MessageReader
from adapters.edifact.inbound.values import content_digest, decimal_text, item_ids, split_groups
from adapters.edifact.syntax import Segment
from hub.model import LineChange, OrderChange
from hub.partners.profile import PartnerProfile

FUNCTION_CANCEL = frozenset({"1", "3"})  # BGM 1225
ACTIONS = {"1": "add", "2": "delete", "3": "change"}
"""LIN 1229 action request: 1 added, 2 deleted, 3 changed. Others (4 no action, 5 accepted...) are kept in
attributes.edi.ignored_lines and change nothing."""
ORDERED = "21"
PRICE_QUALIFIERS = ("AAA", "AAB")


def map_ordchg(message: Message, partner: PartnerProfile, settings: MapSettings | None = None) -> OrderChange:
    """The change an ORDCHG requests: the order is RFF+ON when given, else BGM 1004."""
    r = MessageReader(message, partner, settings)
    bgm = r.require("BGM", "missing_bgm", "beginning of message")
    change_number = r.text(bgm, 2, code="missing_document_number", what="order change number (BGM 1004)")
    function = bgm.get(3).strip() or "9"
    header, groups, _summary = split_groups(message.body, "LIN", end=("UNS",))
    order_ref = r.first("RFF", header, "ON")
    po_number = order_ref.get(1, 2).strip() if order_ref is not None and order_ref.get(1, 2).strip() else change_number
    cancel = function in FUNCTION_CANCEL
    changes: list[LineChange] = []
    ignored: dict[str, str] = {}
    edi_lines: dict[str, Any] = {}
    if not cancel:
        for group in groups:
            change, echo = _change(r, group)
            if change is None:
                ignored[group[0].get(1).strip()] = group[0].get(2).strip()
                continue
            changes.append(change)
            if echo:
                edi_lines[str(change.line_no)] = echo
    edi: dict[str, Any] = {
        "standard": "edifact",
        "partner": partner.name,
        "message_type": "ORDCHG",
        "po_number": po_number,
        "change_number": change_number,
        "function": function,
        **r.envelope_refs(),
        "lines": edi_lines,
    }
    if ignored:
        edi["ignored_lines"] = ignored
    if not groups and not cancel:
        edi["header_only"] = True  # dates, parties or references changed: nothing the hub's order lines hold
    suffix = change_number if change_number != po_number else content_digest(message.body)
    return r.build(
        OrderChange,
        bgm,
        tenant=r.settings.tenant,
        source=partner.name,
        external_id=f"{po_number}:{suffix}",
        order_external_id=po_number,
        cancel=cancel,
        reason=f"ORDCHG cancellation (BGM 1225 {function})" if cancel else None,
        changes=changes,
        attributes={"edi": edi},
        requested_at=r.dated("137", header, what="document date (DTM+137)") or r.interchange_moment(),
    )


def _change(r: MessageReader, group: list[Segment]) -> tuple[LineChange | None, dict[str, Any]]:
    lin = group[0]
    line_id = r.text(lin, 1, code="missing_line", what="line item number (LIN 1082)")
    if not line_id.isdecimal() or int(line_id) < 1:
        raise r.error("unknown_line", f"line {line_id!r} (LIN 1082) is not a line number of the order", lin, 1)
    line_no = int(line_id)
    action = ACTIONS.get(lin.get(2).strip())
    if action is None:
        return None, {}
    number, _kind, ids = item_ids(group)
    if action == "delete":
        return r.build(LineChange, lin, action="delete", line_no=line_no, sku=_known_sku(r, number, ids)), {}
    qty = r.first("QTY", group, ORDERED)
    if qty is None and action == "add":
        raise r.missing_segment("missing_quantity", "QTY", f"added line {line_no} has no QTY+21", near=lin)
    quantity = r.decimal(qty, 1, 2, code="bad_quantity", what="new ordered quantity (QTY 6060)") if qty else None
    if quantity is not None and quantity < 0 and qty is not None:
        raise r.error("bad_quantity", "new ordered quantity (QTY 6060) is negative", qty, 1, component=2)
    if quantity is not None and quantity == 0:
        return r.build(LineChange, lin, action="delete", line_no=line_no), {}
    partner_uom = qty.get(1, 3).strip() or None if qty is not None else None
    pri = next((p for q in PRICE_QUALIFIERS if (p := r.first("PRI", group, q)) is not None), None)
    price = r.decimal(pri, 1, 2, code="bad_price", what="price (PRI 5118)", required=False) if pri else None
    if quantity is None and price is None:
        return None, {}
    hub_qty, hub_uom, factor = (None, None, Decimal(1))
    if quantity is not None:
        hub_qty, hub_uom, factor = r.convert(quantity, partner_uom)
    sku = r.sku(lin, number, ids) if action == "add" else _known_sku(r, number, ids)
    change = r.build(
        LineChange,
        lin,
        action=action,
        line_no=line_no,
        sku=sku,
        quantity=hub_qty,
        unit_price=price / factor if price is not None else None,
        uom=hub_uom,
    )
    echo = {
        "line_id": line_id,
        "action": lin.get(2).strip(),
        "item_number": number,
        "quantity": decimal_text(quantity) if quantity is not None else "",
        "uom": partner_uom or "",
        "unit_price": decimal_text(price) if price is not None else "",
        "ids": ids,
        "sku": sku or "",
    }
    return change, {k: v for k, v in echo.items() if v not in ("", {})}


def _known_sku(r: MessageReader, number: str, ids: dict[str, str]) -> str | None:
    """The SKU a changed or deleted line names, when it names one (checked against the stored line)."""
    if r.partner.sku_qualifier:
        return ids.get(r.partner.sku_qualifier)
    return number or None
