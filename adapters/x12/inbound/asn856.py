"""856 ship notice (ASN) -> one Shipment per order level (HL O), items (HL I) under it, packs (HL P) as parcels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from adapters.x12.envelope import TransactionSet
from adapters.x12.inbound.parties import node_for, party_loops
from adapters.x12.inbound.reading import MapSettings, SetReader
from adapters.x12.inbound.values import line_numbers, product_ids, split_loops
from adapters.x12.syntax import Segment
from hub.model import Parcel, Shipment, ShipmentLine, Tracking
from hub.partners.profile import PartnerProfile

SHIPPED = "011"  # DTM01: shipped
LOCATION_CODES = ("SF", "WH")
TRACKING_REFS = ("2I", "CN")  # REF01: tracking number, carrier's reference (PRO)


@dataclass
class Level:
    """One HL and its segments."""

    hl: Segment
    segments: list[Segment]
    children: list[Level] = field(default_factory=list)
    parent: Level | None = None

    @property
    def id(self) -> str:
        return self.hl.get(1).strip()

    @property
    def code(self) -> str:
        return self.hl.get(3).strip()

    def first(self, tag: str) -> Segment | None:
        return next((s for s in self.segments if s.tag == tag), None)

    def ancestor(self, code: str) -> Level | None:
        level = self.parent
        while level is not None and level.code != code:
            level = level.parent
        return level

    def descendants(self) -> list[Level]:
        out: list[Level] = []
        for child in self.children:
            out += [child, *child.descendants()]
        return out


def map_856(ts: TransactionSet, partner: PartnerProfile, settings: MapSettings | None = None) -> list[Shipment]:
    """The shipments an ASN reports: one per order level (PRF01 = the purchase order number).
    external_id is BSN02 (suffixed ":<PO>" when the ASN covers several orders)."""
    r = SetReader(ts, partner, settings)
    bsn = r.require("BSN", "missing_bsn", "beginning segment for ship notice")
    shipment_id = r.text(bsn, 2, code="missing_shipment_id", what="shipment identification (BSN02)")
    _head, loops, _summary = split_loops(ts.body, "HL", end=("CTT",))
    levels = _tree(r, loops)
    if not levels:
        raise r.missing_segment("no_levels", "HL", "the ship notice has no hierarchical level (HL)")
    top = next((lv for lv in levels if lv.code == "S"), levels[0])
    shipped_at = _shipped_at(r, top, bsn)
    td5 = top.first("TD5")
    carrier = (td5.get(3).strip() or None) if td5 is not None else None
    service = (td5.get(5).strip() or None) if td5 is not None else None
    refs = {s.get(1).strip(): s.get(2).strip() for s in top.segments if s.tag == "REF" and s.get(2).strip()}
    header_tracking = next((refs[q] for q in TRACKING_REFS if q in refs), None)
    node = node_for(partner, party_loops(top.segments), LOCATION_CODES)
    orders = [lv for lv in levels if lv.code == "O"] or [top]
    shipments: list[Shipment] = []
    for order in orders:
        prf = order.first("PRF") or next((lv.first("PRF") for lv in levels if lv.first("PRF")), None)
        if prf is None:
            raise r.missing_segment("missing_po", "PRF", "no purchase order reference (PRF) for an order level")
        po_number = r.text(prf, 1, code="missing_po", what="purchase order number (PRF01)")
        items = [lv for lv in order.descendants() if lv.code == "I"] or (
            [lv for lv in levels if lv.code == "I"] if order is top else []
        )
        if not items:
            raise r.missing_segment("no_items", "LIN", f"order {po_number} has no item level (HL I)", near=order.hl)
        shipments.append(
            _shipment(
                r,
                items,
                shipment_id if len(orders) == 1 else f"{shipment_id}:{po_number}",
                po_number,
                shipped_at,
                node,
                carrier,
                service,
                header_tracking,
            )
        )
    return shipments


def _shipment(
    r: SetReader,
    items: list[Level],
    external_id: str,
    po_number: str,
    shipped_at: datetime | None,
    node: str,
    carrier: str | None,
    service: str | None,
    header_tracking: str | None,
) -> Shipment:
    numbers = line_numbers([_assigned(lv) for lv in items], unique=False)
    lines: list[ShipmentLine] = []
    parcels: dict[str, Parcel] = {}
    for line_no, item in zip(numbers, items, strict=True):
        lin = item.first("LIN")
        sn1 = item.first("SN1")
        if lin is None:
            raise r.missing_segment(
                "missing_lin", "LIN", "an item level has no item identification (LIN)", near=item.hl
            )
        if sn1 is None:
            raise r.missing_segment("missing_sn1", "SN1", "an item level has no shipped quantity (SN1)", near=item.hl)
        shipped = r.decimal(sn1, 2, code="bad_quantity", what="number of units shipped (SN102)")
        assert shipped is not None
        if shipped <= 0:
            continue
        sku = r.sku(lin, product_ids(lin, 2, 31), 2)
        quantity, _uom, _factor = r.convert(shipped, sn1.get(3).strip() or None)
        parcel_id = _parcel(item.ancestor("P"), carrier, service, parcels)
        lines.append(r.build(ShipmentLine, lin, line_no=line_no, sku=sku, quantity=quantity, parcel_id=parcel_id))
    if not lines:
        raise r.error("nothing_shipped", f"order {po_number}: every item reports 0 units shipped")
    if not parcels and header_tracking and carrier:
        parcels[header_tracking] = Parcel(tracking=Tracking(carrier=carrier, number=header_tracking, service=service))
    return r.build(
        Shipment,
        items[0].hl,
        tenant=r.settings.tenant,
        source=r.partner.name,
        external_id=external_id,
        order_external_id=po_number,
        node=node,
        shipped_at=shipped_at,
        lines=lines,
        parcels=list(parcels.values()),
    )


def _tree(r: SetReader, loops: list[list[Segment]]) -> list[Level]:
    levels: list[Level] = []
    by_id: dict[str, Level] = {}
    for loop in loops:
        level = Level(loop[0], loop)
        parent_id = level.hl.get(2).strip()
        if parent_id:
            parent = by_id.get(parent_id)
            if parent is None:
                raise r.error(
                    "bad_hierarchy",
                    f"HL {level.id} names parent {parent_id}, which comes nowhere before it",
                    level.hl,
                    2,
                )
            level.parent = parent
            parent.children.append(level)
        by_id[level.id] = level
        levels.append(level)
    return levels


def _assigned(item: Level) -> str:
    lin = item.first("LIN")
    sn1 = item.first("SN1")
    return (lin.get(1).strip() if lin is not None else "") or (sn1.get(1).strip() if sn1 is not None else "")


def _shipped_at(r: SetReader, top: Level, bsn: Segment) -> datetime | None:
    dtm = next((s for s in top.segments if s.tag == "DTM" and s.get(1).strip() == SHIPPED), None)
    if dtm is not None:
        return r.moment(dtm, 2, time_index=3, code="bad_date", what="shipped date (DTM02)")
    return r.moment(bsn, 3, time_index=4, code="bad_date", what="ship notice date (BSN03)")


def _parcel(pack: Level | None, carrier: str | None, service: str | None, parcels: dict[str, Parcel]) -> str | None:
    """The parcel a pack level describes (MAN*GM SSCC, MAN*CP or REF*2I tracking), registered once; its id."""
    if pack is None:
        return None
    marks = {s.get(1).strip(): s.get(2).strip() for s in pack.segments if s.tag == "MAN" and s.get(2).strip()}
    refs = {s.get(1).strip(): s.get(2).strip() for s in pack.segments if s.tag == "REF" and s.get(2).strip()}
    number = marks.get("CP") or refs.get("2I")
    parcel_id = marks.get("GM") or number or f"HL{pack.id}"
    if parcel_id not in parcels:
        tracking = Tracking(carrier=carrier or "unknown", number=number, service=service) if number else None
        parcels[parcel_id] = Parcel(parcel_id=parcel_id, tracking=tracking)
    return parcel_id
