"""DESADV despatch advice for kind "shipment": consignment (CPS 1) > one package per parcel (CPS/PAC, GIN+BJ
SSCC, RFF+CN tracking) > its lines (LIN, QTY+12), with the carrier (TDT) and the partner's order echo."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from adapters.edifact.config import EdifactConfig
from adapters.edifact.outbound.building import Row, dtm, dtm_raw, item_rows, parties
from hub.edi.bodies import BodyReader
from hub.edi.echo import edi_of, line_echo, order_line, to_partner_units
from hub.edi.numbers import number
from hub.partners.profile import PartnerProfile

MESSAGE_TYPE = "DESADV"
DOCUMENT = "351"  # BGM 1001: despatch advice
ORIGINAL = "9"
DESPATCHED = "12"  # QTY 6063
MAIN_CARRIAGE = "20"  # TDT 8051


def rows(body: Mapping[str, Any], partner: PartnerProfile, config: EdifactConfig, created_at: datetime) -> list[Row]:
    b = BodyReader(body, "shipment")
    order = b.require("order")
    shipment = b.require("shipment")
    edi = edi_of(order)
    shipped_at = b.moment("shipment.shipped_at")
    po_number = str(edi.get("po_number") or b.require("order.external_id"))
    out: list[Row] = [
        ["BGM", DOCUMENT, str(b.require("shipment.external_id"))[:35], ORIGINAL],
        dtm("137", created_at),
        dtm("11", shipped_at),
        ["RFF", ["ON", po_number]],
    ]
    if edi.get("po_date"):
        out.append(dtm_raw("171", str(edi["po_date"])))
    out += parties(edi, order)
    if shipment.get("node"):
        out.append(["NAD", "SF", [str(shipment["node"])[:35], "", "91"]])  # 91: assigned by the supplier (us)
    parcels = [p for p in shipment.get("parcels") or [] if isinstance(p, Mapping)]
    tracked = next((p["tracking"] for p in parcels if isinstance(p.get("tracking"), Mapping)), None)
    if tracked and tracked.get("carrier"):
        service = str(tracked.get("service") or "")
        out.append(
            ["TDT", MAIN_CARRIAGE, None, None, ["", service[:17]] if service else None, [str(tracked["carrier"])[:17]]]
        )
    by_parcel: dict[Any, list[tuple[str, Mapping[str, Any]]]] = {}
    for path, line in b.lines("shipment.lines"):
        by_parcel.setdefault(line.get("parcel_id"), []).append((path, line))
    out.append(["CPS", "1"])
    package = 1
    known = {p.get("parcel_id") for p in parcels}
    for parcel in parcels:
        items = by_parcel.get(parcel.get("parcel_id"), []) if parcel.get("parcel_id") is not None else []
        if not items:
            continue
        package += 1
        out += [["CPS", str(package), "1"], ["PAC", "1"], *_marks(parcel)]
        for path, line in items:
            out += _item(b, partner, order, edi, path, line)
    loose = [item for key, items in by_parcel.items() if key is None or key not in known for item in items]
    if loose:
        if package > 1:
            package += 1
            out += [["CPS", str(package), "1"]]
        for path, line in loose:
            out += _item(b, partner, order, edi, path, line)
    out.append(["CNT", ["2", str(sum(len(v) for v in by_parcel.values()))]])
    return out


def _marks(parcel: Mapping[str, Any]) -> list[Row]:
    """PCI (marked) with RFF+CN carrying the carrier's tracking number and GIN+BJ with an SSCC-18 id."""
    tracking = parcel.get("tracking") or {}
    parcel_id = str(parcel.get("parcel_id") or "")
    marks: list[Row] = []
    if tracking.get("number"):
        marks.append(["RFF", ["CN", str(tracking["number"])[:35]]])
    if parcel_id.isdecimal() and len(parcel_id) == 18:
        marks.append(["GIN", "BJ", parcel_id])
    elif parcel_id and not tracking.get("number"):
        marks.append(["RFF", ["AAT", parcel_id[:35]]])
    return [["PCI", "17"], *marks] if marks else []


def _item(
    b: BodyReader,
    partner: PartnerProfile,
    order: Mapping[str, Any],
    edi: Mapping[str, Any],
    path: str,
    line: Mapping[str, Any],
) -> list[Row]:
    line_no = line["line_no"]
    echo = line_echo(edi, line_no)
    placed = order_line(order, line_no)
    sku = str(line.get("sku") or placed.get("sku") or "")
    if not sku:
        raise b.fail(f"{path}.sku", "is missing")
    quantity = b.decimal(f"{path}.quantity", line.get("quantity"))
    qty, uom, _factor = to_partner_units(partner, quantity, echo, placed.get("uom"))
    out = item_rows(str(echo.get("line_id") or line_no), "", sku, echo, partner)
    out.append(["QTY", [DESPATCHED, number(qty), uom]])
    return out
