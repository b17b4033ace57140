"""`hub orders list|show`: the orders the hub holds, their lines and the timeline of why they moved."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from hub.model.order import OrderStatus
from hub.store import queries
from hub.store.db import read_only

from .common import fail, hub, out, print_json, styled, usage_error

app = typer.Typer(help="Orders: list them, show one with its lines and event timeline.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="Only orders in this status."),
    limit: int = typer.Option(1000, "--limit", min=1, help="At most this many orders."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List orders (oldest first)."""
    if status is not None and status not in {s.value for s in OrderStatus}:
        usage_error(f"unknown status {status!r}; one of: {', '.join(s.value for s in OrderStatus)}")
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        rows = queries.list_orders(conn, hub_ctx.tenant, status=status, limit=limit)
    if as_json:
        print_json({"orders": rows})
        return
    table = Table(title=f"Orders ({len(rows)})", title_justify="left")
    for column in ("id", "source", "external id", "status", "lines", "ship to"):
        table.add_column(column, overflow="fold")
    for o in rows:
        ship = o["ship_to"]
        table.add_row(
            o["id"],
            o["source"],
            o["external_id"],
            styled(o["status"]),
            str(len(o["lines"])),
            escape(f"{ship.get('name') or ''}, {ship.get('country_code') or ''}"),
        )
    out().print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="ID_OR_EXTERNAL_ID", help="Hub order id (ord_...) or the channel's id."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Show one order: header, lines and the event timeline with reasons."""
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        try:
            order = queries.get_order(conn, hub_ctx.tenant, key)
        except queries.NotFound as exc:
            fail(str(exc))
        except queries.Ambiguous as exc:
            usage_error(str(exc))
    if as_json:
        print_json(order)
        return
    print_order(order)


def print_order(o: dict[str, Any]) -> None:
    console = out()
    ship = o["ship_to"]
    console.print(f"[bold]{o['id']}[/]  {o['source']} / {o['external_id']} (revision {o['revision']})")
    console.print(f"status     {styled(o['status'])}")
    console.print(f"currency   {o['currency']}")
    console.print(f"placed at  {o['placed_at'] or ''}")
    place = " ".join(x for x in (ship.get("postal_code"), ship.get("city")) if x)
    console.print(escape(f"ship to    {ship.get('name')}, {place} {ship.get('country_code')}".rstrip()))
    lines = Table(title="Lines", title_justify="left")
    for column in ("line", "sku", "quantity", "uom", "unit price"):
        lines.add_column(column, justify="right" if column in {"line", "quantity", "unit price"} else "left")
    for ln in o["lines"]:
        lines.add_row(str(ln["line_no"]), ln["sku"], ln["quantity"], ln["uom"], ln["unit_price"])
    console.print(lines)
    events = Table(title="Timeline", title_justify="left")
    for column in ("at", "from", "to", "reason"):
        events.add_column(column, overflow="fold")
    for e in o["events"]:
        events.add_row((e["at"] or "")[:19], e["from_status"] or "", styled(e["to_status"]), escape(e["reason"]))
    console.print(events)
