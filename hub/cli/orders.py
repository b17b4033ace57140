"""`hub orders list|show`: the orders the hub holds, their lines and the timeline of why they moved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from hub.allocation.allocator import Allocator
from hub.allocation.flows import report_carrier_delay, report_node_rejection, report_short_pick
from hub.allocation.reallocate import retry_backorders
from hub.model.order import OrderStatus
from hub.store import queries
from hub.store.db import read_only

from .common import fail, hub, order_id_for, out, parse_pairs, print_json, styled, usage_error

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
    decision = o.get("decision")
    if decision:
        console.print(escape(f"decision   {decision['status']} by {decision['rule_set']}: {decision['reason']}"))
        for c in decision["candidates"]:
            verdict = "candidate" if c["included"] else f"excluded by {c.get('rule')}"
            extra = c.get("reason") or (f"short {c['short']}" if c.get("short") else "")
            console.print(escape(f"  {c['node']}: {verdict} {extra}".rstrip()))
        for shipment in decision["plan"]["shipments"]:
            carrier = shipment.get("carrier") or {}
            how = (
                f" by {carrier['carrier']}/{carrier['service']} {carrier['cost']} {carrier['currency']}"
                if carrier
                else ""
            )
            what = ", ".join(f"{ln['sku']} x{ln['quantity']}" for ln in shipment["lines"])
            console.print(escape(f"  ships from {shipment['node']}: {what}{how}"))
    for shipment in o.get("shipments", []):
        tracking = ", ".join(shipment["tracking_numbers"]) or "no tracking"
        shipped = ", ".join(f"{ln.get('sku')} x{ln.get('quantity')}" for ln in shipment["lines"])
        carrier, node = shipment["carrier"] or "carrier ?", shipment["node"] or "?"
        console.print(escape(f"shipped    {carrier} {tracking} from {node}: {shipped}"))
    for exc in o.get("exceptions", []):
        console.print(
            escape(f"exception  {exc['kind']} ({exc['state']}): {exc['summary']} -> {exc['suggested_action']}")
        )


def _report(allocation: Any, record: Any, as_json: bool) -> None:
    data = {
        "exception": record.as_dict() if record else None,
        "allocation": allocation.decision.as_dict() if allocation else None,
    }
    if as_json:
        print_json(data)
        return
    if record:
        out().print(escape(f"exception {record.id} ({record.kind}): {record.summary}"))
    if allocation:
        out().print(escape(f"allocated again: {allocation.status.value}: {allocation.reason}"))


@app.command("reject")
def reject(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="ID_OR_EXTERNAL_ID"),
    node: str = typer.Option(..., "--node", help="The node that refused the order."),
    reason: str = typer.Option("rejected by the node", "--reason"),
    keep: bool = typer.Option(False, "--no-reallocate", help="Only record it; do not allocate elsewhere now."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """A node rejected the order: give back what it held there and allocate those lines elsewhere."""
    hub_ctx = hub(ctx)
    order_id = order_id_for(hub_ctx, key)
    allocator = Allocator.for_hub(hub_ctx.environ, hub_ctx.home)
    record, allocation = report_node_rejection(
        hub_ctx, allocator, order_id, node=node, reason=reason, reallocate=not keep
    )
    _report(allocation, record, as_json)


@app.command("short-pick")
def short_pick(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="ID_OR_EXTERNAL_ID"),
    missing: list[str] = typer.Argument(..., metavar="SKU=QTY...", help="What the node could not pick."),
    node: str = typer.Option(..., "--node", help="The node that picked short."),
    keep: bool = typer.Option(False, "--no-reallocate", help="Only record it; do not allocate elsewhere now."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """A node picked short: write the missing stock off there and allocate the short lines elsewhere."""
    quantities = {}
    for sku, qty in parse_pairs(missing, "SKU=QTY").items():
        try:
            quantities[sku] = Decimal(qty)
        except InvalidOperation:
            usage_error(f"{sku}={qty}: the quantity is not a number")
        if not quantities[sku].is_finite() or quantities[sku] <= 0:
            usage_error(f"{sku}={qty}: the quantity must be more than 0")
    hub_ctx = hub(ctx)
    order_id = order_id_for(hub_ctx, key)
    allocator = Allocator.for_hub(hub_ctx.environ, hub_ctx.home)
    record, allocation = report_short_pick(
        hub_ctx, allocator, order_id, node=node, missing=quantities, reallocate=not keep
    )
    _report(allocation, record, as_json)


@app.command("delay")
def delay(
    ctx: typer.Context,
    key: str = typer.Argument(..., metavar="ID_OR_EXTERNAL_ID"),
    delivery_date: str = typer.Option(..., "--delivery-date", help="When the carrier now expects to deliver."),
    reason: str = typer.Option("carrier delay", "--reason"),
    shipment: int | None = typer.Option(None, "--shipment", help="Which shipment of the order (1-based)."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """A carrier reports a delay: carrier_delay (re-promise, notify), and broken_promise if a promise is missed."""
    try:
        when = date.fromisoformat(delivery_date)
    except ValueError:
        usage_error(f"--delivery-date {delivery_date!r} is not a date (YYYY-MM-DD)")
    hub_ctx = hub(ctx)
    order_id = order_id_for(hub_ctx, key)
    raised = report_carrier_delay(hub_ctx, order_id, new_delivery_date=when, reason=reason, shipment=shipment)
    if as_json:
        print_json({"exceptions": [r.as_dict() for r in raised]})
        return
    for record in raised:
        out().print(escape(f"exception {record.id} ({record.kind}): {record.summary} -> {record.suggested_action}"))


@app.command("retry-backorders")
def retry(
    ctx: typer.Context,
    limit: int = typer.Option(100, "--limit", min=1),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Allocate backordered orders again (oldest first); those still short stay as they are."""
    hub_ctx = hub(ctx)
    allocator = Allocator.for_hub(hub_ctx.environ, hub_ctx.home)
    with hub_ctx.engine.begin() as conn:
        found = retry_backorders(conn, hub_ctx.tenant, allocator, limit=limit, ctx=hub_ctx)
    if as_json:
        print_json({"allocated": found})
        return
    out().print(f"{len(found)} backordered order(s) allocated")
