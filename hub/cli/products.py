"""`hub products import|list|show`: the catalogue of SKUs with weights, dimensions and attributes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from hub.catalog import get_product, import_products, list_products
from hub.store.db import read_only

from .common import fail, hub, out, print_json

app = typer.Typer(help="Products: import the catalogue, list it, show one SKU.", no_args_is_help=True)


def _attributes(attributes: dict[str, Any]) -> str:
    return ", ".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in sorted(attributes.items()))


def _size(p: dict[str, Any]) -> str:
    dims = [p["length_cm"], p["width_cm"], p["height_cm"]]
    return "x".join(d or "?" for d in dims) + " cm" if any(dims) else ""


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., metavar="FILE", exists=True, dir_okay=False, readable=True, help="A .csv or .yaml product file."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Insert or replace SKUs from a file (all rows or none; a bad row names its line and column)."""
    hub_ctx = hub(ctx)
    rows = import_products(hub_ctx.engine, hub_ctx.tenant, path)
    if as_json:
        print_json({"file": str(path), "products": len(rows), "skus": [r.sku for r in rows]})
        return
    out().print(f"imported {len(rows)} products from {escape(str(path))}")


@app.command("list")
def list_(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List the catalogue by SKU."""
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        rows = list_products(conn, hub_ctx.tenant)
    if as_json:
        print_json({"products": rows})
        return
    table = Table(title=f"Products ({len(rows)})", title_justify="left")
    for column in ("sku", "description", "kg", "size", "attributes"):
        table.add_column(column, justify="right" if column == "kg" else "left")
    for p in rows:
        table.add_row(
            escape(p["sku"]),
            escape(p["description"] or ""),
            p["weight_kg"] or "",
            _size(p),
            escape(_attributes(p["attributes"])),
        )
    out().print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    sku: str = typer.Argument(..., metavar="SKU", help="The SKU to show."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Show one SKU: description, weight, dimensions and attributes."""
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        product = get_product(conn, hub_ctx.tenant, sku)
    if product is None:
        fail(f"no product with SKU {sku!r}")
    if as_json:
        print_json(product)
        return
    console = out()
    console.print(f"[bold]{escape(product['sku'])}[/]  {escape(product['description'] or '')}")
    console.print(f"weight      {product['weight_kg'] or ''} kg" if product["weight_kg"] else "weight      unknown")
    console.print(f"size        {_size(product) or 'unknown'}")
    console.print(f"attributes  {escape(_attributes(product['attributes'])) or 'none'}")
    console.print(f"updated at  {product['updated_at'] or ''}")
