"""944 warehouse stock transfer receipt advice -> StockMovement receipts (one per W07 item received)."""

from __future__ import annotations

from adapters.x12.envelope import TransactionSet
from adapters.x12.inbound.parties import node_for, party_loops
from adapters.x12.inbound.reading import MapSettings, SetReader
from adapters.x12.inbound.values import product_ids, split_loops
from hub.model import StockMovement, StockMovementKind
from hub.partners.profile import PartnerProfile

LOCATION_CODES = ("WH", "ST", "RL")


def map_944(ts: TransactionSet, partner: PartnerProfile, settings: MapSettings | None = None) -> list[StockMovement]:
    """Receipts a 944 reports. reference is W17-04 (the depositor order number: our 943 transfer id), else
    "receipt:<W17-03>" (the warehouse receipt number); node is the warehouse N1 mapped by
    `overrides.locations`, else the partner's name."""
    r = SetReader(ts, partner, settings)
    w17 = r.require("W17", "missing_w17", "warehouse receipt identification")
    at = r.moment(w17, 2, code="bad_date", what="receipt date (W17-02)")
    receipt = r.text(w17, 3, code="missing_receipt_number", what="warehouse receipt number (W17-03)")
    transfer = w17.get(4).strip()
    header, loops, _summary = split_loops(ts.body, "W07", end=("W14",))
    if not loops:
        raise r.missing_segment("no_items", "W07", "the receipt advice names no item received (W07)")
    node = node_for(partner, party_loops(header), LOCATION_CODES)
    movements: list[StockMovement] = []
    for loop in loops:
        w07 = loop[0]
        received = r.decimal(w07, 1, code="bad_quantity", what="quantity received (W07-01)")
        assert received is not None
        if received < 0:
            raise r.error("bad_quantity", "quantity received (W07-01) is negative", w07, 1)
        if received == 0:
            continue
        sku = r.sku(w07, product_ids(w07, 4, 5), 4)
        delta, _uom, _factor = r.convert(received, w07.get(2).strip() or None)
        movements.append(
            r.build(
                StockMovement,
                w07,
                tenant=r.settings.tenant,
                node=node,
                sku=sku,
                delta=delta,
                kind=StockMovementKind.RECEIPT,
                reference=transfer or f"receipt:{receipt}",
                at=at,
            )
        )
    if not movements:
        raise r.error("nothing_received", "every item reports 0 received", w17)
    return movements
