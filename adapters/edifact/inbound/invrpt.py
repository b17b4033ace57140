"""INVRPT inventory report -> StockLevel per item: what the 3PL (or a supplier) holds of each SKU, where."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.edifact.envelope import Message
from adapters.edifact.inbound.parties import node_for, party_groups
from adapters.edifact.inbound.reading import MapSettings, MessageReader
from adapters.edifact.inbound.values import item_ids, override, split_groups
from adapters.edifact.syntax import Segment
from hub.model import StockLevel
from hub.partners.profile import PartnerProfile

QUANTITY_QUALIFIERS = ("145",)
"""QTY 6063 read as on hand, in order (`overrides.INVRPT.quantity` changes it): 145 actual stock."""
DATE_QUALIFIERS = ("366", "137")  # DTM 2005: inventory report date, else document date
LOCATION_PARTIES = ("WH", "ST", "DP", "SU", "GY")  # NAD 3035 naming where the stock is, when no LOC does


def map_invrpt(message: Message, partner: PartnerProfile, settings: MapSettings | None = None) -> list[StockLevel]:
    """One StockLevel per LIN group. Quantity: the first QTY whose 6063 is in `overrides.INVRPT.quantity`,
    converted by the profile's units; node: the group's LOC (else the header's LOC, else a NAD id) mapped by
    `overrides.locations`, else the partner's name."""
    r = MessageReader(message, partner, settings)
    r.require("BGM", "missing_bgm", "beginning of message")
    header, groups, _summary = split_groups(message.body, "LIN", end=("UNS",))
    if not groups:
        raise r.missing_segment("no_items", "LIN", "the inventory report names no item (LIN)")
    as_of = next(
        (r.dated(q, header, what=f"report date (DTM+{q})") for q in DATE_QUALIFIERS if r.first("DTM", header, q)), None
    )
    qualifiers = [str(q) for q in override(partner, "INVRPT", "quantity", QUANTITY_QUALIFIERS)]
    header_places = _locations(header) + [
        key for p in party_groups(header) if p.code in LOCATION_PARTIES for key in (p.id, p.name)
    ]
    levels: list[StockLevel] = []
    for group in groups:
        lin = group[0]
        number, _kind, ids = item_ids(group)
        sku = r.sku(lin, number, ids)
        qty = next((s for q in qualifiers if (s := r.first("QTY", group, q)) is not None), None)
        if qty is None:
            raise r.missing_segment(
                "missing_quantity", "QTY", f"item {sku} has no QTY with 6063 {' or '.join(qualifiers)}", near=lin
            )
        quantity = r.decimal(qty, 1, 2, code="bad_quantity", what="stock quantity (QTY 6060)")
        assert quantity is not None
        if quantity < 0:
            raise r.error("bad_quantity", f"item {sku}: negative stock {qty.get(1, 2)}", qty, 1, component=2)
        on_hand, _unit, _factor = r.convert(quantity, qty.get(1, 3).strip() or None)
        node = node_for(partner, [*_locations(group), *header_places])
        levels.append(
            r.build(StockLevel, lin, tenant=r.settings.tenant, node=node, sku=sku, on_hand=on_hand, as_of=as_of)
        )
    return levels


def _locations(segments: Sequence[Segment]) -> list[str]:
    """LOC C517 3225 ids (and 3224 names) in order."""
    return [v for s in segments if s.tag == "LOC" for v in (s.get(2, 1).strip(), s.get(2, 4).strip()) if v]
