"""945 warehouse shipping advice -> Shipment: what a 3PL shipped against our 940, with parcels and tracking."""

from __future__ import annotations

from datetime import datetime

from adapters.x12.envelope import TransactionSet
from adapters.x12.inbound.parties import node_for, party_loops
from adapters.x12.inbound.reading import MapSettings, SetReader
from adapters.x12.inbound.values import line_numbers, product_ids, split_loops
from adapters.x12.syntax import Segment
from hub.model import Parcel, Shipment, ShipmentLine, Tracking
from hub.partners.profile import PartnerProfile

SHIPPED_ON = "11"  # G6201: shipped on this date
SSCC = "GM"  # MAN01: SSCC-18 of the package
CARRIER_PACKAGE_ID = "CP"  # MAN01: carrier-assigned package id (the tracking number)
TRACKING_REFS = ("2I", "CN")  # N901: tracking number, carrier's reference (PRO)
HUB_ORDER_REF = "OQ"  # N901: order number (our 940 sends the hub order id there when W05-02 cannot hold it)
LOCATION_CODES = ("SF", "WH")


def map_945(ts: TransactionSet, partner: PartnerProfile, settings: MapSettings | None = None) -> Shipment:
    """The shipment a 945 reports. order_external_id is the hub order id our 940 sent: N9*OQ when the 3PL
    echoes it, else W06-02 (the depositor order number: the hub id, or the PO number when the id was too
    long for it), else W06-06 (the purchase order number); node is the ship-from/warehouse N1 mapped by
    `overrides.locations`, else the partner's name."""
    r = SetReader(ts, partner, settings)
    w06 = r.require("W06", "missing_w06", "warehouse shipment identification")
    header, loops, _summary = split_loops(ts.body, "LX", end=("W03",))
    order_id = _reference(header, (HUB_ORDER_REF,)) or w06.get(2).strip() or w06.get(6).strip()
    if not order_id:
        raise r.error(
            "missing_order", "neither depositor order number (W06-02) nor PO number (W06-06)", w06, 2, element_code="1"
        )
    shipment_id = w06.get(4).strip()
    shipped_at = _shipped_at(r, header, w06)
    carrier, service = _carrier(header)
    header_tracking = _reference(header, TRACKING_REFS)
    items: list[tuple[Segment, list[Segment], list[Segment]]] = []
    for loop in loops:
        package = loop[: _first_index(loop, "W12")]
        for w12_loop in split_loops(loop, "W12")[1]:
            items.append((w12_loop[0], w12_loop, package))
    if not items:
        raise r.missing_segment("no_items", "W12", "the shipping advice names no item shipped (W12)")
    numbers = line_numbers([_line_ref(loop) or package[0].get(1) for _w12, loop, package in items], unique=False)
    lines: list[ShipmentLine] = []
    parcels: dict[str, Parcel] = {}
    for line_no, (w12, _loop, package) in zip(numbers, items, strict=True):
        shipped = r.decimal(w12, 3, code="bad_quantity", what="number of units shipped (W12-03)")
        assert shipped is not None
        if shipped < 0:
            raise r.error("bad_quantity", "number of units shipped (W12-03) is negative", w12, 3)
        if shipped == 0:
            continue
        sku = r.sku(w12, product_ids(w12, 7, 8) | product_ids(w12, 17, 18), 7)
        quantity, _uom, _factor = r.convert(shipped, w12.get(5).strip() or None)
        parcel_id = _parcel(package, carrier, service, parcels)
        lines.append(r.build(ShipmentLine, w12, line_no=line_no, sku=sku, quantity=quantity, parcel_id=parcel_id))
    if not lines:
        raise r.error("nothing_shipped", "every item reports 0 units shipped", w06)
    if not parcels and header_tracking and carrier:
        parcels[header_tracking] = Parcel(
            parcel_id=None, tracking=Tracking(carrier=carrier, number=header_tracking, service=service)
        )
    return r.build(
        Shipment,
        w06,
        tenant=r.settings.tenant,
        source=partner.name,
        external_id=shipment_id or order_id,
        order_external_id=order_id,
        node=node_for(partner, party_loops(header), LOCATION_CODES),
        shipped_at=shipped_at,
        lines=lines,
        parcels=list(parcels.values()),
    )


def _first_index(loop: list[Segment], tag: str) -> int:
    return next((i for i, s in enumerate(loop) if s.tag == tag), len(loop))


def _line_ref(loop: list[Segment]) -> str:
    """The order line a W12 loop ships: its N9*LI (line item identifier), when given."""
    return next((s.get(2).strip() for s in loop if s.tag == "N9" and s.get(1).strip() == "LI"), "")


def _shipped_at(r: SetReader, header: list[Segment], w06: Segment) -> datetime | None:
    g62 = next((s for s in header if s.tag == "G62" and s.get(1).strip() == SHIPPED_ON), None)
    if g62 is not None:
        return r.moment(g62, 2, time_index=4, code="bad_date", what="shipped date (G62-02)")
    return r.moment(w06, 3, code="missing_ship_date", what="shipment date (W06-03)")


def _carrier(header: list[Segment]) -> tuple[str | None, str | None]:
    """SCAC (W27-02) and routing (W27-03) of the carrier."""
    w27 = next((s for s in header if s.tag == "W27"), None)
    if w27 is None:
        return None, None
    return w27.get(2).strip() or None, w27.get(3).strip() or None


def _reference(segments: list[Segment], qualifiers: tuple[str, ...]) -> str | None:
    refs = {s.get(1).strip(): s.get(2).strip() for s in segments if s.tag == "N9" and s.get(2).strip()}
    return next((refs[q] for q in qualifiers if q in refs), None)


def _parcel(package: list[Segment], carrier: str | None, service: str | None, parcels: dict[str, Parcel]) -> str | None:
    """The parcel an LX loop describes (MAN*GM SSCC, MAN*CP or N9*2I tracking), registered once; its id."""
    marks = {s.get(1).strip(): s.get(2).strip() for s in package if s.tag == "MAN" and s.get(2).strip()}
    number = marks.get(CARRIER_PACKAGE_ID) or _reference(package, ("2I",))
    parcel_id = marks.get(SSCC) or number
    if parcel_id is None:
        return None
    if parcel_id not in parcels:
        tracking = Tracking(carrier=carrier or "unknown", number=number, service=service) if number else None
        parcels[parcel_id] = Parcel(parcel_id=parcel_id, tracking=tracking)
    return parcel_id
