"""846 inventory inquiry/advice -> StockLevel per item: what the 3PL (or a supplier) holds of each SKU."""

from __future__ import annotations

from adapters.x12.envelope import TransactionSet
from adapters.x12.inbound.parties import node_for, party_loops
from adapters.x12.inbound.reading import MapSettings, SetReader
from adapters.x12.inbound.values import override, product_ids, split_loops
from hub.model import StockLevel
from hub.partners.profile import PartnerProfile

QUANTITY_QUALIFIERS = ("17", "33")
"""QTY01 read as on hand, in order of preference: 17 quantity on hand, 33 quantity available for sale."""
LOCATION_CODES = ("WH", "SF", "SN", "RL")
"""N101 codes naming the location the quantities are at (warehouse, ship from, store, reporting location)."""


def map_846(ts: TransactionSet, partner: PartnerProfile, settings: MapSettings | None = None) -> list[StockLevel]:
    """One StockLevel per LIN loop. Quantity: the first QTY whose qualifier is in `overrides.846.quantity`
    (default 17, then 33), converted by the profile's units; node: the location N1 mapped by
    `overrides.locations`, else the partner's name."""
    r = SetReader(ts, partner, settings)
    bia = r.require("BIA", "missing_bia", "beginning segment for inventory inquiry/advice")
    as_of = r.moment(bia, 4, time_index=5, code="bad_date", what="inventory date (BIA04)", required=False)
    header, loops, _summary = split_loops(ts.body, "LIN", end=("CTT",))
    if not loops:
        raise r.missing_segment("no_items", "LIN", "the inventory advice names no item (LIN)")
    qualifiers = [str(q) for q in override(partner, "846", "quantity", QUANTITY_QUALIFIERS)]
    header_parties = party_loops(header)
    levels: list[StockLevel] = []
    for loop in loops:
        lin = loop[0]
        sku = r.sku(lin, product_ids(lin, 2, 31), 2)
        by_qualifier = {s.get(1).strip(): s for s in loop if s.tag == "QTY"}
        qty_seg = next((by_qualifier[q] for q in qualifiers if q in by_qualifier), None)
        if qty_seg is None:
            raise r.missing_segment(
                "missing_quantity", "QTY", f"item {sku} has no QTY with qualifier {' or '.join(qualifiers)}", near=lin
            )
        quantity = r.decimal(qty_seg, 2, code="bad_quantity", what="quantity (QTY02)")
        assert quantity is not None
        if quantity < 0:
            raise r.error("bad_quantity", f"item {sku}: negative quantity {qty_seg.get(2)}", qty_seg, 2)
        uom = (qty_seg.components(3) or [""])[0].strip() or None
        on_hand, _unit, _factor = r.convert(quantity, uom)
        node = node_for(partner, [*party_loops(loop), *header_parties], LOCATION_CODES)
        levels.append(
            r.build(StockLevel, lin, tenant=r.settings.tenant, node=node, sku=sku, on_hand=on_hand, as_of=as_of)
        )
    return levels
