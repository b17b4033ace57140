"""The products table: upsert rows, import a file in one transaction, read the catalogue back for the faces."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from hub.catalog.files import read_products
from hub.catalog.rows import MEASURES, ProductRow
from hub.model.ids import utcnow
from hub.model.money import decimal_str
from hub.store.sql import upsert
from hub.store.tables import products

_UPDATED = ("description", *MEASURES, "attributes", "updated_at")


def upsert_products(conn: Connection, tenant: str, rows: Iterable[ProductRow]) -> int:
    """Insert or replace each SKU (description, measures and the whole attribute map); returns the count."""
    now = utcnow()
    values = [
        {
            "tenant": tenant,
            "sku": row.sku,
            "description": row.description,
            **{m: getattr(row, m) for m in MEASURES},
            "attributes": dict(row.attributes),
            "updated_at": now,
        }
        for row in rows
    ]
    if values:
        conn.execute(upsert(conn, products, ["tenant", "sku"], dict.fromkeys(_UPDATED)), values)
    return len(values)


def import_products(engine: Engine, tenant: str, path: Path) -> list[ProductRow]:
    """Check the whole file, then write every row in one transaction: all rows or none."""
    rows = read_products(path)
    with engine.begin() as conn:
        upsert_products(conn, tenant, rows)
    return rows


def _dec(value: Any) -> str | None:
    return None if value is None else decimal_str(Decimal(value))


def _shown(r: Any) -> dict[str, Any]:
    return {
        "sku": r.sku,
        "description": r.description,
        **{m: _dec(getattr(r, m)) for m in MEASURES},
        "attributes": dict(r.attributes or {}),
        "updated_at": r.updated_at.isoformat() if r.updated_at else None,
    }


def list_products(conn: Connection, tenant: str) -> list[dict[str, Any]]:
    """Every SKU of the tenant, by SKU, with measures as exact text."""
    rows = conn.execute(select(products).where(products.c.tenant == tenant).order_by(products.c.sku))
    return [_shown(r) for r in rows]


def get_product(conn: Connection, tenant: str, sku: str) -> dict[str, Any] | None:
    """One SKU in the shape of `list_products`, or None."""
    row = conn.execute(select(products).where(products.c.tenant == tenant, products.c.sku == sku)).first()
    return None if row is None else _shown(row)
