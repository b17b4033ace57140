"""`hub exceptions list|show|ack|resolve`: the typed exceptions an operator acts on, and their resolution."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from hub.exceptions.errors import DecisionRequired, UnknownAction, UnknownKind
from hub.exceptions.kinds import parse_kind
from hub.exceptions.resolve import resolve_exception
from hub.exceptions.states import UNRESOLVED, ExceptionState
from hub.exceptions.store import acknowledge, get_exception, list_exceptions
from hub.store.db import read_only

from .common import hub, order_id_for, out, print_json, usage_error

app = typer.Typer(help="Exceptions: list, show, acknowledge and resolve them.", no_args_is_help=True)

STATE_CHOICES = (*(s.value for s in ExceptionState), "all")
STATE_STYLE = {"open": "red", "acknowledged": "yellow", "resolved": "green"}


def _state(state: str | None) -> list[str] | None:
    if state is None:
        return sorted(s.value for s in UNRESOLVED)
    if state not in STATE_CHOICES:
        usage_error(f"unknown state {state!r}; one of: {', '.join(STATE_CHOICES)}")
    return None if state == "all" else [state]


def styled_state(state: str) -> str:
    style = STATE_STYLE.get(state)
    return f"[{style}]{state}[/]" if style else state


@app.command("list")
def list_(
    ctx: typer.Context,
    state: str | None = typer.Option(
        None, "--state", help="open, acknowledged, resolved or all (default: open and acknowledged)."
    ),
    kind: str | None = typer.Option(None, "--kind", help="Only this kind (short_pick, carrier_delay, ...)."),
    order: str | None = typer.Option(None, "--order", help="Only this order (hub id or external id)."),
    limit: int = typer.Option(200, "--limit", min=1, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List exceptions, newest first."""
    states = _state(state)
    if kind is not None:
        try:
            parse_kind(kind)
        except UnknownKind as exc:
            usage_error(exc.message)
    hub_ctx = hub(ctx)
    order_id = order_id_for(hub_ctx, order) if order is not None else None
    with read_only(hub_ctx.engine) as conn:
        records = list_exceptions(conn, hub_ctx.tenant, state=states, kind=kind, order_id=order_id, limit=limit)
    rows = [r.as_dict() for r in records]
    if as_json:
        print_json({"exceptions": rows})
        return
    table = Table(title=f"Exceptions ({len(rows)})", title_justify="left")
    for column in ("id", "kind", "state", "order", "suggested", "summary"):
        table.add_column(column, overflow="fold")
    for e in rows:
        table.add_row(
            e["id"],
            e["kind"],
            styled_state(e["state"]),
            e["order_id"] or "",
            e["suggested_action"],
            escape(e["summary"]),
        )
    out().print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    exception_id: str = typer.Argument(..., metavar="ID", help="Exception id (exc_...)."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Show one exception: what happened, what is suggested, what may be chosen, and how it was resolved."""
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        data = get_exception(conn, hub_ctx.tenant, exception_id).as_dict()
    if as_json:
        print_json(data)
        return
    print_exception(data)


def _detail_lines(value: Any, depth: int = 1) -> list[str]:
    pad = "  " * depth
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines.extend(_detail_lines(item, depth + 1))
            elif isinstance(item, str) and "\n" in item:
                lines.append(f"{pad}{key}:")
                lines.extend(f"{pad}  {part}" for part in item.splitlines())
            else:
                lines.append(f"{pad}{key}: {json.dumps(item, ensure_ascii=False) if item is not None else '-'}")
        return lines
    if isinstance(value, list):
        lines = []
        for item in value:
            if isinstance(item, dict):
                sub = _detail_lines(item, depth + 1)
                lines.append(f"{pad}- {sub[0].strip()}" if sub else f"{pad}-")
                lines.extend(sub[1:])
            else:
                lines.append(f"{pad}- {item}")
        return lines
    return [f"{pad}{value}"]


def print_exception(e: dict[str, Any]) -> None:
    console = out()
    console.print(f"[bold]{e['id']}[/]  {e['kind']}  {styled_state(e['state'])}")
    console.print(escape(f"summary    {e['summary']}"))
    console.print(f"order      {e['order_id'] or '-'}")
    console.print(f"suggested  {e['suggested_action']}")
    console.print(f"actions    {', '.join(e['actions'])}")
    console.print(f"created    {e['created_at']}   updated {e['updated_at']}")
    if e["state"] == ExceptionState.RESOLVED:
        console.print(escape(f"resolved   {e['resolved_at']} by {e['resolved_by']}: {e['resolution']}"))
    if e["detail"]:
        console.print("detail")
        for line in _detail_lines(e["detail"]):
            console.print(escape(line))


@app.command("ack")
def ack(
    ctx: typer.Context,
    exception_id: str = typer.Argument(..., metavar="ID", help="Exception id (exc_...)."),
    by: str = typer.Option("cli", "--by", help="Who is taking care of it."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Acknowledge an open exception: someone is on it."""
    hub_ctx = hub(ctx)
    with hub_ctx.engine.begin() as conn:
        record = acknowledge(conn, hub_ctx.tenant, exception_id, by)
    if as_json:
        print_json(record.as_dict())
        return
    out().print(f"{record.id} acknowledged by {escape(by)}")


@app.command("resolve")
def resolve(
    ctx: typer.Context,
    exception_id: str = typer.Argument(..., metavar="ID", help="Exception id (exc_...)."),
    action: str | None = typer.Option(None, "--action", help="What to do (default: the suggested action)."),
    note: str | None = typer.Option(None, "--note", help="Why, for the record."),
    by: str = typer.Option("cli", "--by", help="Who resolves it."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Resolve an exception: run the action, mark it resolved, and note it on the order's timeline."""
    hub_ctx = hub(ctx)
    try:
        outcome = resolve_exception(hub_ctx, exception_id, action=action, note=note, by=by)
    except (UnknownAction, DecisionRequired) as exc:
        usage_error(exc.message)
    if as_json:
        print_json(outcome.as_dict())
        return
    out().print(escape(f"{outcome.record.id} resolved ({outcome.action}): {outcome.result}"))
