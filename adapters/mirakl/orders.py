"""One OR11 order (JSON) to canonical documents: the Order while SHIPPING, cancellations of lines or the whole order.

Written in Python rather than as a mappings/ file: which documents come out depends on the order state and
on each line's state and cancellations (an Order, a Cancellation of a line, an OrderChange for a partly
cancelled line, or nothing), SKUs go through the connection's SKU map, and addresses carry ISO alpha-3
countries; the mapping language maps one record to one document and has none of these. The golden cases in
fixtures/mirakl (`<case>.json` -> `<case>.expected.json`) pin the output instead.

Money stays exact: the JSON is read with Decimal numbers. Mirakl's amounts follow the platform's order tax
mode (`order_tax_mode`, TAX_INCLUDED or TAX_EXCLUDED): unit prices are kept as Mirakl gives them, the mode,
taxes, shipping and promotions are kept per line and per order in `attributes`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from adapters.mirakl.states import LINE_NOT_ACCEPTED, Handling, handling
from hub.channels import SkuMap
from hub.channels.values import exact_decimal, utc_timestamp
from hub.errors import DecodeError, HubError, Location, MappingError, RecordError, ValidationFailed
from hub.geo.countries import alpha2
from hub.model import Cancellation, LineChange, Order, OrderChange
from hub.model.money import decimal_str

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def read_order(body: bytes, name: str) -> dict[str, Any]:
    """The OR11 order object in a raw message, or DecodeError naming the message."""
    try:
        data = json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DecodeError(f"{name}: not a JSON Mirakl order: {exc}", location=Location(file=name)) from None
    if not isinstance(data, dict):
        raise DecodeError(f"{name}: expected one Mirakl order object", location=Location(file=name))
    return data


def parse_time(value: Any, *, field: str, name: str) -> datetime:
    """A Mirakl date-time (ISO 8601, `Z` or offset) as an aware UTC datetime; MappingError when unreadable."""
    try:
        return utc_timestamp(value)
    except ValueError as exc:
        raise MappingError(f"{name}: {field} {value!r} {exc}", location=_at(name, field)) from None


def revision_of(updated: datetime) -> int:
    """The document revision for a last-updated time: whole seconds since 1970 (fits the store's integer)."""
    return int((updated - EPOCH).total_seconds())


def _at(name: str, field: str | None) -> Location:
    return Location(file=name, field=field)


def _required(data: Mapping[str, Any], key: str, name: str, prefix: str = "") -> Any:
    value = data.get(key)
    if value is None or value == "":
        raise MappingError(f"{name}: {prefix}{key} is missing", location=_at(name, prefix + key))
    return value


def _decimal(value: Any, *, field: str, name: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise MappingError(f"{name}: {field} is missing or not a number", location=_at(name, field))
    try:
        return exact_decimal(value)
    except ValueError as exc:
        raise MappingError(f"{name}: {field} {value!r} {exc}", location=_at(name, field)) from None


def _amount(value: Any) -> str | None:
    try:
        return None if value is None else decimal_str(Decimal(str(value)))
    except InvalidOperation:
        return None


def _taxes(items: Any) -> list[dict[str, Any]]:
    return [
        {"code": t.get("code"), "rate": _amount(t.get("rate")), "amount": _amount(t.get("amount"))}
        for t in items or []
        if isinstance(t, Mapping)
    ]


def _sum(values: list[str | None]) -> str:
    return decimal_str(sum((Decimal(v) for v in values if v is not None), Decimal(0)))


class OrderMapper:
    """Maps OR11 orders for one connection (its channel, tenant and SKU map)."""

    def __init__(self, *, channel: str, tenant: str, sku_map: SkuMap) -> None:
        self.channel = channel
        self.tenant = tenant
        self.sku_map = sku_map

    def documents(self, data: Mapping[str, Any], name: str) -> tuple[list[Any], list[HubError]]:
        """The canonical documents of one order, and problems that did not stop it (an unknown state)."""
        order_id = str(_required(data, "order_id", name))
        state = str(_required(data, "order_state", name))
        updated = parse_time(_required(data, "last_updated_date", name), field="last_updated_date", name=name)
        how = handling(state)
        if how is None:
            problem = RecordError(
                f"{name}: order {order_id} is in state {state!r}, which this adapter does not know; nothing done",
                code="mirakl_unknown_state",
                location=_at(name, "order_state"),
            )
            return [], [problem]
        if how in (Handling.WAIT, Handling.ACCEPT, Handling.IGNORE):
            return [], []
        if how is Handling.CANCELLED:
            if not data.get("customer_debited_date"):
                return [], []  # cancelled before it was paid: it never reached SHIPPING, the hub never had it
            return [self._whole_cancellation(data, order_id, updated)], []
        docs: list[Any] = []
        if how is Handling.ORDER:
            docs.append(self.order(data, name, order_id=order_id, updated=updated))
        docs += self._line_cancellations(data, name, order_id, updated)
        return docs, []

    # -- the order ------------------------------------------------------------------------------------------
    def order(self, data: Mapping[str, Any], name: str, *, order_id: str, updated: datetime) -> Order:
        raw_lines = data.get("order_lines")
        if not isinstance(raw_lines, list) or not raw_lines:
            raise MappingError(f"{name}: order {order_id} has no order_lines", location=_at(name, "order_lines"))
        lines, echoes = [], {}
        for index, line in enumerate(raw_lines):
            if not isinstance(line, Mapping):
                raise MappingError(
                    f"{name}: order_lines[{index}] is not an object", location=_at(name, f"order_lines[{index}]")
                )
            if str(line.get("order_line_state") or "") in LINE_NOT_ACCEPTED:
                continue
            canonical, echo = self._line(line, index, name)
            lines.append(canonical)
            echoes[str(canonical["line_no"])] = echo
        customer = data.get("customer") if isinstance(data.get("customer"), Mapping) else {}
        mapped = {
            "tenant": self.tenant,
            "source": self.channel,
            "external_id": order_id,
            "revision": revision_of(updated),
            "currency": _required(data, "currency_iso_code", name),
            "placed_at": data.get("created_date"),
            "ship_to": self._address(customer, name),
            "customer": self._customer(customer),
            "lines": lines,
            "attributes": {"mirakl": self._echo(data, echoes), "totals": self._totals(data)},
        }
        try:
            return Order.model_validate(mapped)
        except ValidationError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValidationFailed(
                f"{name}: order {order_id}: {where}: {first['msg']}", location=_at(name, where or None)
            ) from None

    def _line(self, line: Mapping[str, Any], index: int, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        prefix = f"order_lines[{index}]."
        sku = str(_required(line, "offer_sku", name, prefix))
        hub_sku = self.sku_map.to_hub(sku, field=prefix + "offer_sku")
        line_no = line.get("order_line_index")
        if not isinstance(line_no, int) or isinstance(line_no, bool) or line_no < 1:
            line_no = index + 1
        canonical = {
            "line_no": line_no,
            "sku": hub_sku,
            "quantity": _decimal(line.get("quantity"), field=prefix + "quantity", name=name),
            "unit_price": _decimal(line.get("price_unit"), field=prefix + "price_unit", name=name),
            "description": line.get("product_title"),
        }
        promotions = [p for p in line.get("promotions") or [] if isinstance(p, Mapping)]
        echo = {
            "order_line_id": str(_required(line, "order_line_id", name, prefix)),
            "offer_sku": sku,
            "offer_id": line.get("offer_id"),
            "product_sku": line.get("product_sku"),
            "price": _amount(line.get("price")),
            "shipping_price": _amount(line.get("shipping_price")),
            "total_price": _amount(line.get("total_price")),
            "commission_fee": _amount(line.get("commission_fee")),
            "taxes": _taxes(line.get("taxes")),
            "shipping_taxes": _taxes(line.get("shipping_taxes")),
            "discounts": [
                {"id": p.get("id"), "amount": _amount(p.get("deduced_amount")), "promo_code": p.get("promo_code")}
                for p in promotions
            ],
        }
        return canonical, echo

    def _address(self, customer: Mapping[str, Any], name: str) -> dict[str, Any]:
        address = customer.get("shipping_address")
        if not isinstance(address, Mapping):
            raise MappingError(
                f"{name}: customer.shipping_address is missing", location=_at(name, "customer.shipping_address")
            )
        raw_country = address.get("country_iso_code") or address.get("country")
        country = alpha2(str(raw_country or ""))
        if country is None:
            field = "customer.shipping_address.country_iso_code"
            raise MappingError(f"{name}: {field} {raw_country!r} is not an ISO 3166 country", location=_at(name, field))
        person = " ".join(str(p) for p in (address.get("firstname"), address.get("lastname")) if p)
        street2 = [str(p) for p in (address.get("street_2"), address.get("additional_info")) if p]
        return {
            "name": person or address.get("company") or "(no name)",
            "country_code": country,
            "postal_code": address.get("zip_code"),
            "city": address.get("city"),
            "line1": address.get("street_1"),
            "line2": ", ".join(street2) or None,
            "region": address.get("state"),
            "phone": address.get("phone") or address.get("phone_secondary"),
        }

    @staticmethod
    def _customer(customer: Mapping[str, Any]) -> dict[str, Any] | None:
        person = " ".join(str(p) for p in (customer.get("firstname"), customer.get("lastname")) if p)
        if not person and not customer.get("customer_id"):
            return None
        return {"name": person or str(customer.get("customer_id")), "id": customer.get("customer_id")}

    @staticmethod
    def _echo(data: Mapping[str, Any], lines: dict[str, Any]) -> dict[str, Any]:
        return {
            "order_id": data.get("order_id"),
            "commercial_id": data.get("commercial_id"),
            "state": data.get("order_state"),
            "order_tax_mode": data.get("order_tax_mode"),
            "payment_workflow": data.get("payment_workflow"),
            "shipping_type_code": data.get("shipping_type_code"),
            "shipping_zone_code": data.get("shipping_zone_code"),
            "shipping_deadline": data.get("shipping_deadline"),
            "last_updated_date": data.get("last_updated_date"),
            "lines": lines,
        }

    @staticmethod
    def _totals(data: Mapping[str, Any]) -> dict[str, Any]:
        lines = [line for line in data.get("order_lines") or [] if isinstance(line, Mapping)]
        taxes = [_amount(t.get("amount")) for line in lines for t in line.get("taxes") or [] if isinstance(t, Mapping)]
        shipping_taxes = [
            _amount(t.get("amount"))
            for line in lines
            for t in line.get("shipping_taxes") or []
            if isinstance(t, Mapping)
        ]
        promotions = data.get("promotions") if isinstance(data.get("promotions"), Mapping) else {}
        return {
            "price": _amount(data.get("price")),
            "shipping_price": _amount(data.get("shipping_price")),
            "total_price": _amount(data.get("total_price")),
            "total_commission": _amount(data.get("total_commission")),
            "taxes": _sum(taxes),
            "shipping_taxes": _sum(shipping_taxes),
            "discounts": _amount(promotions.get("total_deduced_amount")) or "0",
        }

    # -- cancellations ----------------------------------------------------------------------------------------
    def _whole_cancellation(self, data: Mapping[str, Any], order_id: str, updated: datetime) -> Cancellation:
        reason = data.get("order_state_reason_label") or data.get("order_state_reason_code") or "cancelled in Mirakl"
        return Cancellation(
            tenant=self.tenant,
            source=self.channel,
            external_id=f"{order_id}:canceled",
            order_external_id=order_id,
            reason=str(reason),
            requested_at=updated,
        )

    def _line_cancellations(
        self, data: Mapping[str, Any], name: str, order_id: str, updated: datetime
    ) -> list[Cancellation | OrderChange]:
        """A Cancellation per line Mirakl cancelled whole; an OrderChange (new quantity) per partial cancellation."""
        out: list[Cancellation | OrderChange] = []
        for index, line in enumerate(data.get("order_lines") or []):
            if not isinstance(line, Mapping) or str(line.get("order_line_state") or "") in LINE_NOT_ACCEPTED:
                continue
            cancelations = [c for c in line.get("cancelations") or [] if isinstance(c, Mapping)]
            if not cancelations and line.get("order_line_state") != "CANCELED":
                continue
            line_no = line.get("order_line_index")
            if not isinstance(line_no, int) or isinstance(line_no, bool) or line_no < 1:
                line_no = index + 1
            line_id = str(line.get("order_line_id") or line_no)
            reasons = sorted({str(c.get("reason_code")) for c in cancelations if c.get("reason_code")})
            reason = f"Mirakl cancellation ({', '.join(reasons)})" if reasons else "cancelled in Mirakl"
            when = max(
                (
                    parse_time(c["created_date"], field="cancelations.created_date", name=name)
                    for c in cancelations
                    if c.get("created_date")
                ),
                default=updated,
            )
            if line.get("order_line_state") == "CANCELED":
                out.append(
                    Cancellation(
                        tenant=self.tenant,
                        source=self.channel,
                        external_id=f"{order_id}:line:{line_id}:canceled",
                        order_external_id=order_id,
                        reason=reason,
                        line_nos=[line_no],
                        requested_at=when,
                    )
                )
                continue
            ordered = _decimal(line.get("quantity"), field=f"order_lines[{index}].quantity", name=name)
            cancelled = sum((Decimal(str(c.get("quantity") or 0)) for c in cancelations), Decimal(0))
            if cancelled <= 0:
                continue
            if cancelled >= ordered:
                raise MappingError(
                    f"{name}: order_lines[{index}] has {cancelled} cancelled of {ordered} but is not CANCELED",
                    location=_at(name, f"order_lines[{index}].cancelations"),
                )
            ids = ",".join(sorted(str(c.get("id")) for c in cancelations))
            out.append(
                OrderChange(
                    tenant=self.tenant,
                    source=self.channel,
                    external_id=f"{order_id}:line:{line_id}:cancelations:{ids}",
                    order_external_id=order_id,
                    reason=reason,
                    changes=[LineChange(action="change", line_no=line_no, quantity=ordered - cancelled)],
                    requested_at=when,
                )
            )
        return out
