"""856 ship notice for kind "shipment": shipment (S) > order (O) > pack (P, one per parcel) > item (I) levels,
with the carrier, tracking numbers and the partner's PO line ids and units."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from adapters.x12.config import X12Config
from adapters.x12.outbound.building import Row, party_rows, product_pairs, sku_qualifier, trim, x12_date, x12_time
from hub.edi.bodies import BodyReader
from hub.edi.echo import edi_of, line_echo, order_line, to_partner_units
from hub.edi.numbers import number
from hub.partners.profile import PartnerProfile

SET_ID = "856"
FUNCTIONAL_ID = "SH"
STRUCTURE = "0001"  # BSN05: shipment, order, packaging, item


def rows(body: Mapping[str, Any], partner: PartnerProfile, config: X12Config) -> list[Row]:
    b = BodyReader(body, "shipment")
    order = b.require("order")
    shipment = b.require("shipment")
    edi = edi_of(order)
    shipped_at = b.moment("shipment.shipped_at")
    out: list[Row] = [
        ["BSN", "00", str(b.require("shipment.external_id")), x12_date(shipped_at), x12_time(shipped_at), STRUCTURE]
    ]
    parcels = [p for p in shipment.get("parcels") or [] if isinstance(p, Mapping)]
    carrier = next((p["tracking"].get("carrier") for p in parcels if p.get("tracking")), None)
    service = next((p["tracking"].get("service") for p in parcels if p.get("tracking")), None)
    hl = _Levels()
    out.append(hl.open("S", None))
    weights = [Decimal(str(p["weight_kg"])) for p in parcels if p.get("weight_kg") is not None]
    if parcels:
        td1: Row = ["TD1", "CTN", str(len(parcels))]
        if weights and len(weights) == len(parcels):
            td1 += ["", "", "", "G", number(sum(weights, Decimal(0))), "KG"]
        out.append(td1)
    if carrier:
        out.append(["TD5", "B", "2", str(carrier), "", str(service or "")])
    out.append(["DTM", "011", x12_date(shipped_at), x12_time(shipped_at)])
    ship_to = (edi.get("parties") or {}).get("ST") or order.get("ship_to")
    if ship_to:
        out += party_rows("ST", ship_to)
    if shipment.get("node"):
        out.append(["N1", "SF", str(shipment["node"])])
    order_level = hl.open("O", "S")
    out.append(order_level)
    po_number = str(edi.get("po_number") or b.require("order.external_id"))
    out.append(["PRF", po_number, "", "", str(edi.get("po_date") or "")])
    lines = b.require("shipment.lines")
    by_parcel: dict[str | None, list[tuple[int, Mapping[str, Any]]]] = {}
    for index, line in enumerate(lines):
        if not isinstance(line, Mapping):
            raise b.fail(f"shipment.lines.{index}", "is not an object")
        by_parcel.setdefault(line.get("parcel_id"), []).append((index, line))
    known = {p.get("parcel_id") for p in parcels}
    for parcel in parcels:
        items = by_parcel.get(parcel.get("parcel_id"), []) if parcel.get("parcel_id") is not None else []
        if not items:
            continue
        out.append(hl.open("P", "O"))
        out.append(_marks(parcel))
        for index, line in items:
            out += _item(b, partner, order, edi, hl.open("I", "P"), index, line)
    loose = [
        item for parcel_id, items in by_parcel.items() if parcel_id is None or parcel_id not in known for item in items
    ]
    for index, line in loose:
        out += _item(b, partner, order, edi, hl.open("I", "O"), index, line)
    out.append(["CTT", str(hl.count)])
    return trim(out)


class _Levels:
    """Numbers HL levels and remembers the last id of each level code (the parent of the next)."""

    def __init__(self) -> None:
        self.count = 0
        self.last: dict[str, str] = {}

    def open(self, code: str, parent: str | None) -> Row:
        self.count += 1
        self.last[code] = str(self.count)
        return ["HL", str(self.count), self.last.get(parent, "") if parent else "", code]


def _marks(parcel: Mapping[str, Any]) -> Row:
    """MAN for a pack: CP with the carrier's tracking number, else GM with an SSCC-18, else ZZ with our id."""
    tracking = parcel.get("tracking") or {}
    parcel_id = str(parcel.get("parcel_id") or "")
    if tracking.get("number"):
        return ["MAN", "CP", str(tracking["number"])]
    if parcel_id.isdecimal() and len(parcel_id) in (18, 20):
        return ["MAN", "GM", parcel_id]
    return ["MAN", "ZZ", parcel_id or "1"]


def _item(
    b: BodyReader,
    partner: PartnerProfile,
    order: Mapping[str, Any],
    edi: Mapping[str, Any],
    level: Row,
    index: int,
    line: Mapping[str, Any],
) -> list[Row]:
    path = f"shipment.lines.{index}"
    line_no = line.get("line_no")
    if line_no is None:
        raise b.fail(f"{path}.line_no", "is missing")
    echo = line_echo(edi, line_no)
    placed = order_line(order, line_no)
    sku = str(line.get("sku") or placed.get("sku") or "")
    if not sku:
        raise b.fail(f"{path}.sku", "is missing")
    quantity = b.decimal(f"{path}.quantity", line.get("quantity"))
    qty, uom, _factor = to_partner_units(partner, quantity, echo, placed.get("uom"))
    assigned = str(echo.get("assigned_id") or line_no)
    return [
        level,
        ["LIN", assigned, *product_pairs(sku, echo.get("ids"), sku_qualifier(partner))],
        ["SN1", assigned, number(qty), uom],
    ]
