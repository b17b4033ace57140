"""What the rules know of nodes and products: profiles read from the store, one query each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from hub.store.tables import node_load, nodes, products


@dataclass(frozen=True)
class NodeProfile:
    """A fulfilment node as allocation sees it: where it is, how it works, how fresh its stock is."""

    code: str
    priority: int = 100
    name: str | None = None
    connection: str | None = None
    enabled: bool = True
    country: str | None = None
    postal_code: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    timezone: str | None = None
    cutoff: time | None = None
    capacity_per_day: int | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    stock_as_of: datetime | None = None


@dataclass(frozen=True)
class ProductInfo:
    """What allocation and carrier choice need of a SKU: weight, size and attributes (hazmat, fragile...)."""

    sku: str
    weight_kg: Decimal | None = None
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    description: str | None = None


def _time(text: str | None) -> time | None:
    if not text:
        return None
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def load_node_profiles(conn: Connection, tenant: str, *, enabled_only: bool = True) -> list[NodeProfile]:
    """Every node of the tenant (by default only enabled ones), in priority order."""
    t = nodes.c
    stmt = select(nodes).where(t.tenant == tenant).order_by(t.priority, t.code)
    if enabled_only:
        stmt = stmt.where(t.enabled == 1)
    return [
        NodeProfile(
            code=r.code,
            priority=r.priority,
            name=r.name,
            connection=r.connection,
            enabled=bool(r.enabled),
            country=r.country,
            postal_code=r.postal_code,
            latitude=_dec(r.latitude),
            longitude=_dec(r.longitude),
            timezone=r.timezone,
            cutoff=_time(r.cutoff),
            capacity_per_day=r.capacity_per_day,
            attributes=dict(r.attributes or {}),
            stock_as_of=r.stock_as_of,
        )
        for r in conn.execute(stmt)
    ]


def load_products(conn: Connection, tenant: str, skus: Iterable[str]) -> dict[str, ProductInfo]:
    """The profiles of `skus` that the catalogue knows (unknown SKUs are simply absent)."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    rows = conn.execute(select(products).where(products.c.tenant == tenant, products.c.sku.in_(wanted)))
    return {
        r.sku: ProductInfo(
            sku=r.sku,
            weight_kg=_dec(r.weight_kg),
            length_cm=_dec(r.length_cm),
            width_cm=_dec(r.width_cm),
            height_cm=_dec(r.height_cm),
            attributes=dict(r.attributes or {}),
            description=r.description,
        )
        for r in rows
    }


def load_node_load(conn: Connection, tenant: str, day: date) -> dict[str, int]:
    """Orders allocated to each node on `day` (for capacity rules)."""
    t = node_load.c
    rows = conn.execute(select(t.node, t.orders).where(t.tenant == tenant, t.day == day))
    return {r.node: int(r.orders) for r in rows}
