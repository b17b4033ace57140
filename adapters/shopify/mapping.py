"""Shopify orders in both shapes (REST webhook bodies, GraphQL Admin API nodes) to the canonical Order.

Python, not a mappings/ file: the two shapes must land on one Order (webhook and poll of the same
order are one order), which needs shape-specific readers for nested money sets (`price` vs
`originalUnitPriceSet.shopMoney.amount`), global ids (`gid://shopify/Order/1` vs `1`), enum case
(`CUSTOMER` vs `customer`), summed discount allocations and a revision computed from `updated_at`;
the mapping language reads one shape per file and has no date arithmetic. Both readers produce
the same plain `ShopOrder`, and one function builds the Order from it; tests pin both shapes
(tests/test_shopify_mapping.py, fixtures/shopify/).

Revision: seconds from 2000-01-01T00:00Z to `updated_at`, so a later update always has a higher
revision and a late older one is stale. A cancelled order's Order document carries revision 0
(it never replaces anything) and the cancellation travels as a Cancellation document (revision =
its updated_at) that the pipeline applies to the stored order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from hub.channels import SkuMap
from hub.channels.values import exact_decimal, utc_timestamp
from hub.errors import HubError, Location, MappingError, ValidationFailed
from hub.model import Order
from hub.model.documents import Cancellation
from hub.model.money import Money

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class ShopLine:
    id: str
    sku: str | None
    quantity: Decimal
    price: Decimal
    name: str | None
    variant_id: str | None
    discount: Decimal
    taxes: list[dict[str, str]]


@dataclass
class ShopOrder:
    """An order as both shapes carry it, before the hub's model."""

    id: str
    name: str | None
    currency: str
    created_at: datetime | None
    updated_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None
    email: str | None
    financial_status: str | None
    taxes_included: bool
    ship_to: dict[str, Any] | None
    billing: dict[str, Any] | None
    customer: dict[str, Any] | None
    lines: list[ShopLine]
    taxes: list[dict[str, str]]
    total_tax: Decimal
    total_discounts: Decimal
    discount_codes: list[str]
    shipping: list[dict[str, str]] = field(default_factory=list)


def numeric_id(value: Any) -> str | None:
    """`gid://shopify/Order/123` or 123 -> '123'."""
    if value is None or value == "":
        return None
    text = str(value)
    return text.rsplit("/", 1)[-1] if text.startswith("gid://") else text


def dec(value: Any, where: str) -> Decimal:
    """An amount or quantity (0 when absent); MappingError naming `where` when it is no finite number."""
    if value is None or value == "":
        return Decimal(0)
    try:
        return exact_decimal(value)
    except ValueError as exc:
        raise MappingError(f"{where}: {str(value)[:40]!r} {exc}", location=Location(field=where)) from None


def when(value: Any, where: str, *, required: bool = False) -> datetime | None:
    """A timestamp in UTC (None when absent, unless `required`); MappingError naming `where` when unreadable."""
    if not value:
        if required:
            raise MappingError(f"order has no {where}", location=Location(field=where))
        return None
    try:
        return utc_timestamp(value)
    except ValueError as exc:
        raise MappingError(f"{where}: {str(value)[:40]!r} {exc}", location=Location(field=where)) from None


def _obj(value: Any, where: str) -> dict[str, Any]:
    """`value` as a JSON object ({} when absent); anything else is a MappingError naming where it was."""
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise MappingError(f"{where}: expected an object, got {type(value).__name__}", location=Location(field=where))
    return value


def _objs(value: Any, where: str) -> list[dict[str, Any]]:
    """`value` as a list of JSON objects ([] when absent), each checked like `_obj`."""
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise MappingError(f"{where}: expected a list, got {type(value).__name__}", location=Location(field=where))
    return [_obj(item, f"{where}[{i}]") for i, item in enumerate(value)]


def _money(obj: Any, where: str) -> Any:
    """shopMoney.amount of a MoneyBag (GraphQL `...Set`)."""
    return _obj(_obj(obj, where).get("shopMoney"), f"{where}.shopMoney").get("amount")


def _nodes(conn: Any, where: str) -> list[dict[str, Any]]:
    """The items of a GraphQL connection: `nodes`, `edges[].node`, or a plain list."""
    if isinstance(conn, list):
        return _objs(conn, where)
    conn = _obj(conn, where)
    if "nodes" in conn:
        return _objs(conn["nodes"], f"{where}.nodes")
    return [_obj(e.get("node"), f"{where}.edges[{i}].node") for i, e in enumerate(_objs(conn.get("edges"), where))]


def _lower(value: Any) -> str | None:
    return str(value).lower() if value else None


def _tax(title: Any, rate: Any, amount: Any, where: str) -> dict[str, str]:
    return {"title": str(title or ""), "rate": str(dec(rate, where)), "amount": str(dec(amount, where))}


def from_rest(data: dict[str, Any]) -> ShopOrder:
    """The REST / webhook shape (orders/create, orders/updated, orders/cancelled bodies)."""
    lines = []
    for i, item in enumerate(_objs(data.get("line_items"), "line_items")):
        where = f"line_items[{i}]"
        allocations = _objs(item.get("discount_allocations"), f"{where}.discount_allocations")
        discount = (
            sum((dec(a.get("amount"), where) for a in allocations), Decimal(0))
            if allocations
            else dec(item.get("total_discount"), where)
        )
        lines.append(
            ShopLine(
                id=numeric_id(item.get("id")) or str(i + 1),
                sku=item.get("sku"),
                quantity=dec(item.get("quantity"), f"{where}.quantity"),
                price=dec(item.get("price"), f"{where}.price"),
                name=item.get("name") or item.get("title"),
                variant_id=numeric_id(item.get("variant_id")),
                discount=discount,
                taxes=[
                    _tax(t.get("title"), t.get("rate"), t.get("price"), where)
                    for t in _objs(item.get("tax_lines"), f"{where}.tax_lines")
                ],
            )
        )
    customer = _obj(data.get("customer"), "customer") or None
    return ShopOrder(
        id=numeric_id(data.get("id")) or "",
        name=data.get("name"),
        currency=str(data.get("currency") or ""),
        created_at=when(data.get("created_at"), "created_at"),
        updated_at=when(data.get("updated_at"), "updated_at", required=True),  # type: ignore[arg-type]
        cancelled_at=when(data.get("cancelled_at"), "cancelled_at"),
        cancel_reason=_lower(data.get("cancel_reason")),
        email=data.get("email") or data.get("contact_email"),
        financial_status=_lower(data.get("financial_status")),
        taxes_included=bool(data.get("taxes_included")),
        ship_to=_rest_address(_obj(data.get("shipping_address"), "shipping_address")),
        billing=_rest_address(_obj(data.get("billing_address"), "billing_address")),
        customer=(
            {
                "id": numeric_id(customer.get("id")),
                "first": customer.get("first_name"),
                "last": customer.get("last_name"),
                "email": customer.get("email"),
            }
            if customer
            else None
        ),
        lines=lines,
        taxes=[
            _tax(t.get("title"), t.get("rate"), t.get("price"), "tax_lines")
            for t in _objs(data.get("tax_lines"), "tax_lines")
        ],
        total_tax=dec(data.get("total_tax"), "total_tax"),
        total_discounts=dec(data.get("total_discounts"), "total_discounts"),
        discount_codes=[
            str(c.get("code")) for c in _objs(data.get("discount_codes"), "discount_codes") if c.get("code")
        ],
        shipping=[
            {
                "title": str(s.get("title") or ""),
                "code": str(s.get("code") or ""),
                "amount": str(dec(s.get("price"), "shipping_lines")),
            }
            for s in _objs(data.get("shipping_lines"), "shipping_lines")
        ],
    )


def _rest_address(a: dict[str, Any]) -> dict[str, Any] | None:
    if not a:
        return None
    return {
        "first": a.get("first_name"),
        "last": a.get("last_name"),
        "name": a.get("name"),
        "company": a.get("company"),
        "line1": a.get("address1"),
        "line2": a.get("address2"),
        "city": a.get("city"),
        "region": a.get("province_code") or a.get("province"),
        "postal_code": a.get("zip"),
        "country_code": a.get("country_code"),
        "phone": a.get("phone"),
    }


def _gql_address(a: dict[str, Any]) -> dict[str, Any] | None:
    if not a:
        return None
    return {
        "first": a.get("firstName"),
        "last": a.get("lastName"),
        "name": a.get("name"),
        "company": a.get("company"),
        "line1": a.get("address1"),
        "line2": a.get("address2"),
        "city": a.get("city"),
        "region": a.get("provinceCode") or a.get("province"),
        "postal_code": a.get("zip"),
        "country_code": a.get("countryCodeV2") or a.get("countryCode"),
        "phone": a.get("phone"),
    }


def from_graphql(node: dict[str, Any]) -> ShopOrder:
    """The GraphQL Admin API `Order` node the poller reads (see adapters/shopify/queries.py)."""
    items = node.get("lineItems") or {}
    if isinstance(items, dict) and _obj(items.get("pageInfo"), "lineItems.pageInfo").get("hasNextPage"):
        raise MappingError("order has more line items than one page (250) holds", location=Location(field="lineItems"))
    lines = []
    for i, item in enumerate(_nodes(items, "lineItems")):
        where = f"lineItems[{i}]"
        lines.append(
            ShopLine(
                id=numeric_id(item.get("id")) or str(i + 1),
                sku=item.get("sku"),
                quantity=dec(item.get("quantity"), f"{where}.quantity"),
                price=dec(
                    _money(item.get("originalUnitPriceSet"), f"{where}.originalUnitPriceSet"),
                    f"{where}.originalUnitPriceSet",
                ),
                name=item.get("name") or item.get("title"),
                variant_id=numeric_id(_obj(item.get("variant"), f"{where}.variant").get("id")),
                discount=sum(
                    (
                        dec(_money(a.get("allocatedAmountSet"), where), where)
                        for a in _objs(item.get("discountAllocations"), f"{where}.discountAllocations")
                    ),
                    Decimal(0),
                ),
                taxes=[
                    _tax(t.get("title"), t.get("rate"), _money(t.get("priceSet"), f"{where}.taxLines"), where)
                    for t in _objs(item.get("taxLines"), f"{where}.taxLines")
                ],
            )
        )
    customer = _obj(node.get("customer"), "customer") or None
    return ShopOrder(
        id=numeric_id(node.get("id")) or "",
        name=node.get("name"),
        currency=str(node.get("currencyCode") or ""),
        created_at=when(node.get("createdAt"), "createdAt"),
        updated_at=when(node.get("updatedAt"), "updatedAt", required=True),  # type: ignore[arg-type]
        cancelled_at=when(node.get("cancelledAt"), "cancelledAt"),
        cancel_reason=_lower(node.get("cancelReason")),
        email=node.get("email"),
        financial_status=_lower(node.get("displayFinancialStatus")),
        taxes_included=bool(node.get("taxesIncluded")),
        ship_to=_gql_address(_obj(node.get("shippingAddress"), "shippingAddress")),
        billing=_gql_address(_obj(node.get("billingAddress"), "billingAddress")),
        customer=(
            {
                "id": numeric_id(customer.get("id")),
                "first": customer.get("firstName"),
                "last": customer.get("lastName"),
                "email": customer.get("email"),
            }
            if customer
            else None
        ),
        lines=lines,
        taxes=[
            _tax(t.get("title"), t.get("rate"), _money(t.get("priceSet"), "taxLines"), "taxLines")
            for t in _objs(node.get("taxLines"), "taxLines")
        ],
        total_tax=dec(_money(node.get("totalTaxSet"), "totalTaxSet"), "totalTaxSet"),
        total_discounts=dec(_money(node.get("totalDiscountsSet"), "totalDiscountsSet"), "totalDiscountsSet"),
        discount_codes=[str(c) for c in node.get("discountCodes") or [] if c],
        shipping=[
            {
                "title": str(s.get("title") or ""),
                "code": str(s.get("code") or ""),
                "amount": str(dec(_money(s.get("originalPriceSet"), "shippingLines"), "shippingLines")),
            }
            for s in _nodes(node.get("shippingLines"), "shippingLines")
        ],
    )


def revision_of(updated_at: datetime) -> int:
    """Whole seconds from 2000-01-01T00:00Z: higher for every later update (fits a 32-bit column until 2068)."""
    return max(0, int((updated_at - EPOCH).total_seconds()))


def _address_name(a: dict[str, Any], fallback: str | None) -> str:
    name = a.get("name") or " ".join(p for p in (a.get("first"), a.get("last")) if p).strip()
    return name or a.get("company") or fallback or "(no name)"


def to_documents(shop: ShopOrder, *, channel: str, tenant: str, skus: SkuMap) -> list[Any]:
    """The canonical Order (and Cancellation when the order is cancelled) of one Shopify order."""
    if not shop.id:
        raise MappingError("order has no id", location=Location(field="id"))
    if not shop.lines:
        raise MappingError(f"order {shop.id} has no line items", location=Location(field="line_items"))
    currency = shop.currency

    def amount(value: Decimal) -> str:
        try:
            return str(Money(amount=value, currency=currency).quantized().amount)
        except ValidationError:
            raise MappingError(
                f"order {shop.id}: {currency!r} is not a currency", location=Location(field="currency")
            ) from None

    customer_name = None
    if shop.customer:
        parts = [p for p in (shop.customer.get("first"), shop.customer.get("last")) if p]
        customer_name = " ".join(parts) or shop.customer.get("email")
    address = shop.ship_to or shop.billing
    if not address or not address.get("country_code"):
        raise MappingError(
            f"order {shop.id} has no shipping (or billing) address with a country", location=Location(field="ship_to")
        )
    lines = []
    line_refs = []
    for i, line in enumerate(shop.lines):
        if not line.sku:
            raise MappingError(
                f"order {shop.id}: line item {line.id} has no SKU",
                code="missing_sku",
                location=Location(field=f"lines[{i}].sku"),
            )
        lines.append(
            {
                "line_no": i + 1,
                "sku": skus.to_hub(line.sku, field=f"lines[{i}].sku"),
                "quantity": line.quantity,
                "unit_price": line.price,
                "description": line.name,
            }
        )
        line_refs.append(
            {
                "line_no": i + 1,
                "line_item_id": line.id,
                "variant_id": line.variant_id,
                "channel_sku": line.sku,
                "discount": amount(line.discount),
                "taxes": [t | {"amount": amount(Decimal(t["amount"]))} for t in line.taxes],
            }
        )
    attributes = {
        "shopify": {
            "order_id": shop.id,
            "name": shop.name,
            "updated_at": shop.updated_at.isoformat(),
            "financial_status": shop.financial_status,
            "taxes_included": shop.taxes_included,
            "total_tax": amount(shop.total_tax),
            "tax_lines": [t | {"amount": amount(Decimal(t["amount"]))} for t in shop.taxes],
            "total_discounts": amount(shop.total_discounts),
            "discount_codes": shop.discount_codes,
            "shipping_lines": [s | {"amount": amount(Decimal(s["amount"]))} for s in shop.shipping],
            "lines": line_refs,
        }
    }
    revision = revision_of(shop.updated_at)
    data = {
        "tenant": tenant,
        "source": channel,
        "external_id": shop.id,
        "revision": 0 if shop.cancelled_at else revision,
        "currency": currency,
        "placed_at": shop.created_at,
        "ship_to": {
            "name": _address_name(address, customer_name),
            "country_code": address["country_code"],
            "postal_code": address.get("postal_code") or None,
            "city": address.get("city") or None,
            "line1": address.get("line1") or None,
            "line2": address.get("line2") or None,
            "region": address.get("region") or None,
            "phone": address.get("phone") or None,
            "email": shop.email or None,
        },
        "customer": (
            {"name": customer_name, "id": shop.customer.get("id")} if shop.customer and customer_name else None
        ),
        "lines": lines,
        "attributes": attributes,
    }
    try:
        order = Order.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValidationFailed(f"order {shop.id}: {where}: {first['msg']}", location=Location(field=where)) from None
    docs: list[Any] = [order]
    if shop.cancelled_at:
        docs.append(
            Cancellation(
                tenant=tenant,
                source=channel,
                external_id=f"{shop.id}:cancel",
                revision=revision,
                order_external_id=shop.id,
                reason=f"cancelled in Shopify ({shop.cancel_reason or 'no reason given'})",
                requested_at=shop.cancelled_at,
            )
        )
    return docs


def located(exc: HubError, name: str) -> HubError:
    """The error with the message name (delivery id or file) added to its location."""
    loc = exc.location
    exc.location = Location(
        file=loc.file or name, segment=loc.segment, position=loc.position, line=loc.line, field=loc.field
    )
    return exc
