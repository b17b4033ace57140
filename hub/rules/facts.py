"""What a rule condition can read: the expression schema, and the order, line and node facts built for it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.allocation.profiles import NodeProfile, ProductInfo
from hub.model.order import Order
from hub.rules.expr import Schema

PRODUCT_FIELDS: dict[str, Any] = {
    "sku": "string",
    "weight_kg": "decimal",
    "hazmat": "bool",
    "fragile": "bool",
    "oversize": "bool",
    "flags": "map[bool]",
    "attributes": "map[string]",
}
LINE_FIELDS: dict[str, Any] = {
    "line_no": "int",
    "sku": "string",
    "quantity": "decimal",
    "unit_price": "decimal",
    "value": "decimal",
    "weight_kg": "decimal",
    "product": PRODUCT_FIELDS,
}
ORDER_FIELDS: dict[str, Any] = {
    "channel": "string",
    "external_id": "string",
    "revision": "int",
    "total": "decimal",
    "currency": "string",
    "placed_at": "datetime",
    "before_cutoff": "bool",
    "service_level": "string",
    "fraud_score": "int",
    "payment_status": "string",
    "address_verified": "bool",
    "tags": "list[string]",
    "attributes": "map[string]",
    "ship_to": {"country_code": "string", "postal_code": "string", "city": "string", "region": "string"},
    "line_count": "int",
    "units": "decimal",
    "weight_kg": "decimal",
    "lines": [LINE_FIELDS],
}
NODE_FIELDS: dict[str, Any] = {
    "code": "string",
    "priority": "int",
    "country": "string",
    "postal_code": "string",
    "distance_km": "decimal",
    "capacity_per_day": "int",
    "load_today": "int",
    "stock_age_minutes": "int",
    "flags": "map[bool]",
    "attributes": "map[string]",
}

ORDER_SCHEMA = Schema.from_dict({"order": ORDER_FIELDS})
"""For holds, priorities, routes and policies: conditions on the order alone."""
NODE_SCHEMA = Schema.from_dict({"order": ORDER_FIELDS, "node": NODE_FIELDS})
"""For order-scope exclusions: may this node ship this order?"""
LINE_SCHEMA = Schema.from_dict({"order": ORDER_FIELDS, "line": LINE_FIELDS, "node": NODE_FIELDS})
"""For line-scope exclusions: may this node ship this line?"""


def split_attributes(raw: Mapping[str, Any]) -> tuple[dict[str, bool], dict[str, str]]:
    """True/false attributes become flags; everything else becomes text (so both maps have one value type)."""
    flags: dict[str, bool] = {}
    text: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            flags[key] = value
        elif isinstance(value, str) and value.lower() in {"true", "false"}:
            flags[key] = value.lower() == "true"
        elif value is not None:
            text[key] = str(value)
    return flags, text


def product_facts(sku: str, product: ProductInfo | None) -> dict[str, Any]:
    raw = dict(product.attributes) if product else {}
    flags, text = split_attributes(raw)
    return {
        "sku": sku,
        "weight_kg": product.weight_kg if product else None,
        "hazmat": flags.get("hazmat", False),
        "fragile": flags.get("fragile", False),
        "oversize": flags.get("oversize", False),
        "flags": flags,
        "attributes": text,
    }


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def _bool_or_none(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false", "yes", "no"}:
        return value.lower() in {"true", "yes"}
    return None


@dataclass
class OrderFacts:
    """An order as the rules see it: the expression variables and the figures the planner uses."""

    order: Order
    variables: dict[str, Any]
    lines: list[dict[str, Any]]
    products: Mapping[str, ProductInfo] = field(default_factory=dict)

    @property
    def value(self) -> Decimal:
        return self.variables["order"]["total"]

    @property
    def service_level(self) -> str | None:
        return self.variables["order"]["service_level"]


def before_cutoff(placed_at: datetime | None, nodes: Iterable[NodeProfile]) -> bool | None:
    """Was the order placed before the cut-off of some node, in that node's own time zone? None: cannot tell."""
    if placed_at is None:
        return None
    known = False
    for node in nodes:
        if node.cutoff is None:
            continue
        known = True
        local = placed_at.astimezone(_zone(node.timezone)) if node.timezone else placed_at
        if local.time() < node.cutoff:
            return True
    return False if known else None


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo | timezone:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def order_facts(
    order: Order,
    products: Mapping[str, ProductInfo],
    *,
    default_service_level: str | None = None,
    nodes: Iterable[NodeProfile] = (),
) -> OrderFacts:
    """The variables `order` (with its lines and their products) for rule conditions."""
    attrs = dict(order.attributes)
    lines: list[dict[str, Any]] = []
    units = Decimal(0)
    weight: Decimal | None = Decimal(0)
    for line in order.lines:
        product = products.get(line.sku)
        unit_weight = product.weight_kg if product else None
        line_weight = unit_weight * line.quantity if unit_weight is not None else None
        if weight is not None:
            weight = weight + line_weight if line_weight is not None else None
        units += line.quantity
        lines.append(
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "value": line.unit_price * line.quantity,
                "weight_kg": line_weight,
                "product": product_facts(line.sku, product),
            }
        )
    tags = attrs.get("tags")
    _, text = split_attributes({k: v for k, v in attrs.items() if not isinstance(v, (list, dict))})
    ship_to = order.ship_to
    facts = {
        "channel": order.source,
        "external_id": order.external_id,
        "revision": order.revision,
        "total": order.total.amount,
        "currency": order.currency,
        "placed_at": order.placed_at,
        "before_cutoff": before_cutoff(order.placed_at, nodes),
        "service_level": str(attrs.get("service_level") or default_service_level or "") or None,
        "fraud_score": _int_or_none(attrs.get("fraud_score")),
        "payment_status": str(attrs["payment_status"]) if attrs.get("payment_status") is not None else None,
        "address_verified": _bool_or_none(attrs.get("address_verified")),
        "tags": [str(t) for t in tags] if isinstance(tags, list) else [],
        "attributes": text,
        "ship_to": {
            "country_code": ship_to.country_code,
            "postal_code": ship_to.postal_code,
            "city": ship_to.city,
            "region": ship_to.region,
        },
        "line_count": len(lines),
        "units": units,
        "weight_kg": weight,
        "lines": lines,
    }
    return OrderFacts(order, {"order": facts}, lines, products)


def node_facts(
    node: NodeProfile, *, distance_km: Decimal | None, load_today: int, stock_age_minutes: int | None
) -> dict[str, Any]:
    flags, text = split_attributes(node.attributes)
    return {
        "code": node.code,
        "priority": node.priority,
        "country": node.country,
        "postal_code": node.postal_code,
        "distance_km": distance_km,
        "capacity_per_day": node.capacity_per_day,
        "load_today": load_today,
        "stock_age_minutes": stock_age_minutes,
        "flags": flags,
        "attributes": text,
    }
