"""`hub ingest PATH...`: store each file raw, run it through the pipeline, report what became of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.context import HubContext
from hub.errors import ConfigError
from hub.pipeline.ingest import ingest_path
from hub.pipeline.runner import Pipeline
from hub.plugins.capabilities import Capability
from hub.store.connections import ConnectionRecord, add_connection, get_connection

from .common import EXIT_FAILED, EXIT_OK, err, hub, out, print_json, styled, usage_error

DEFAULT_CONNECTION = "files"
DEFAULT_ADAPTER = "order_files"


def expand(paths: list[Path]) -> list[Path]:
    """Files as given, folders as the files inside them (recursively, sorted, hidden names skipped)."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            usage_error(f"{path} does not exist")
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.parts[-1:])
            )
        else:
            found.append(path)
    return found


def source_connection(ctx: HubContext, name: str | None) -> ConnectionRecord:
    """The named connection, or the default `files` one (created on first use)."""
    with ctx.engine.begin() as conn:
        if name is None:
            record = get_connection(conn, ctx.tenant, DEFAULT_CONNECTION, missing_ok=True)
            if record is None:
                ctx.registry.get(DEFAULT_ADAPTER)
                record = ConnectionRecord(
                    name=DEFAULT_CONNECTION, adapter=DEFAULT_ADAPTER, channel=DEFAULT_CONNECTION, tenant=ctx.tenant
                )
                add_connection(conn, record)
        else:
            record = get_connection(conn, ctx.tenant, name)
            assert record is not None
    if not ctx.offers(record, Capability.FILE_PARSER):
        raise ConfigError(f"connection {record.name!r} (adapter {record.adapter}) cannot read files (no file_parser)")
    return record


def ingest(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Files or folders of order files.", show_default=False),
    source: str | None = typer.Option(
        None, "--source", "-s", help=f"Connection the files arrive through (default: {DEFAULT_CONNECTION!r})."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Ingest order files: raw first, then decode, dedup, store, allocate. Exit 1 if any file is rejected."""
    files = expand(paths)
    if not files:
        usage_error("no files found in " + ", ".join(str(p) for p in paths))
    hub_ctx = hub(ctx)
    record = source_connection(hub_ctx, source)
    pipeline = Pipeline(hub_ctx)
    reports: list[dict[str, Any]] = []
    console = err()
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=as_json or len(files) < 2 or not console.is_terminal,
    ) as progress:
        task = progress.add_task(f"ingesting through {record.name}", total=len(files))
        for path in files:
            reports.append(ingest_path(pipeline, path, connection=record.name).as_dict())
            progress.advance(task)
    if as_json:
        print_json({"connection": record.name, "files": reports})
    else:
        print_reports(reports)
    rejected = any(r["status"] == "rejected" for r in reports)
    raise typer.Exit(EXIT_FAILED if rejected else EXIT_OK)


def print_reports(reports: list[dict[str, Any]]) -> None:
    table = Table(title="Ingested files", title_justify="left")
    for column in ("file", "status", "format", "orders", "errors"):
        table.add_column(column, overflow="fold")
    for r in reports:
        docs = ", ".join(
            f"{d.get('external_id')} {d.get('status') or d.get('outcome') or ''}".strip() for d in r["documents"]
        )
        errors = "; ".join(describe_error(e) for e in r["errors"])
        table.add_row(
            escape(Path(r["path"]).name), styled(r["status"]), r["format"] or "", escape(docs), escape(errors)
        )
    out().print(table)
    counts: dict[str, int] = {}
    for r in reports:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    out().print(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    for r in reports:
        if r["status"] == "rejected":
            out().print(
                f"[red]{escape(r['path'])}[/] kept as {r['message_id']}: see `hub messages show {r['message_id']}`"
            )


def describe_error(error: dict[str, Any]) -> str:
    where = ", ".join(f"{k} {error[k]}" for k in ("step", "segment", "position") if error.get(k) not in (None, ""))
    text = f"{error.get('code')}: {error.get('message')}"
    return f"{text} ({where})" if where else text
