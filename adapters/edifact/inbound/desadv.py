"""DESADV despatch advice -> Shipment per order it answers (RFF+ON), packages (CPS/PAC/GIN) as parcels.

Lines are the LIN groups (QTY+12 despatched quantity); a LIN group's RFF+ON names its order, else the
header's RFF+ON does. Each CPS group whose GIN+BJ (SSCC) or RFF+CN / GIN+AW (carrier tracking) names it
is a parcel, and the lines under it are in that parcel. The carrier is TDT C040 (3127, else its name 3128).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from adapters.edifact.envelope import Message
from adapters.edifact.inbound.parties import node_for, party_groups
from adapters.edifact.inbound.reading import MapSettings, MessageReader
from adapters.edifact.inbound.values import item_ids, line_numbers
from adapters.edifact.syntax import Segment
from hub.model import Parcel, Shipment, ShipmentLine, Tracking
from hub.partners.profile import PartnerProfile

DESPATCHED = "12"  # QTY 6063: despatch quantity
DESPATCH_DATES = ("11", "137")  # DTM 2005: despatch date, else document date
SSCC = "BJ"  # GIN 7405: serial shipping container code
TRACKING_GIN = "AW"  # GIN 7405: shipping reference (a carrier's tracking number)
TRACKING_RFF = ("CN", "AAS")  # RFF 1153: carrier's reference number, transport document number
LOCATION_PARTIES = ("SF", "SU", "CZ")  # NAD 3035: ship from, supplier, consignor


@dataclass
class Package:
    """One CPS group: its marks and the line groups under it."""

    cps: Segment | None
    segments: list[Segment] = field(default_factory=list)
    lines: list[list[Segment]] = field(default_factory=list)

    def mark(self, tag: str, qualifier: str) -> str:
        for seg in self.segments:
            if seg.tag == tag and seg.get(1, 1).strip() == qualifier:
                value = seg.get(1, 2).strip() if tag == "RFF" else seg.get(2, 1).strip()
                if value:
                    return value
        return ""


def map_desadv(message: Message, partner: PartnerProfile, settings: MapSettings | None = None) -> list[Shipment]:
    """The shipments a DESADV reports: one per order referenced (external_id BGM 1004, suffixed ":<order>"
    when the despatch covers several orders)."""
    r = MessageReader(message, partner, settings)
    bgm = r.require("BGM", "missing_bgm", "beginning of message")
    number = r.text(bgm, 2, code="missing_despatch_number", what="despatch advice number (BGM 1004)")
    header, packages = _packages(message.body)
    shipped_at = _shipped_at(r, header)
    header_order = r.first("RFF", header, "ON")
    carrier, service = _carrier(header)
    header_tracking = next(
        (v for q in TRACKING_RFF if (s := r.first("RFF", header, q)) and (v := s.get(1, 2).strip())), None
    )
    node = node_for(partner, [k for p in party_groups(header) if p.code in LOCATION_PARTIES for k in (p.id, p.name)])
    by_order: dict[str, list[tuple[list[Segment], Package]]] = {}
    for package in packages:
        for group in package.lines:
            ref = r.first("RFF", group, "ON") or header_order
            if ref is None or not ref.get(1, 2).strip():
                raise r.missing_segment("missing_po", "RFF", "no order reference (RFF+ON) for a line", near=group[0])
            by_order.setdefault(ref.get(1, 2).strip(), []).append((group, package))
    if not by_order:
        raise r.missing_segment("no_items", "LIN", "the despatch advice has no line (LIN)")
    return [
        _shipment(
            r,
            groups,
            number if len(by_order) == 1 else f"{number}:{po}",
            po,
            shipped_at,
            node,
            carrier,
            service,
            header_tracking,
        )
        for po, groups in by_order.items()
    ]


def _packages(body: list[Segment]) -> tuple[list[Segment], list[Package]]:
    """(header segments before the first CPS or LIN, the packages in order: a LIN outside any CPS goes in a
    package without marks)."""
    header: list[Segment] = []
    packages: list[Package] = []
    current: Package | None = None
    line: list[Segment] | None = None
    for seg in body:
        if seg.tag == "CPS":
            current, line = Package(seg, [seg]), None
            packages.append(current)
        elif seg.tag == "LIN":
            if current is None:
                current = Package(None)
                packages.append(current)
            line = [seg]
            current.lines.append(line)
        elif seg.tag in ("UNS", "CNT"):
            line = None
        elif line is not None:
            line.append(seg)
        elif current is not None:
            current.segments.append(seg)
        else:
            header.append(seg)
    return header, packages


def _shipment(
    r: MessageReader,
    groups: list[tuple[list[Segment], Package]],
    external_id: str,
    po_number: str,
    shipped_at: datetime,
    node: str,
    carrier: str | None,
    service: str | None,
    header_tracking: str | None,
) -> Shipment:
    numbers = line_numbers([g[0].get(1) for g, _ in groups], unique=False)
    lines: list[ShipmentLine] = []
    parcels: dict[str, Parcel] = {}
    for line_no, (group, package) in zip(numbers, groups, strict=True):
        lin = group[0]
        qty = r.first("QTY", group, DESPATCHED)
        if qty is None:
            raise r.missing_segment("missing_quantity", "QTY", "a line has no despatched quantity (QTY+12)", near=lin)
        shipped = r.decimal(qty, 1, 2, code="bad_quantity", what="despatched quantity (QTY 6060)")
        assert shipped is not None
        if shipped <= 0:
            continue
        item_number, _kind, ids = item_ids(group)
        sku = r.sku(lin, item_number, ids)
        quantity, _uom, _factor = r.convert(shipped, qty.get(1, 3).strip() or None)
        parcel_id = _parcel(package, carrier, service, parcels)
        lines.append(r.build(ShipmentLine, lin, line_no=line_no, sku=sku, quantity=quantity, parcel_id=parcel_id))
    if not lines:
        raise r.error("nothing_shipped", f"order {po_number}: every line reports 0 despatched")
    if not parcels and header_tracking:
        parcels[header_tracking] = Parcel(
            tracking=Tracking(carrier=carrier or "unknown", number=header_tracking, service=service)
        )
    return r.build(
        Shipment,
        groups[0][0][0],
        tenant=r.settings.tenant,
        source=r.partner.name,
        external_id=external_id,
        order_external_id=po_number,
        node=node,
        shipped_at=shipped_at,
        lines=lines,
        parcels=list(parcels.values()),
    )


def _shipped_at(r: MessageReader, header: list[Segment]) -> datetime:
    for qualifier in DESPATCH_DATES:
        moment = r.dated(qualifier, header, what=f"despatch date (DTM+{qualifier})")
        if moment is not None:
            return moment
    return r.interchange_moment()


def _carrier(header: list[Segment]) -> tuple[str | None, str | None]:
    """TDT C040 carrier id (3127), else its name (3128); the service is TDT C228 means of transport (8179)."""
    tdt = next((s for s in header if s.tag == "TDT"), None)
    if tdt is None:
        return None, None
    carrier = tdt.get(5, 1).strip() or tdt.get(5, 4).strip() or None
    service = tdt.get(4, 2).strip() or tdt.get(4, 1).strip() or None
    return carrier, service


def _parcel(package: Package, carrier: str | None, service: str | None, parcels: dict[str, Parcel]) -> str | None:
    """The parcel a CPS group describes (GIN+BJ SSCC, GIN+AW or RFF+CN tracking), registered once; its id."""
    if package.cps is None:
        return None
    number = package.mark("GIN", TRACKING_GIN) or next((v for q in TRACKING_RFF if (v := package.mark("RFF", q))), "")
    sscc = package.mark("GIN", SSCC)
    parcel_id = sscc or number
    if not parcel_id:
        return None
    if parcel_id not in parcels:
        tracking = Tracking(carrier=carrier or "unknown", number=number, service=service) if number else None
        parcels[parcel_id] = Parcel(parcel_id=parcel_id, tracking=tracking)
    return parcel_id
