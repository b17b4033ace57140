"""What the outbound documents share: reading the message body, the order's EDI echo, units back to the
partner's, X12 dates and numbers, and N1 party rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from hub.errors import Location, MappingError
from hub.partners.profile import PartnerProfile

Row = list[str]
DEFAULT_SKU_QUALIFIER = "VP"


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


def edi_of(order: Mapping[str, Any] | None) -> dict[str, Any]:
    """The `attributes.edi` the X12 inbound side stored on an order (empty when the order came otherwise)."""
    if not isinstance(order, Mapping):
        return {}
    attributes = order.get("attributes") or {}
    edi = attributes.get("edi") if isinstance(attributes, Mapping) else None
    return dict(edi) if isinstance(edi, Mapping) else {}


def line_echo(edi: Mapping[str, Any], line_no: Any) -> dict[str, Any]:
    """What the partner sent for one order line (assigned id, ids, uom, price), {} when unknown."""
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
    """An X12 numeric (R) value: plain digits, no exponent, no trailing zeros after the point."""
    dec = value if isinstance(value, Decimal) else Decimal(str(value))
    text = format(dec.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def implied(value: Decimal, places: int = 2) -> str:
    """An X12 Nn value (implied decimals): 1234.5 with N2 -> "123450"."""
    scaled = (value * (Decimal(10) ** places)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return str(int(scaled))


def x12_date(moment: datetime) -> str:
    return moment.strftime("%Y%m%d")


def x12_time(moment: datetime) -> str:
    return moment.strftime("%H%M")


def product_pairs(sku: str, ids: Mapping[str, str] | None, qualifier: str, *, limit: int = 10) -> Row:
    """Qualifier/id pairs for a line: the hub SKU under `qualifier` first, then the partner's other ids."""
    pairs: Row = [qualifier, sku]
    for q, v in (ids or {}).items():
        if q != qualifier and v and len(pairs) < limit * 2:
            pairs += [q, v]
    return pairs


def sku_qualifier(partner: PartnerProfile) -> str:
    return partner.sku_qualifier or DEFAULT_SKU_QUALIFIER


def party_rows(code: str, party: Mapping[str, Any], *, contact: str = "PER") -> list[Row]:
    """N1 (+N3, N4, and a contact) rows for a party dict: the EDI echo ({name, qualifier, id, street, city,
    ...}) or a hub Address JSON ({name, line1, line2, city, region, postal_code, country_code, phone, email}).
    `contact` is the contact segment the set's N1 loop has: PER, or G61 in the warehouse sets."""
    name = str(party.get("name") or "")
    n1 = ["N1", code, name]
    if party.get("qualifier") and party.get("id"):
        n1 += [str(party["qualifier"]), str(party["id"])]
    rows: list[Row] = [n1]
    street = list(party.get("street") or [party.get(k) for k in ("line1", "line2") if party.get(k)])
    if street:
        rows.append(["N3", *[str(s) for s in street[:2]]])
    city = party.get("city")
    if city:
        rows.append(
            [
                "N4",
                str(city),
                str(party.get("region") or ""),
                str(party.get("postal_code") or ""),
                str(party.get("country") or party.get("country_code") or ""),
            ]
        )
    numbers = [x for q, k in (("TE", "phone"), ("EM", "email")) if party.get(k) for x in (q, str(party[k]))]
    if numbers:
        rows.append([contact, "IC", name, *numbers[: 2 if contact == "G61" else 4]])
    return rows


def fits(value: str, limit: int) -> bool:
    return 0 < len(value) <= limit


def trim(rows: Sequence[Row]) -> list[Row]:
    """Rows without trailing empty elements (X12 drops them: `N4*CITY*ST**` is written `N4*CITY*ST`)."""
    out: list[Row] = []
    for row in rows:
        cut = len(row)
        while cut > 1 and row[cut - 1] == "":
            cut -= 1
        out.append([str(v) for v in row[:cut]])
    return out
