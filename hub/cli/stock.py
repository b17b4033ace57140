"""`hub stock [--sku]` and `hub stock import CSV`: levels per node and SKU, and snapshot imports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from hub.allocation.stock_import import import_stock_csv
from hub.store import queries
from hub.store.db import read_only

from .common import hub, out, print_json

app = typer.Typer(help="Stock per node and SKU: on hand, reserved, available.", invoke_without_command=True)


@app.callback()
def levels(
    ctx: typer.Context,
    sku: str | None = typer.Option(None, "--sku", help="Only this SKU."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Show stock levels (node, sku, on_hand, reserved, available)."""
    if ctx.invoked_subcommand is not None:
        return
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        rows = queries.stock(conn, hub_ctx.tenant, sku=sku)
    if as_json:
        print_json({"stock": rows})
        return
    out().print(stock_table(rows, title=f"Stock ({len(rows)} levels)"))


@app.command("import")
def import_(
    ctx: typer.Context,
    csv_path: Path = typer.Argument(
        ..., metavar="CSV", exists=True, dir_okay=False, readable=True, help="CSV with columns node,sku,on_hand."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Set on-hand from a CSV snapshot (all rows or none; a bad row names its line)."""
    hub_ctx = hub(ctx)
    rows = import_stock_csv(hub_ctx.engine, hub_ctx.tenant, csv_path)
    nodes = sorted({r.node for r in rows})
    if as_json:
        print_json({"file": str(csv_path), "rows": len(rows), "nodes": nodes})
        return
    out().print(f"imported {len(rows)} rows from {csv_path} ({len(nodes)} nodes: {', '.join(nodes) or 'none'})")


def stock_table(rows: list[dict[str, Any]], *, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("node")
    table.add_column("sku")
    for column in ("on hand", "reserved", "available"):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(r["node"], r["sku"], r["on_hand"], r["reserved"], r["available"])
    return table
