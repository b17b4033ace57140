"""`hub nodes list|add|set|import`: the warehouses and stores that hold stock and ship orders, and their profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from hub.allocation.ledger import set_node
from hub.allocation.nodes_store import import_nodes, save_node_profile, validate_fields
from hub.plugins.capabilities import Capability
from hub.store import queries
from hub.store.connections import get_connection
from hub.store.db import read_only

from .common import err, hub, out, parse_pairs, print_json, usage_error

app = typer.Typer(
    help="Fulfilment nodes: list them, add one, set a profile, import a network file.", no_args_is_help=True
)
OPTIONS = {
    "name": "--name",
    "priority": "--priority",
    "connection": "--connection",
    "enabled": "--enable/--disable",
    "country": "--country",
    "postal_code": "--postal-code",
    "latitude": "--lat",
    "longitude": "--lon",
    "timezone": "--timezone",
    "cutoff": "--cutoff",
    "capacity_per_day": "--capacity",
    "attributes": "--attr",
}


def _attributes(attributes: dict[str, Any] | None) -> str:
    items = sorted((attributes or {}).items())
    return ", ".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in items)


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
    columns = ("code", "name", "priority", "connection", "skus", "enabled", "where", "time zone", "cut-off")
    for column in (*columns, "capacity", "attributes"):
        table.add_column(column)
    for n in rows:
        where = " ".join(x for x in (n["country"], n["postal_code"]) if x)
        table.add_row(
            escape(n["code"]),
            escape(n["name"]),
            str(n["priority"]),
            escape(n["connection"] or ""),
            str(n["skus"]),
            "yes" if n["enabled"] else "no",
            escape(where),
            n["timezone"] or "",
            n["cutoff"] or "",
            "" if n["capacity_per_day"] is None else str(n["capacity_per_day"]),
            escape(_attributes(n["attributes"])),
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


@app.command("set")
def set_(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="Node code; the node is created if it does not exist."),
    country: str | None = typer.Option(None, "--country", help="ISO 3166-1 alpha-2 country, e.g. DE."),
    postal_code: str | None = typer.Option(None, "--postal-code", help="The node's postal code."),
    lat: str | None = typer.Option(None, "--lat", help="Latitude in degrees, e.g. 52.52."),
    lon: str | None = typer.Option(None, "--lon", help="Longitude in degrees, e.g. 13.40."),
    timezone: str | None = typer.Option(None, "--timezone", help="IANA time zone, e.g. Europe/Berlin."),
    cutoff: str | None = typer.Option(None, "--cutoff", help="Local cut-off HH:MM for same-day shipping."),
    capacity: int | None = typer.Option(None, "--capacity", help="Orders a day (0 or more)."),
    attrs: list[str] | None = typer.Option(
        None, "--attr", help="KEY=VALUE attribute (true/false/yes/no or text); KEY= removes it. Repeatable."
    ),
    priority: int | None = typer.Option(None, "--priority", help="Lower numbers are tried first."),
    connection: str | None = typer.Option(None, "--connection", help="Connection that released orders go to."),
    name: str | None = typer.Option(None, "--name", help="Display name."),
    enabled: bool | None = typer.Option(None, "--enable/--disable", help="Allocate to this node or not."),
) -> None:
    """Set profile fields of a node (only the options given change); attributes are merged."""
    given = {
        "country": country,
        "postal_code": postal_code,
        "latitude": lat,
        "longitude": lon,
        "timezone": timezone,
        "cutoff": cutoff,
        "capacity_per_day": capacity,
        "priority": priority,
        "connection": connection,
        "name": name,
        "enabled": enabled,
    }
    values: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    if attrs:
        values["attributes"] = parse_pairs(attrs, "--attr")
    if not values:
        usage_error("nothing to set: give at least one option (see hub nodes set --help)")
    fields = validate_fields(values, "hub nodes set", names=OPTIONS)
    hub_ctx = hub(ctx)
    with hub_ctx.engine.begin() as conn:
        if connection:
            record = get_connection(conn, hub_ctx.tenant, connection)
            if record is not None and not hub_ctx.offers(record, Capability.ORDER_SINK):
                err().print(
                    f"[yellow]warning:[/] connection {connection!r} has no order_sink; releases will not be sent"
                )
        changed = save_node_profile(conn, hub_ctx.tenant, code, fields, merge_attributes=True, source="hub nodes set")
    out().print(f"node {escape(code)} saved ({', '.join(OPTIONS[f].split('/')[0] for f in changed)})")


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., metavar="FILE", exists=True, dir_okay=False, readable=True, help="Network YAML: a list of nodes."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Create or update the nodes of a network file (all or none; errors name the file and key)."""
    hub_ctx = hub(ctx)
    codes = import_nodes(hub_ctx.engine, hub_ctx.tenant, path)
    if as_json:
        print_json({"file": str(path), "nodes": codes})
        return
    out().print(f"imported {len(codes)} nodes from {escape(str(path))}: {', '.join(codes)}")
