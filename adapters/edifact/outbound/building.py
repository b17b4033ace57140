"""What the outbound EDIFACT messages share beyond hub.edi (body reading, the order's EDI echo, units, numbers):
DTM dates, item ids (LIN/PIA) and NAD party rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hub.partners.profile import PartnerProfile

Row = list[Any]
DEFAULT_ITEM_TYPE = "SA"  # LIN 7143 for the hub SKU when the profile names no sku_qualifier: supplier's article


def dtm(qualifier: str, moment: datetime, *, with_time: bool = True) -> Row:
    """DTM C507: 2005 qualifier, the date (203 CCYYMMDDHHMM, or 102 CCYYMMDD)."""
    if with_time:
        return ["DTM", [qualifier, moment.strftime("%Y%m%d%H%M"), "203"]]
    return ["DTM", [qualifier, moment.strftime("%Y%m%d"), "102"]]


def dtm_raw(qualifier: str, value: str) -> Row:
    """A DTM echoing a date the partner sent (its format follows from the length)."""
    code = {6: "101", 8: "102", 12: "203", 14: "204"}.get(len(value), "102")
    return ["DTM", [qualifier, value, code]]


def item_rows(line_id: str, action: str, sku: str, echo: Mapping[str, Any], partner: PartnerProfile) -> list[Row]:
    """LIN (+ PIA+1) for a line: the partner's LIN item number and type when it sent them, else the hub SKU
    under the profile's sku_qualifier (default SA); every other id the partner sent goes back in PIA+1."""
    number = str(echo.get("item_number") or "")
    kind = str(echo.get("item_type") or "")
    if not number:
        number, kind = sku, partner.sku_qualifier or DEFAULT_ITEM_TYPE
    rows: list[Row] = [["LIN", line_id, action, [number, kind]]]
    others = [[v, q] for q, v in (echo.get("ids") or {}).items() if v and not (v == number and q in (kind, "LIN"))]
    for start in range(0, len(others), 5):
        rows.append(["PIA", "1", *others[start : start + 5]])
    return rows


def party_row(code: str, party: Mapping[str, Any]) -> Row:
    """NAD for a party dict: the EDI echo ({id, agency, name, street, city, region, postal_code, country}) or a
    hub Address JSON ({name, line1, line2, city, region, postal_code, country_code})."""
    ident = str(party.get("id") or "")
    street = list(party.get("street") or [party.get(k) for k in ("line1", "line2") if party.get(k)])
    return [
        "NAD",
        code,
        [ident, "", str(party.get("agency") or "9")] if ident else None,
        None,
        [str(party.get("name") or "")[:35]] if party.get("name") else None,
        [str(s)[:35] for s in street[:4]] or None,
        str(party.get("city") or "")[:35] or None,
        str(party.get("region") or "")[:9] or None,
        str(party.get("postal_code") or "")[:17] or None,
        str(party.get("country") or party.get("country_code") or "")[:3] or None,
    ]


def parties(edi: Mapping[str, Any], order: Mapping[str, Any]) -> list[Row]:
    """NAD+BY and NAD+DP as the partner sent them (the ship-to from the order when the partner sent none)."""
    sent = edi.get("parties") or {}
    rows: list[Row] = []
    if sent.get("BY"):
        rows.append(party_row("BY", sent["BY"]))
    ship_to = sent.get("DP") or sent.get("ST") or order.get("ship_to")
    if ship_to:
        rows.append(party_row("DP", ship_to))
    return rows
