"""`hub stock`: levels, one SKU across the network, movements, snapshots and drift, incoming, safety, holds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from hub.allocation.stock_import import read_stock_csv
from hub.model.money import decimal_str
from hub.stock import service
from hub.stock.channels import list_channel_reservations
from hub.stock.holds import EVERY
from hub.stock.incoming import describe, list_incoming
from hub.stock.movements import KINDS
from hub.stock.overview import sku_overview
from hub.stock.snapshots import SnapshotReport, list_drifts
from hub.stock.transfers import send_transfer
from hub.store import queries
from hub.store.db import read_only

from .common import fmt, hub, out, print_json, usage_error

app = typer.Typer(help="Stock per node and SKU: on hand, reserved, available.", invoke_without_command=True)
incoming_app = typer.Typer(
    help="Incoming stock (purchase orders, transfers): add, list, receive, cancel.", no_args_is_help=True
)
app.add_typer(incoming_app, name="incoming")

NUMBERS = {"ignore_unknown_options": True}  # so that a negative quantity such as -3 is an argument, not an option


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        usage_error(f"{what} {text!r} is not a number")
    if not value.is_finite():
        usage_error(f"{what} {text!r} is not a number")
    return value


def _signed(value: Decimal) -> str:
    return f"+{decimal_str(value)}" if value > 0 else decimal_str(value)


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "never confirmed"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if days:
        return f"{days}d {hours % 24}h ago"
    if hours:
        return f"{hours}h {minutes % 60}m ago"
    return f"{minutes}m ago" if minutes else "just now"


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
    """Set on-hand from a CSV snapshot (all rows or none; a bad row names its line). Drift is recorded."""
    rows, reports = service.import_csv(hub(ctx), csv_path)
    nodes = sorted({r.node for r in rows})
    drifts = sum(len(r.drifts) for r in reports)
    if as_json:
        print_json({"file": str(csv_path), "rows": len(rows), "nodes": nodes, "drifts": drifts})
        return
    out().print(
        f"imported {len(rows)} rows from {csv_path} ({len(nodes)} nodes: {', '.join(nodes) or 'none'}; "
        f"{drifts} changed)"
    )


@app.command("show")
def show(
    ctx: typer.Context,
    sku: str = typer.Argument(..., help="The SKU."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """One SKU at every node (on hand, reserved, safety, available, incoming, freshness) and per channel."""
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        data = sku_overview(conn, hub_ctx, sku)
    if as_json:
        print_json(data)
        return
    table = Table(
        title=f"{sku}: {fmt(data['available'])} available, {fmt(data['incoming'])} incoming", title_justify="left"
    )
    table.add_column("node")
    for column in ("on hand", "reserved", "safety", "available"):
        table.add_column(column, justify="right")
    for column in ("held for", "incoming", "stock as of"):
        table.add_column(column)
    for n in data["nodes"]:
        held = ", ".join(f"{c} {fmt(q)}" for c, q in n["holds"].items() if q)
        incoming = ", ".join(f"{fmt(i['quantity'])} on {i['expected_on'].isoformat()}" for i in n["incoming"])
        as_of = n["stock_as_of"].isoformat(timespec="seconds") if n["stock_as_of"] else ""
        node = n["node"] if n["enabled"] else f"{n['node']} (disabled)"
        table.add_row(
            node,
            fmt(n["on_hand"]),
            fmt(n["reserved"]),
            fmt(n["safety"]),
            fmt(n["available"]),
            held,
            incoming,
            f"{as_of} ({_age(n['age_seconds'])})".strip(),
        )
    out().print(table)
    if data["channels"]:
        channels = Table(title="Available to sell per channel", title_justify="left")
        channels.add_column("channel")
        channels.add_column("available", justify="right")
        channels.add_column("published to")
        for c in data["channels"]:
            channels.add_row(c["channel"], fmt(c["available"]), ", ".join(c["connections"]))
        out().print(channels)


@app.command("move", context_settings=NUMBERS)
def move(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node code."),
    sku: str = typer.Argument(..., help="The SKU."),
    delta: str = typer.Argument(..., help="Signed quantity: positive adds stock, negative takes it."),
    kind: str = typer.Option(..., "--kind", help=f"One of {', '.join(sorted(KINDS))}."),
    reference: str | None = typer.Option(None, "--reference", help="E.g. the receipt or shipment number."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Record a movement the node reported (it also confirms the node's stock as of now)."""
    if kind not in KINDS:
        usage_error(f"--kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
    moved = service.move(hub(ctx), node, sku, _decimal(delta, "DELTA"), kind, reference=reference)
    if as_json:
        print_json(
            {
                "id": moved.id,
                "node": node,
                "sku": sku,
                "kind": kind,
                "delta": moved.delta,
                "on_hand": moved.on_hand,
                "reserved": moved.reserved,
                "short": moved.short,
            }
        )
        return
    out().print(
        f"{kind} {decimal_str(moved.delta)} {sku} at {node}: on hand {decimal_str(moved.on_hand)}, "
        f"reserved {decimal_str(moved.reserved)}"
    )
    if moved.short:
        out().print(f"warning: on hand is {decimal_str(moved.short)} below what orders have reserved")


@app.command("snapshot")
def snapshot(
    ctx: typer.Context,
    csv_path: Path = typer.Argument(
        ..., metavar="CSV", exists=True, dir_okay=False, readable=True, help="CSV with columns sku,on_hand."
    ),
    node: str = typer.Option(..., "--node", help="The node that was counted."),
    partial: bool = typer.Option(False, "--partial", help="SKUs not in the file keep their figure (default: 0)."),
    as_of: str | None = typer.Option(None, "--as-of", help="When the count was taken (ISO 8601 with zone)."),
    force: bool = typer.Option(False, "--force", help="Apply even if older than the node's last confirmation."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Reconcile a node's count with the ledger: record and print the drift, set on hand, confirm freshness."""
    taken = datetime.now().astimezone()
    if as_of is not None:
        try:
            taken = datetime.fromisoformat(as_of)
        except ValueError:
            usage_error(f"--as-of {as_of!r} is not an ISO 8601 time")
        if taken.tzinfo is None:
            usage_error(f"--as-of {as_of!r} needs a time zone, e.g. 2024-05-01T18:00:00Z")
    counts = {row.sku: row.on_hand for row in read_stock_csv(csv_path, node=node)}
    report = service.snapshot(
        hub(ctx), node, counts, as_of=taken, reference=csv_path.name, full=not partial, force=force
    )
    if as_json:
        print_json(report.as_dict())
        return
    out().print(
        f"{report.node} counted {report.counted} SKUs as of {report.as_of.isoformat(timespec='seconds')}: "
        f"{len(report.drifts)} drifted, total drift {decimal_str(report.total_drift)}"
    )
    if report.drifts:
        out().print(drift_table(report))
    if report.short:
        out().print(f"warning: counted below what orders have reserved: {', '.join(report.short)}")


def drift_table(report: SnapshotReport) -> Table:
    table = Table()
    table.add_column("sku")
    for column in ("ledger", "counted", "drift"):
        table.add_column(column, justify="right")
    table.add_column("note")
    for d in report.drifts:
        notes = [
            text
            for text, on in (("not in count", d.sku in report.zeroed), ("below reserved", d.sku in report.short))
            if on
        ]
        table.add_row(d.sku, fmt(d.ledger), fmt(d.counted), _signed(d.drift), ", ".join(notes))
    return table


@app.command("drift")
def drift(
    ctx: typer.Context,
    node: str | None = typer.Option(None, "--node", help="Only this node."),
    sku: str | None = typer.Option(None, "--sku", help="Only this SKU."),
    limit: int = typer.Option(100, "--limit", min=1, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Drift found by snapshots: what the ledger said, what was counted."""
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        rows = list_drifts(conn, hub_ctx.tenant, node=node, sku=sku, limit=limit)
    if as_json:
        print_json({"drifts": rows})
        return
    table = Table(title=f"Drift ({len(rows)})", title_justify="left")
    for column in ("at", "node", "sku", "ledger", "counted", "drift", "snapshot"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["at"].isoformat(timespec="seconds"),
            r["node"],
            r["sku"],
            r["ledger"],
            r["counted"],
            _signed(Decimal(r["drift"])),
            r["snapshot"] or "",
        )
    out().print(table)


@app.command("safety", context_settings=NUMBERS)
def safety(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node code."),
    sku: str = typer.Argument(..., help="The SKU."),
    qty: str = typer.Argument(..., help="Units never offered for sale."),
) -> None:
    """Set the safety stock of a SKU at a node."""
    quantity = _decimal(qty, "QTY")
    before = service.safety(hub(ctx), node, sku, quantity)
    out().print(f"safety stock of {sku} at {node}: {decimal_str(quantity)} (was {decimal_str(before)})")


@app.command("hold")
def hold(
    ctx: typer.Context,
    channel: str = typer.Argument(..., help="The channel the stock is held for (a connection's channel)."),
    node: str = typer.Option(EVERY, "--node", help="Only at this node (default: every node)."),
    sku: str = typer.Option(EVERY, "--sku", help="Only this SKU (default: every SKU)."),
    fixed: str | None = typer.Option(None, "--fixed", help="Hold this many units."),
    share: str | None = typer.Option(None, "--share", help="Hold this fraction (0..1) of free stock."),
) -> None:
    """Ring-fence stock for a channel: other channels cannot sell it; the channel itself still can."""
    if (fixed is None) == (share is None):
        usage_error("give exactly one of --fixed or --share")
    rule = service.hold(
        hub(ctx),
        channel,
        node=node,
        sku=sku,
        fixed=_decimal(fixed, "--fixed") if fixed is not None else None,
        share=_decimal(share, "--share") if share is not None else None,
    )
    out().print(f"holding for {channel} at node {rule.node}, sku {rule.sku}: {rule.mode} {decimal_str(rule.value)}")


@app.command("unhold")
def unhold(
    ctx: typer.Context,
    channel: str = typer.Argument(..., help="The channel."),
    node: str = typer.Option(EVERY, "--node", help="The node of the rule (default: *)."),
    sku: str = typer.Option(EVERY, "--sku", help="The SKU of the rule (default: *)."),
) -> None:
    """Remove a channel's hold rule."""
    if not service.unhold(hub(ctx), channel, node=node, sku=sku):
        usage_error(f"no hold for {channel} at node {node}, sku {sku}")
    out().print(f"removed the hold for {channel} at node {node}, sku {sku}")


@app.command("holds")
def holds(
    ctx: typer.Context,
    channel: str | None = typer.Option(None, "--channel", help="Only this channel."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List the channel hold rules."""
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        rules = list_channel_reservations(conn, hub_ctx.tenant, channel=channel)
    if as_json:
        print_json({"holds": [r.as_dict() for r in rules]})
        return
    table = Table(title=f"Holds ({len(rules)})", title_justify="left")
    for column in ("channel", "node", "sku", "mode", "value"):
        table.add_column(column)
    for r in rules:
        table.add_row(r.channel, r.node, r.sku, r.mode, decimal_str(r.value))
    out().print(table)


@incoming_app.command("add", context_settings=NUMBERS)
def incoming_add(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node code."),
    sku: str = typer.Argument(..., help="The SKU."),
    qty: str = typer.Argument(..., help="Units expected."),
    expected: str = typer.Option(..., "--expected", help="Expected date, YYYY-MM-DD."),
    reference: str | None = typer.Option(None, "--reference", help="E.g. the purchase order number."),
) -> None:
    """Expect stock at a node on a date."""
    try:
        expected_on = date.fromisoformat(expected)
    except ValueError:
        usage_error(f"--expected {expected!r} is not a date YYYY-MM-DD")
    incoming_id = service.expect(hub(ctx), node, sku, _decimal(qty, "QTY"), expected_on, reference)
    out().print(
        f"expecting {decimal_str(_decimal(qty, 'QTY'))} {sku} at {node} on {expected_on.isoformat()} ({incoming_id})"
    )


@app.command("transfer")
def transfer(
    ctx: typer.Context,
    node: str = typer.Argument(..., help="Node the stock travels to (its connection gets the 943)."),
    items: list[str] = typer.Argument(..., metavar="SKU=QTY...", help="What is sent, e.g. MUG=48 TEE=120."),
    expected: str = typer.Option(..., "--expected", help="Expected arrival date, YYYY-MM-DD."),
    carrier: str | None = typer.Option(None, "--carrier", help="Carrier bringing it (943 W27)."),
    transfer_id: str | None = typer.Option(None, "--id", help="Transfer id (max 22 characters; default generated)."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Send stock to a node: expected as incoming, announced to its warehouse (X12 943); its 944 receives it."""
    try:
        expected_on = date.fromisoformat(expected)
    except ValueError:
        usage_error(f"--expected {expected!r} is not a date YYYY-MM-DD")
    lines: dict[str, Decimal] = {}
    for item in items:
        sku, sep, qty = item.partition("=")
        if not sep or not sku.strip():
            usage_error(f"{item!r} is not SKU=QTY")
        lines[sku.strip()] = _decimal(qty, sku.strip())
    sent = send_transfer(hub(ctx), node, lines, expected_on, carrier=carrier, transfer_id=transfer_id)
    if as_json:
        print_json(
            {"transfer_id": sent.id, "node": sent.node, "connection": sent.connection, "incoming": sent.incoming}
        )
        return
    out().print(f"transfer {sent.id} to {sent.node}: {len(lines)} SKU(s) expected, announced through {sent.connection}")


@incoming_app.command("list")
def incoming_list(
    ctx: typer.Context,
    sku: str | None = typer.Option(None, "--sku", help="Only this SKU."),
    node: str | None = typer.Option(None, "--node", help="Only this node."),
    every: bool = typer.Option(False, "--all", help="Also received and cancelled."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Incoming stock by expected date (open only unless --all)."""
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        items = list_incoming(conn, hub_ctx.tenant, sku=sku, node=node, status=None if every else "open")
    if as_json:
        print_json({"incoming": [i.as_dict() for i in items]})
        return
    table = Table(title=f"Incoming ({len(items)})", title_justify="left")
    for column in ("id", "expected on", "node", "sku", "quantity", "reference", "status"):
        table.add_column(column)
    for i in items:
        table.add_row(i.id, i.expected_on.isoformat(), i.node, i.sku, fmt(i.quantity), i.reference or "", i.status)
    out().print(table)


@incoming_app.command("receive")
def incoming_receive(
    ctx: typer.Context,
    incoming_id: str = typer.Argument(..., metavar="ID", help="The incoming's id."),
    qty: str | None = typer.Option(None, "--qty", help="Units received (default: all expected)."),
) -> None:
    """Receive incoming stock: a receipt movement; a partial receipt leaves the rest open."""
    moved = service.receive(hub(ctx), incoming_id, _decimal(qty, "--qty") if qty is not None else None)
    out().print(
        f"received {decimal_str(moved.delta)} {moved.sku} at {moved.node}: on hand {decimal_str(moved.on_hand)}"
    )


@incoming_app.command("cancel")
def incoming_cancel(
    ctx: typer.Context,
    incoming_id: str = typer.Argument(..., metavar="ID", help="The incoming's id."),
) -> None:
    """Stop expecting incoming stock."""
    item = service.cancel(hub(ctx), incoming_id)
    out().print(f"cancelled {describe(item)}")


def stock_table(rows: list[dict[str, Any]], *, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("node")
    table.add_column("sku")
    for column in ("on hand", "reserved", "available"):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(r["node"], r["sku"], r["on_hand"], r["reserved"], r["available"])
    return table
