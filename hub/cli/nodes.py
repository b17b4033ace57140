"""`hub nodes list|add`: the warehouses and stores that hold stock and ship orders."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.allocation.ledger import set_node
from hub.plugins.capabilities import Capability
from hub.store import queries
from hub.store.connections import get_connection
from hub.store.db import read_only

from .common import err, hub, out, print_json

app = typer.Typer(help="Fulfilment nodes: list them, add or change one.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List nodes in allocation order (lower priority number ships first)."""
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        rows = queries.list_nodes(conn, hub_ctx.tenant)
    if as_json:
        print_json({"nodes": rows})
        return
    table = Table(title=f"Nodes ({len(rows)})", title_justify="left")
    for column in ("code", "name", "priority", "connection", "skus", "enabled"):
        table.add_column(column)
    for n in rows:
        table.add_row(
            n["code"],
            n["name"],
            str(n["priority"]),
            n["connection"] or "",
            str(n["skus"]),
            "yes" if n["enabled"] else "no",
        )
    out().print(table)


@app.command("add")
def add(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="Node code, e.g. WH-EAST."),
    priority: int = typer.Option(100, "--priority", help="Lower numbers are tried first."),
    connection: str | None = typer.Option(None, "--connection", help="Connection that released orders go to."),
    name: str | None = typer.Option(None, "--name", help="Display name (default: the code)."),
) -> None:
    """Add a node, or change the priority and connection of an existing one."""
    hub_ctx = hub(ctx)
    with hub_ctx.engine.begin() as conn:
        if connection is not None:
            record = get_connection(conn, hub_ctx.tenant, connection)
            assert record is not None
            if not hub_ctx.offers(record, Capability.ORDER_SINK):
                err().print(
                    f"[yellow]warning:[/] connection {connection!r} has no order_sink; releases will not be sent"
                )
        set_node(conn, hub_ctx.tenant, code, priority=priority, connection=connection, name=name)
    target = f", releases go to {connection}" if connection else ", no connection: orders allocated here are not sent"
    out().print(f"node {code} saved (priority {priority}{target})")
