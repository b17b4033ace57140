"""What the outbound EDIFACT messages share: reading the message body, the order's EDI echo, units back to
the partner's, DTM dates, numbers, item ids (LIN/PIA) and NAD party rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.errors import Location, MappingError
from hub.partners.profile import PartnerProfile

Row = list[Any]
DEFAULT_ITEM_TYPE = "SA"  # LIN 7143 for the hub SKU when the profile names no sku_qualifier: supplier's article


class BodyReader:
    """One outbound message body: required fields raise MappingError naming the field (kind.path)."""

    def __init__(self, body: Mapping[str, Any], kind: str) -> None:
        self.body = body
        self.kind = kind

    def fail(self, path: str, message: str) -> MappingError:
        return MappingError(f"{self.kind} message: {path}: {message}", code="bad_body", location=Location(field=path))

    def get(self, path: str, default: Any = None) -> Any:
        """A dotted path into the body ("order.ship_to.name"); `default` when any part is absent."""
        value: Any = self.body
        for part in path.split("."):
            if not isinstance(value, Mapping) or part not in value or value[part] is None:
                return default
            value = value[part]
        return value

    def require(self, path: str) -> Any:
        value = self.get(path)
        if value is None or value == "" or value == []:
            raise self.fail(path, "is missing")
        return value

    def decimal(self, path: str, value: Any = None) -> Decimal:
        raw = self.require(path) if value is None else value
        try:
            number = Decimal(str(raw))
        except InvalidOperation:
            raise self.fail(path, f"{raw!r} is not a number") from None
        if not number.is_finite():
            raise self.fail(path, f"{raw!r} is not a number")
        return number

    def moment(self, path: str, value: Any = None) -> datetime:
        raw = self.require(path) if value is None else value
        if isinstance(raw, datetime):
            return raw
        try:
            return datetime.fromisoformat(str(raw))
        except ValueError:
            raise self.fail(path, f"{raw!r} is not an ISO 8601 date-time") from None

    def lines(self, path: str) -> list[tuple[str, Mapping[str, Any]]]:
        """The list at `path` as (its path, line object) pairs; each must be an object with a line_no."""
        out: list[tuple[str, Mapping[str, Any]]] = []
        for index, line in enumerate(self.require(path)):
            where = f"{path}.{index}"
            if not isinstance(line, Mapping):
                raise self.fail(where, "is not an object")
            if line.get("line_no") is None:
                raise self.fail(f"{where}.line_no", "is missing")
            out.append((where, line))
        return out


def edi_of(order: Mapping[str, Any] | None) -> dict[str, Any]:
    """The `attributes.edi` the inbound side stored on an order (empty when the order came otherwise)."""
    if not isinstance(order, Mapping):
        return {}
    attributes = order.get("attributes") or {}
    edi = attributes.get("edi") if isinstance(attributes, Mapping) else None
    return dict(edi) if isinstance(edi, Mapping) else {}


def line_echo(edi: Mapping[str, Any], line_no: Any) -> dict[str, Any]:
    """What the partner sent for one order line (LIN number, ids, unit, price), {} when unknown."""
    lines = edi.get("lines") or {}
    echo = lines.get(str(line_no)) if isinstance(lines, Mapping) else None
    return dict(echo) if isinstance(echo, Mapping) else {}


def order_line(order: Mapping[str, Any], line_no: Any) -> dict[str, Any]:
    """The order line with `line_no` from an order's JSON, {} when absent."""
    for line in order.get("lines") or []:
        if isinstance(line, Mapping) and str(line.get("line_no")) == str(line_no):
            return dict(line)
    return {}


def to_partner_units(
    partner: PartnerProfile, quantity: Decimal, echo: Mapping[str, Any], hub_uom: str | None
) -> tuple[Decimal, str, Decimal]:
    """A hub quantity in the unit the partner ordered in (echo uom, via the profile's unit table), that unit,
    and the factor (partner unit = factor hub units; 1 when not converted)."""
    uom = str(echo.get("uom") or hub_uom or "EA").upper()
    conversion = partner.units.get(uom)
    if conversion is None or (hub_uom and conversion.uom.upper() != hub_uom.upper()):
        return quantity, uom, Decimal(1)
    return quantity / conversion.factor, uom, Decimal(conversion.factor)


def number(value: Decimal | int | str) -> str:
    """A numeric value: plain digits, no exponent, no trailing zeros (the writer keeps "." unless told)."""
    dec = value if isinstance(value, Decimal) else Decimal(str(value))
    text = format(dec.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


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
