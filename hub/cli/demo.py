"""`hub demo`: run the demo scenario (hub.demo) and print what happened."""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from hub.demo import DEFAULT_HOME, DemoError, DemoSummary, run_demo

from .common import fail, out, print_json, styled
from .ingest import describe_error
from .stock import stock_table


def demo(
    home: Path = typer.Option(DEFAULT_HOME, "--home", help="Folder for the demo's database and files (wiped first)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Run the demo: two warehouses, two channels, fixture files, deliveries to local file sinks."""
    logging.getLogger("hub").setLevel(logging.ERROR)  # the summary reports failed deliveries itself
    try:
        summary = run_demo(home)
    except DemoError as exc:
        fail(str(exc))
    if as_json:
        print_json(summary.as_dict())
        return
    print_summary(summary)


def print_summary(s: DemoSummary) -> None:
    console = out()
    console.rule("[bold]hub demo[/]")
    console.print(f"home {escape(s.home)} (SQLite), finished in {s.seconds}s\n")

    files = Table(title="1. Files received", title_justify="left")
    for column in ("file", "via", "status", "orders", "what happened"):
        files.add_column(column, overflow="fold")
    for f in s.files:
        docs = ", ".join(f"{d['external_id']}" for d in f["documents"])
        detail = "; ".join(describe_error(e) for e in f["errors"]) or escape(f.get("note", ""))
        files.add_row(escape(f["path"]), f["connection"], styled(f["status"]), docs, escape(detail))
    console.print(files)

    orders = Table(title=f"2. Orders ({len(s.orders)}): " + _counts(s.orders_by_status), title_justify="left")
    for column in ("external id", "source", "status", "node", "lines"):
        orders.add_column(column)
    for o in s.orders:
        orders.add_row(o["external_id"], o["source"], styled(o["status"]), o["node"] or "-", str(o["lines"]))
    console.print(orders)
    rule_sets = sorted({o["rule_set"] for o in s.orders if o.get("rule_set")})
    console.print(f"   decided by rule set {', '.join(rule_sets) or '-'}; why each order went where it did:")
    for o in s.orders:
        console.print(f"   {o['external_id']}: {escape(o.get('why') or '-')}", soft_wrap=True)
    for e in s.exceptions:
        console.print(
            f"   [yellow]exception[/] {e['kind']}: {escape(e['summary'])} -> {e['suggested_action']}", soft_wrap=True
        )
    console.print()

    console.print(_stock_compare(s.stock_before, s.stock_after))

    by_kind: dict[str, int] = {}
    problems: dict[tuple[str, str, str], int] = {}
    for d in s.deliveries:
        key = f"{d['kind']} {d['outcome']}"
        by_kind[key] = by_kind.get(key, 0) + 1
        if d["outcome"] != "delivered":
            problem = (d["connection"], d["outcome"], d["error"] or "")
            problems[problem] = problems.get(problem, 0) + 1
    console.print(f"[bold]4. Outbox[/]: {s.delivered} delivered ({_counts(by_kind)})")
    for (connection, outcome, error), n in problems.items():
        console.print(f"   [red]{n} x {outcome} -> {connection}[/]: {escape(error)}", soft_wrap=True)
    folders: dict[str, list[str]] = {}
    for name in s.outbound_files:
        folder, _, file = name.rpartition("/")
        folders.setdefault(folder, []).append(file)
    console.print(f"   files written under {escape(s.home)}/:")
    for folder, names in folders.items():
        console.print(f"     {escape(folder)}/ ({len(names)} files)")
        for file in names:
            console.print(f"       {escape(file)}", overflow="ellipsis", no_wrap=True)

    hub_cmd = command_name()
    console.print("\n[bold]5. Kept for an operator[/]")
    for m in s.failed_messages:
        error = m["error"] or {}
        where = ", ".join(f"{k} {v}" for k, v in (error.get("location") or {}).items())
        console.print(
            f"   [red]{m['id']}[/] {escape(m['filename'] or '')} via {m['connection']}: "
            f"{escape(str(error.get('code')))} at step {error.get('step')} ({escape(where)})"
        )
        console.print(f"   {escape(str(error.get('message')))}")
        console.print(f"   inspect: HUB_HOME={escape(s.home)} {hub_cmd} messages show {m['id']}", soft_wrap=True)
        console.print(f"   replay:  HUB_HOME={escape(s.home)} {hub_cmd} messages replay {m['id']}", soft_wrap=True)
    console.print(
        f"\nexplore: export HUB_HOME={escape(s.home)}; {hub_cmd} orders show SO-1001; {hub_cmd} exceptions list; "
        f"{hub_cmd} rules show; {hub_cmd} stock; {hub_cmd} messages list --box outbox",
        soft_wrap=True,
    )
    if s.console_token:
        console.print("\n[bold]6. Operator console[/] (orders, timelines, exceptions, KPIs, alerts; API at /api/v1)")
        console.print(f"   start it:  HUB_HOME={escape(s.home)} {hub_cmd} api --port 8080", soft_wrap=True)
        console.print("   open:      http://127.0.0.1:8080/  and sign in with this operator token (shown once):")
        console.print(f"   {escape(s.console_token)}", soft_wrap=True)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none"


def _stock_compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> Table:
    was = {(r["node"], r["sku"]): r for r in before}
    table = stock_table([], title="3. Stock before -> after")
    table.columns[3].header = "reserved (before -> after)"
    table.columns[4].header = "available (before -> after)"
    for r in after:
        b = was.get((r["node"], r["sku"]), {})
        changed = b.get("reserved") != r["reserved"]
        reserved = f"{b.get('reserved', '0')} -> {r['reserved']}" if changed else r["reserved"]
        available = f"{b.get('available', '0')} -> {r['available']}" if changed else r["available"]
        style = "bold" if changed else ""
        table.add_row(r["node"], r["sku"], r["on_hand"], reserved, available, style=style)
    return table


def command_name() -> str:
    """How the user can call `hub` again: a path relative to here when it is not on PATH (make demo's .venv)."""
    found = shutil.which("hub")
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "hub" and (found is None or Path(found).resolve() != script.resolve()):
        try:
            return str(script.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(script.resolve())
    return "hub"
