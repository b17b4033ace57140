"""The order's EDI echo for outbound documents: what the partner sent per order and line, and its units."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hub.partners.profile import PartnerProfile


def edi_of(order: Mapping[str, Any] | None) -> dict[str, Any]:
    """The `attributes.edi` the inbound side stored on an order (empty when the order came otherwise)."""
    if not isinstance(order, Mapping):
        return {}
    attributes = order.get("attributes") or {}
    edi = attributes.get("edi") if isinstance(attributes, Mapping) else None
    return dict(edi) if isinstance(edi, Mapping) else {}


def line_echo(edi: Mapping[str, Any], line_no: Any) -> dict[str, Any]:
    """What the partner sent for one order line (its line id, item ids, unit, price), {} when unknown."""
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
