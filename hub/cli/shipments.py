"""`hub shipments list`: shipments with carrier, tracking numbers and lines, whichever adapter reported them."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.shipments.store import shipment_rows
from hub.store.db import read_only

from .common import hub, order_id_for, out, print_json

app = typer.Typer(help="Shipments: what left which node, with which carrier and tracking.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    order: str | None = typer.Option(None, "--order", help="Only this order (hub id or channel order number)."),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000, help="Newest first, at most this many."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List shipments, newest first."""
    hub_ctx = hub(ctx)
    order_id = order_id_for(hub_ctx, order) if order else None
    with read_only(hub_ctx.engine) as conn:
        rows = shipment_rows(conn, hub_ctx.tenant, order_id=order_id, limit=limit)
    if as_json:
        print_json({"shipments": rows})
        return
    table = Table(title=f"Shipments ({len(rows)})", title_justify="left")
    for column in ("id", "order", "source", "node", "carrier", "tracking", "lines", "shipped at"):
        table.add_column(column, overflow="fold")
    for r in rows:
        lines = ", ".join(f"{ln.get('line_no')}:{ln.get('sku')}x{ln.get('quantity')}" for ln in r["lines"])
        table.add_row(
            r["id"],
            r["order_external_id"],
            r["source"],
            r["node"] or "",
            r["carrier"] or "",
            ", ".join(r["tracking_numbers"]),
            lines,
            r["shipped_at"] or "",
        )
    out().print(table)
