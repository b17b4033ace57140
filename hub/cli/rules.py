"""`hub rules check|activate|list|show|simulate`: allocation rule sets as versioned, checked data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table

from hub.allocation.allocator import Allocator
from hub.allocation.profiles import load_node_profiles
from hub.rules.loader import read_rule_set_file
from hub.rules.simulate import simulate
from hub.rules.store import activate, list_rule_sets, rule_set_text, save_rule_set
from hub.store.db import read_only

from .common import fail, hub, out, print_json, usage_error

app = typer.Typer(help="Allocation rules: check, activate, list, show, simulate.", no_args_is_help=True)

FileArg = typer.Argument(..., metavar="FILE", exists=True, dir_okay=False, readable=True, help="Rule set YAML.")


@app.command("check")
def check(
    ctx: typer.Context,
    path: Path = FileArg,
    offline: bool = typer.Option(False, "--offline", help="Do not compare node names with the store."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Validate a rule set: its shape, every condition, and (unless --offline) the nodes it names."""
    _, rule_set = read_rule_set_file(path)
    warnings: list[str] = []
    if not offline:
        hub_ctx = hub(ctx)
        with read_only(hub_ctx.engine) as conn:
            known = {n.code for n in load_node_profiles(conn, hub_ctx.tenant, enabled_only=False)}
        unknown = sorted(rule_set.node_codes() - known)
        if unknown:
            warnings.append(f"names node(s) the store does not know: {', '.join(unknown)}")
    if as_json:
        print_json({"file": str(path), "ok": True, "warnings": warnings, **rule_set.summary()})
        return
    s = rule_set.summary()
    out().print(
        f"{path}: ok: rule set {s['rule_set']} v{s['version']}: {s['holds']} holds, {s['priorities']} priorities, "
        f"{s['routes']} routes, {s['exclusions']} exclusions, {s['policies']} policies, "
        f"{s['safety_stock']} safety stock entries"
    )
    for warning in warnings:
        out().print(f"warning: {warning}")


@app.command("activate")
def activate_(
    ctx: typer.Context,
    path: Path = FileArg,
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Store a rule set under its version and make it the one new allocations use."""
    text = path.read_text(encoding="utf-8")
    hub_ctx = hub(ctx)
    with hub_ctx.engine.begin() as conn:
        rule_set = save_rule_set(conn, hub_ctx.tenant, text, str(path))
        assert rule_set.version is not None
        activate(conn, hub_ctx.tenant, rule_set.version)
    if as_json:
        print_json({"active": rule_set.version, "rule_set": rule_set.name})
        return
    out().print(f"rule set {rule_set.name} v{rule_set.version} is active")


@app.command("list")
def list_(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Stored rule set versions (the active one marked)."""
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        stored = list_rule_sets(conn, hub_ctx.tenant)
    if as_json:
        print_json({"rule_sets": [s.as_dict() for s in stored]})
        return
    if not stored:
        out().print("no rule set stored: the built-in default applies (node priority, no split, backorder)")
        return
    table = Table(title="Rule sets", title_justify="left")
    for column in ("version", "name", "active", "stored", "activated"):
        table.add_column(column)
    for s in stored:
        d = s.as_dict()
        table.add_row(str(s.version), s.name, "yes" if s.active else "", d["created_at"] or "", d["activated_at"] or "")
    out().print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    version: int | None = typer.Option(None, "--version", help="This version (default: the active one)."),
) -> None:
    """Print the YAML of a stored version."""
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        found = rule_set_text(conn, hub_ctx.tenant, version)
    if found is None:
        fail("no active rule set: the built-in default applies" if version is None else f"no version {version}")
    typer.echo(found[1], nl=not found[1].endswith("\n"))


def _since(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        usage_error(f"--since {text!r} is not a date (YYYY-MM-DD) or an ISO date-time")
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@app.command("simulate")
def simulate_(
    ctx: typer.Context,
    path: Path = FileArg,
    since: str = typer.Option(..., "--since", help="Replay orders received since this date (YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--until", help="... and before this date."),
    show_orders: int = typer.Option(20, "--show", min=0, help="List at most this many changed orders."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Replay past orders through a changed rule set; print what would differ. Nothing live is touched."""
    _, candidate = read_rule_set_file(path)
    hub_ctx = hub(ctx)
    allocator = Allocator.for_hub(hub_ctx.environ, hub_ctx.home)
    result = simulate(
        hub_ctx.engine,
        hub_ctx.tenant,
        candidate,
        since=_since(since),
        until=_since(until) if until else None,
        allocator=allocator,
    )
    if as_json:
        print_json(result.as_dict())
        return
    now, new = result.current.as_dict(), result.candidate.as_dict()
    table = Table(title=f"What-if since {since}: {now['orders']} orders replayed", title_justify="left")
    table.add_column("measure")
    table.add_column(f"current ({now['rule_set']})", justify="right")
    table.add_column(f"candidate ({new['rule_set']})", justify="right")
    for label, key in (
        ("split rate %", "split_rate_percent"),
        ("shipments", "shipments"),
        ("shipping cost", "shipping_cost"),
        ("transit days (sum of max)", "transit_days_max_total"),
        ("mean days to promised delivery", "mean_days_to_promised_delivery"),
    ):
        table.add_row(label, str(now[key]), str(new[key]))
    for status in sorted(set(now["statuses"]) | set(new["statuses"])):
        table.add_row(status, str(now["statuses"].get(status, 0)), str(new["statuses"].get(status, 0)))
    for node in sorted(set(now["node_load"]) | set(new["node_load"])):
        table.add_row(f"orders from {node}", str(now["node_load"].get(node, 0)), str(new["node_load"].get(node, 0)))
    out().print(table)
    out().print(f"{len(result.differences)} order(s) would be decided differently")
    for diff in result.differences[:show_orders]:
        was, will = diff["current"], diff["candidate"]
        out().print(
            f"  {diff['order']}: {was['status']} {'+'.join(was['nodes']) or '-'} (cost {was['cost']}, "
            f"delivery {was['promised_delivery']}) -> {will['status']} {'+'.join(will['nodes']) or '-'} "
            f"(cost {will['cost']}, delivery {will['promised_delivery']})"
        )
