"""`hub returns record`: units of an order came back to a node; the return rules say restock or quarantine."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import typer
from rich.markup import escape

from hub.exceptions.returns import record_return
from hub.rules.store import active_return_rules
from hub.store.db import read_only

from .common import hub, order_id_for, out, parse_pairs, print_json, usage_error

app = typer.Typer(help="Returns: record units that came back, restocked or quarantined by rule.", no_args_is_help=True)


def _lines(pairs: list[str]) -> dict[str, Decimal]:
    lines: dict[str, Decimal] = {}
    for sku, text in parse_pairs(pairs, "line").items():
        try:
            qty = Decimal(text)
        except InvalidOperation:
            usage_error(f"quantity of {sku} must be a number, not {text!r}")
        if not qty.is_finite() or qty <= 0:
            usage_error(f"quantity of {sku} must be above zero, not {text!r}")
        lines[sku] = qty
    return lines


@app.command("record")
def record(
    ctx: typer.Context,
    order: str = typer.Argument(..., metavar="ORDER_ID", help="Hub order id (ord_...) or the channel's id."),
    lines: list[str] = typer.Argument(..., metavar="SKU=QTY...", help="Returned units per SKU."),
    node: str = typer.Option(..., "--node", help="The node that received the units."),
    condition: str = typer.Option("sellable", "--condition", help="sellable, opened, damaged, ..."),
    reason: str | None = typer.Option(None, "--reason", help="The customer's reason for returning."),
    reference: str | None = typer.Option(None, "--reference", help="RMA or return reference (makes it idempotent)."),
    auto: bool = typer.Option(False, "--auto", help="Apply the rules' decision at once and resolve the exception."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Record a return: raises a return_received exception suggesting restock or quarantine (per the active
    rule set's `returns` section, or the default return rules)."""
    quantities = _lines(lines)
    hub_ctx = hub(ctx)
    order_id = order_id_for(hub_ctx, order)
    with read_only(hub_ctx.engine) as conn:
        rules = active_return_rules(conn, hub_ctx.tenant)
    exc = record_return(
        hub_ctx,
        order_id,
        node=node,
        lines=quantities,
        condition=condition,
        reason=reason,
        reference=reference,
        auto=auto,
        rules=rules,
    )
    if as_json:
        print_json({"exception": exc.as_dict()})
        return
    console = out()
    console.print(escape(f"{exc.id} {exc.state}: {exc.summary}"))
    for line in exc.detail.get("lines", []):
        console.print(escape(f"  {line['quantity']} x {line['sku']}: {line['decision']} (rule {line['rule']})"))
    if exc.resolution:
        console.print(escape(f"  done: {exc.resolution}"))
    else:
        console.print(f"  resolve with: hub exceptions resolve {exc.id} [--action {'|'.join(exc.actions)}]")
