"""The product catalogue: weights, dimensions and attributes (hazmat, fragile, ...) per SKU, imported from files."""

from __future__ import annotations

from hub.catalog.files import read_products, read_products_csv, read_products_yaml
from hub.catalog.rows import ProductFileError, ProductRow, parse_attribute
from hub.catalog.store import get_product, import_products, list_products, upsert_products

__all__ = [
    "ProductFileError",
    "ProductRow",
    "get_product",
    "import_products",
    "list_products",
    "parse_attribute",
    "read_products",
    "read_products_csv",
    "read_products_yaml",
    "upsert_products",
]
