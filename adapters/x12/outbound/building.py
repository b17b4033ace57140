"""What the outbound X12 documents share beyond hub.edi (body reading, the order's EDI echo, units, numbers):
X12 dates and implied decimals, product id pairs, N1 party rows and trimmed rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from hub.partners.profile import PartnerProfile

Row = list[str]
DEFAULT_SKU_QUALIFIER = "VP"


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
