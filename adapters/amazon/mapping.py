"""Orders API 2026-01-01 order JSON -> canonical Order or Cancellation (or nothing yet), with Decimal money.

Python, not a mapping file: the document kind depends on the order's status (a pending order is no order
yet, a cancelled one is a Cancellation), the money comes from breakdown arrays selected by `type` and summed
across items, the revision is the update time as epoch seconds, channel SKUs go through the SkuMap (UnknownSku),
and a line's unit price falls back to its ITEM proceeds divided by the quantity (the line total, as
`ItemPrice` is in Orders v0). The mapping language has no filter-by-value, sum, division or SKU table.
Golden cases: fixtures/amazon/golden/<case>.in.json -> <case>.expected.json (tests/test_amazon_mapping.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ValidationError

from hub.channels import SkuMap
from hub.channels.values import exact_decimal, utc_timestamp
from hub.errors import Location, MappingError, ValidationFailed
from hub.model import Order
from hub.model.documents import Cancellation
from hub.model.money import currency_code
from hub.model.order import OrderLine
from hub.model.party import Address, Party

CAPTURED = frozenset({"UNSHIPPED"})
"""Statuses that become (or amend) a hub order: ready to ship, nothing shipped yet."""
WAITING = frozenset({"PENDING", "PENDING_AVAILABILITY"})
"""Not an order yet: no payment, no address, no prices. Captured when Amazon moves it to UNSHIPPED."""
CANCELLED = "CANCELLED"
CHARGE_TYPES = ("ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "TAX", "DISCOUNT", "DELIVERY_TIP", "OTHER")


def _bad(message: str, field: str) -> MappingError:
    return MappingError(message, location=Location(field=field))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _obj(value: Any, field: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _bad(f"{field} is not an object", field)
    return value


def parse_time(value: Any, field: str) -> datetime:
    text = _text(value)
    if text is None:
        raise _bad(f"{field} is missing", field)
    try:
        return utc_timestamp(text)
    except ValueError as exc:
        raise _bad(f"{field} {text!r} {exc}", field) from None


def revision_of(order: Mapping[str, Any]) -> int:
    """Epoch seconds of `lastUpdatedTime`: a later update always has a higher revision."""
    return int(parse_time(order.get("lastUpdatedTime"), "lastUpdatedTime").timestamp())


def money(value: Any, field: str, currency: str | None = None) -> Decimal | None:
    """The amount of an SP-API Money ({amount: "12.34", currencyCode}); None when absent."""
    if value is None:
        return None
    data = _obj(value, field)
    raw = data.get("amount")
    try:
        if isinstance(raw, float):  # SP-API sends amounts as strings; a float has already lost its exactness
            raise ValueError("is not a decimal amount")
        amount = exact_decimal(raw)
    except ValueError:
        raise _bad(f"{field}.amount {raw!r} is not a decimal amount", f"{field}.amount") from None
    code = _text(data.get("currencyCode"))
    if currency is not None and code is not None and code.upper() != currency:
        raise _bad(f"{field} is in {code}, the order in {currency}", f"{field}.currencyCode")
    return amount


def _breakdowns(proceeds: Mapping[str, Any], field: str, currency: str) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    items = proceeds.get("breakdowns") or []
    if not isinstance(items, list):
        raise _bad(f"{field}.breakdowns is not a list", f"{field}.breakdowns")
    for i, part in enumerate(items):
        part = _obj(part, f"{field}.breakdowns[{i}]")
        kind = (_text(part.get("type")) or "OTHER").upper()
        amount = money(part.get("subtotal"), f"{field}.breakdowns[{i}].subtotal", currency)
        if amount is not None:
            sums[kind] = sums.get(kind, Decimal(0)) + amount
    return sums


def _currency(order: Mapping[str, Any]) -> str:
    found = _text(
        _obj(_obj(order.get("proceeds"), "proceeds").get("grandTotal"), "proceeds.grandTotal").get("currencyCode")
    )
    if found is None:
        for item in order.get("orderItems") or []:
            price = _obj(_obj(_obj(item, "orderItems[]").get("product"), "product").get("price"), "price")
            found = _text(_obj(price.get("unitPrice"), "unitPrice").get("currencyCode"))
            if found:
                break
    if found is None:
        raise _bad("the order names no currency (no proceeds and no unit prices: is it still pending?)", "proceeds")
    try:
        return currency_code(found)
    except ValueError:
        raise _bad(f"currency {found!r} is not an ISO 4217 code", "proceeds.grandTotal.currencyCode") from None


def ship_to(order: Mapping[str, Any], buyer: Mapping[str, Any]) -> Address:
    address = _obj(_obj(order.get("recipient"), "recipient").get("deliveryAddress"), "recipient.deliveryAddress")
    if not address:
        raise _bad(
            "the order has no delivery address (the application lacks the Direct-to-Consumer Delivery role, "
            "or the order is not shippable yet)",
            "recipient.deliveryAddress",
        )
    country = _text(address.get("countryCode"))
    if country is None:
        raise _bad("the delivery address has no countryCode", "recipient.deliveryAddress.countryCode")
    extra = ", ".join(t for t in (_text(address.get("addressLine2")), _text(address.get("addressLine3"))) if t)
    try:
        return Address(
            name=_text(address.get("name")) or _text(address.get("companyName")) or "Amazon customer",
            country_code=country,
            postal_code=_text(address.get("postalCode")),
            city=_text(address.get("city")) or _text(address.get("municipality")),
            line1=_text(address.get("addressLine1")),
            line2=extra or None,
            region=_text(address.get("stateOrRegion")),
            phone=_text(address.get("phone")),
            email=_text(buyer.get("buyerEmail")),
        )
    except ValidationError as exc:
        msg = exc.errors(include_input=False)[0]["msg"]
        raise _bad(f"delivery address: {msg}", "recipient.deliveryAddress") from None


def order_from(order: Mapping[str, Any], *, source: str, tenant: str, skus: SkuMap) -> Order:
    """The canonical order of an Orders API 2026-01-01 order, whatever its status."""
    order_id = _text(order.get("orderId"))
    if order_id is None:
        raise _bad("the order has no orderId", "orderId")
    currency = _currency(order)
    buyer = _obj(order.get("buyer"), "buyer")
    items = order.get("orderItems")
    if not isinstance(items, list) or not items:
        raise _bad(f"order {order_id} has no orderItems", "orderItems")
    lines: list[OrderLine] = []
    line_charges: list[dict[str, Any]] = []
    amazon_items: list[dict[str, Any]] = []
    item_sums: dict[str, Decimal] = {}
    for i, raw in enumerate(items):
        where = f"orderItems[{i}]"
        item = _obj(raw, where)
        product = _obj(item.get("product"), f"{where}.product")
        channel_sku = _text(product.get("sellerSku"))
        if channel_sku is None:
            raise _bad(f"{where} has no product.sellerSku", f"{where}.product.sellerSku")
        quantity = item.get("quantityOrdered")
        if isinstance(quantity, bool) or not isinstance(quantity, int | Decimal | str):
            raise _bad(f"{where}.quantityOrdered {quantity!r} is not a whole number", f"{where}.quantityOrdered")
        try:
            qty = Decimal(str(quantity))
        except InvalidOperation:
            raise _bad(f"{where}.quantityOrdered {quantity!r} is not a number", f"{where}.quantityOrdered") from None
        proceeds = _obj(item.get("proceeds"), f"{where}.proceeds")
        charges = _breakdowns(proceeds, f"{where}.proceeds", currency)
        for kind, amount in charges.items():
            item_sums[kind] = item_sums.get(kind, Decimal(0)) + amount
        item_id = _text(item.get("orderItemId"))
        amazon_items.append(
            {"line_no": i + 1, "order_item_id": item_id, "asin": _text(product.get("asin")), "seller_sku": channel_sku}
        )
        if qty <= 0:  # a line Amazon cancelled before shipping: nothing to allocate
            continue
        sku = skus.to_hub(channel_sku, field=f"{where}.product.sellerSku")
        unit = money(
            _obj(product.get("price"), f"{where}.product.price").get("unitPrice"), f"{where}.unitPrice", currency
        )
        if unit is None:
            line_total = charges.get("ITEM")
            if line_total is None:
                raise _bad(f"{where} has neither a unit price nor ITEM proceeds", f"{where}.product.price.unitPrice")
            unit = line_total / qty
        lines.append(
            OrderLine(line_no=i + 1, sku=sku, quantity=qty, unit_price=unit, description=_text(product.get("title")))
        )
        total = _obj(proceeds.get("proceedsTotal"), f"{where}.proceeds.proceedsTotal")
        line_charges.append(
            {"line_no": i + 1}
            | {k.lower(): str(v) for k, v in sorted(charges.items())}
            | ({"total": str(money(total, f"{where}.proceeds.proceedsTotal", currency))} if total else {})
        )
    if not lines:
        raise _bad(f"order {order_id} has no line with a quantity to ship", "orderItems")
    order_proceeds = _obj(order.get("proceeds"), "proceeds")
    totals = _breakdowns(order_proceeds, "proceeds", currency) or item_sums
    grand = money(order_proceeds.get("grandTotal"), "proceeds.grandTotal", currency)
    fulfillment = _obj(order.get("fulfillment"), "fulfillment")
    channel = _obj(order.get("salesChannel"), "salesChannel")
    aliases = [a for a in order.get("orderAliases") or [] if isinstance(a, Mapping)]
    attributes: dict[str, Any] = {
        "amazon": {
            "order_id": order_id,
            "marketplace_id": _text(channel.get("marketplaceId")),
            "fulfillment_status": _text(fulfillment.get("fulfillmentStatus")),
            "fulfilled_by": _text(fulfillment.get("fulfilledBy")),
            "service_level": _text(fulfillment.get("fulfillmentServiceLevel")),
            "ship_by": _text(_obj(fulfillment.get("shipByWindow"), "shipByWindow").get("latestDateTime")),
            "deliver_by": _text(_obj(fulfillment.get("deliverByWindow"), "deliverByWindow").get("latestDateTime")),
            "programs": [str(p) for p in order.get("programs") or []],
            "seller_order_id": next(
                (_text(a.get("aliasId")) for a in aliases if a.get("aliasType") == "SELLER_ORDER_ID"), None
            ),
            "purchase_order_number": _text(buyer.get("buyerPurchaseOrderNumber")),
            "last_updated": _text(order.get("lastUpdatedTime")),
            "items": amazon_items,
        },
        "charges": {k.lower(): str(v) for k, v in sorted(totals.items())}
        | ({"grand_total": str(grand)} if grand is not None else {}),
        "line_charges": line_charges,
    }
    customer_name = _text(buyer.get("buyerName")) or _text(buyer.get("buyerCompanyName"))
    try:
        return Order(
            tenant=tenant,
            source=source,
            external_id=order_id,
            revision=revision_of(order),
            currency=currency,
            placed_at=parse_time(order.get("createdTime"), "createdTime"),
            ship_to=ship_to(order, buyer),
            customer=Party(name=customer_name) if customer_name else None,
            lines=lines,
            attributes=attributes,
        )
    except ValidationError as exc:
        err = exc.errors(include_input=False)[0]
        field = ".".join(str(p) for p in err.get("loc", ()))
        raise ValidationFailed(f"order {order_id}: {field}: {err['msg']}", location=Location(field=field)) from None


def cancellation_from(order: Mapping[str, Any], *, source: str, tenant: str) -> Cancellation:
    """The whole-order cancellation Amazon reports (buyer, seller or Amazon cancelled it before shipping)."""
    order_id = _text(order.get("orderId"))
    if order_id is None:
        raise _bad("the order has no orderId", "orderId")
    reasons = []
    for raw in order.get("orderItems") or []:
        cancel = _obj(_obj(raw, "orderItems[]").get("cancellation"), "cancellation")
        done = _obj(cancel.get("cancellationExecution"), "cancellationExecution")
        asked = _obj(cancel.get("cancellationRequest"), "cancellationRequest")
        reason = _text(done.get("cancelReason")) or _text(asked.get("cancelReason"))
        if reason and reason not in reasons:
            reasons.append(reason)
    return Cancellation(
        tenant=tenant,
        source=source,
        external_id=order_id,
        revision=1,  # one cancellation per order: later updates of a cancelled order are duplicates
        order_external_id=order_id,
        reason="; ".join(reasons) or "cancelled on Amazon",
        requested_at=parse_time(order.get("lastUpdatedTime"), "lastUpdatedTime"),
    )


def documents_for(order: Mapping[str, Any], *, source: str, tenant: str, skus: SkuMap) -> list[BaseModel]:
    """What one Amazon order means to the hub now: an Order, a Cancellation, or nothing (yet).

    - fulfilled by Amazon (FBA): nothing, Amazon ships it from its own stock;
    - PENDING / PENDING_AVAILABILITY: nothing yet (no address, no prices); its move to UNSHIPPED updates
      `lastUpdatedTime`, so the next poll sees it again and captures it then;
    - UNSHIPPED: the Order (a newer `lastUpdatedTime` is a newer revision);
    - CANCELLED: a Cancellation of the whole order;
    - PARTIALLY_SHIPPED / SHIPPED / UNFULFILLABLE: nothing; shipping progress is the hub's own shipments.
    """
    if not isinstance(order, Mapping):
        raise _bad("an order is not a JSON object", "orders[]")
    fulfillment = _obj(order.get("fulfillment"), "fulfillment")
    status = (_text(fulfillment.get("fulfillmentStatus")) or "").upper()
    if not status:
        raise _bad("the order has no fulfillment.fulfillmentStatus", "fulfillment.fulfillmentStatus")
    if (_text(fulfillment.get("fulfilledBy")) or "MERCHANT").upper() == "AMAZON":
        return []
    if status == CANCELLED:
        return [cancellation_from(order, source=source, tenant=tenant)]
    if status in CAPTURED:
        return [order_from(order, source=source, tenant=tenant, skus=skus)]
    return []
