"""`hub messages list|show|replay`: inbox and outbox rows, their errors, and operator replays."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from hub.masking import mask_data, mask_headers, mask_text, secret_values
from hub.pipeline.inbox import InboxStatus
from hub.pipeline.replay import replay_inbox as replay_inbox_now
from hub.pipeline.replay import replay_outbox as replay_outbox_now
from hub.store import queries
from hub.store.connections import get_connection
from hub.store.db import read_only

from .common import EXIT_FAILED, fail, hub, out, print_json, styled, usage_error
from .ingest import describe_error

app = typer.Typer(help="Inbox and outbox messages: list, show with errors, replay.", no_args_is_help=True)

OUTBOX_STATUSES = ("pending", "delivering", "delivered", "dead", "superseded")
BODY_LIMIT = 4000


@app.command("list")
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="received|processed|duplicate|failed (inbox)."),
    box: str = typer.Option("inbox", "--box", help="inbox or outbox."),
    limit: int = typer.Option(200, "--limit", min=1, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List messages, newest first."""
    allowed = {"inbox": tuple(s.value for s in InboxStatus), "outbox": OUTBOX_STATUSES}
    if box not in allowed:
        usage_error(f"--box must be inbox or outbox, not {box!r}")
    if status is not None and status not in allowed[box]:
        usage_error(f"unknown {box} status {status!r}; one of: {', '.join(allowed[box])}")
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        if box == "inbox":
            rows = queries.list_inbox(conn, hub_ctx.tenant, status=status, limit=limit)
        else:
            rows = queries.list_outbox(conn, hub_ctx.tenant, status=status, limit=limit)
    if as_json:
        print_json({"box": box, "messages": rows})
        return
    table = Table(title=f"{box.capitalize()} ({len(rows)})", title_justify="left")
    what = "file" if box == "inbox" else "kind"
    for column in ("id", "connection", what, "status", "attempts", "error"):
        table.add_column(column, overflow="fold")
    for m in rows:
        error = m["error"]
        table.add_row(
            m["id"],
            m["connection"],
            (m.get("filename") or m.get("transport") or "") if box == "inbox" else m["kind"],
            styled(m["status"]),
            str(m["attempts"]),
            escape(f"{error['code']}: {error['message']}") if error else "",
        )
    out().print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    message_id: str = typer.Argument(..., metavar="ID", help="Inbox id (msg_...) or outbox id (out_...)."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Show one message: status, error (step, code, location) and body, with secrets masked."""
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        try:
            data = queries.get_message(conn, hub_ctx.tenant, message_id)
        except queries.NotFound as exc:
            fail(str(exc))
        record = get_connection(conn, hub_ctx.tenant, data["connection"], missing_ok=True)
    secrets = secret_values(hub_ctx, record)
    if data["box"] == "inbox":
        raw: bytes = data.pop("body")
        body = mask_text(raw.decode("utf-8", errors="replace"), secrets)
        data["headers"] = mask_headers(data["headers"], secrets)
        data["body"] = body
        data["body_bytes"] = len(raw)
    else:
        data["body"] = mask_data(data["body"], secrets)
    data = mask_data(data, secrets)
    if as_json:
        print_json(data)
        return
    print_message(data)


def print_message(m: dict[str, Any]) -> None:
    console = out()
    console.print(f"[bold]{m['id']}[/]  {m['box']}  connection {m['connection']}  status {styled(m['status'])}")
    if m["box"] == "inbox":
        console.print(
            f"file       {m.get('filename') or ''} ({m.get('content_type') or 'unknown type'}, "
            f"{m['body_bytes']} bytes, via {m['transport']})"
        )
        console.print(f"format     {m.get('format') or ''}")
        console.print(f"received   {m['received_at']}   processed {m.get('processed_at') or '-'}")
    else:
        console.print(f"kind       {m['kind']}   key {m['idempotency_key']}")
        console.print(f"created    {m['created_at']}   delivered {m.get('delivered_at') or '-'}")
        console.print(f"next try   {m.get('next_attempt_at') or '-'}")
    console.print(f"attempts   {m['attempts']}")
    error = m.get("error")
    if error:
        console.print("[bold red]error[/]")
        if m["box"] == "inbox":
            console.print(f"  step     {error.get('step')}")
        console.print(f"  code     {error.get('code')}")
        console.print(f"  message  {escape(str(error.get('message')))}")
        location = error.get("location") or {}
        if location:
            console.print("  where    " + escape(", ".join(f"{k} {v}" for k, v in location.items())))
        console.print(f"  replay   hub messages replay {m['id']}")
    docs = (m.get("result") or {}).get("documents") or []
    if docs:
        console.print(
            "documents  " + ", ".join(f"{d.get('external_id')} -> {d.get('id')} ({d.get('outcome')})" for d in docs)
        )
    if m.get("headers"):
        console.print("headers    " + ", ".join(f"{k}: {v}" for k, v in m["headers"].items()))
    body = m["body"] if isinstance(m["body"], str) else json.dumps(m["body"], indent=2, ensure_ascii=False)
    console.rule("body")
    console.print(body[:BODY_LIMIT], markup=False, highlight=False)
    if len(body) > BODY_LIMIT:
        console.print(f"... ({len(body) - BODY_LIMIT} more characters; --json shows all)")


@app.command("replay")
def replay(
    ctx: typer.Context,
    message_id: str = typer.Argument(..., metavar="ID", help="Inbox id (msg_...) or outbox id (out_...)."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Replay a message now: an inbox message is processed again, an outbox message delivered again."""
    hub_ctx = hub(ctx)
    result = replay_outbox(hub_ctx, message_id) if message_id.startswith("out_") else replay_inbox(hub_ctx, message_id)
    if as_json:
        print_json(result)
    else:
        status = result["status"]
        console = out()
        console.print(f"replayed {message_id}: {styled(status)}")
        for doc in result.get("documents") or []:
            console.print(f"  {doc.get('type')} {doc.get('external_id')} -> {doc.get('id')} ({doc.get('outcome')})")
        for error in result.get("errors") or []:
            console.print(f"  [red]{escape(describe_error(error))}[/]")
    if result["status"] in {"rejected", "failed", "dead", "retry", "stopped"}:
        raise typer.Exit(EXIT_FAILED)


def replay_inbox(hub_ctx: Any, message_id: str) -> dict[str, Any]:
    report = replay_inbox_now(hub_ctx, message_id)
    if report is None:
        fail(f"no inbox message {message_id!r}")
    return {"id": message_id, "box": "inbox"} | report.as_dict()


def replay_outbox(hub_ctx: Any, message_id: str) -> dict[str, Any]:
    replayed = replay_outbox_now(hub_ctx, message_id)
    if replayed is None:
        fail(f"no outbox message {message_id!r} that can be replayed")
    errors = [{"code": replayed.error_code or "delivery_error", "message": replayed.error}] if replayed.error else []
    return {
        "id": message_id,
        "box": "outbox",
        "status": replayed.status,
        "attempts": replayed.attempts,
        "errors": errors,
    }
