"""`hub connections list|add`: named, configured uses of an adapter (with poll status); secrets are references only."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from hub.context import HUB_OPTIONS
from hub.plugins.capabilities import Capability
from hub.plugins.config import build_config, resolve_secret
from hub.scheduler.cursors import load_cursor
from hub.scheduler.schedule import SCHEDULE_OPTIONS, schedule_for
from hub.scheduler.status import connection_row, load_statuses
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only

from .common import err, hub, out, parse_pairs, print_json, usage_error

app = typer.Typer(help="Connections: list them (with their polling status), add one.", no_args_is_help=True)

PLACEHOLDER = "x-placeholder-for-validation"


def option_value(raw: str) -> Any:
    """`[...]`/`{...}` values are JSON (lists, objects); everything else stays text for the config model to coerce."""
    if raw[:1] in "[{":
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            usage_error(f"option value {raw!r} looks like JSON but does not parse")
    return raw


@app.command("list")
def list_(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List connections with their polling status; secrets show as the environment variable they come from."""
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        records = hub_ctx.connections(conn)
        statuses = load_statuses(conn, hub_ctx.tenant)
        cursors = {r.name: load_cursor(conn, hub_ctx.tenant, r.name) for r in records if r.name in statuses}
    rows = [connection_row(hub_ctx, c, statuses.get(c.name), cursors.get(c.name)) for c in records]
    if as_json:
        print_json({"connections": rows})
        return
    table = Table(title=f"Connections ({len(rows)})", title_justify="left")
    for column in ("name", "adapter", "channel", "options", "secrets", "enabled"):
        table.add_column(column, overflow="fold")
    for c in rows:
        table.add_row(
            c["name"],
            c["adapter"],
            c["channel"],
            ", ".join(f"{k}={v}" for k, v in c["options"].items()),
            ", ".join(f"{k}={v}" for k, v in c["secrets"].items()),
            "yes" if c["enabled"] else f"no ({c['disabled_reason']})",
        )
    out().print(table)
    polling = [c for c in rows if c["schedule"] is not None]
    if not polling:
        return
    table = Table(title=f"Polling ({len(polling)})", title_justify="left")
    for column in ("name", "schedule", "last poll", "last success", "cursor", "polled", "errors"):
        table.add_column(column, overflow="fold")
    for c in polling:
        poll = c["poll"] or {}
        table.add_row(
            c["name"],
            c["schedule"],
            _when(poll.get("last_poll_at")),
            _when(poll.get("last_success_at")),
            _cursor_text(c["cursor"]),
            str(poll.get("messages_polled", "-")),
            _errors_text(poll),
        )
    out().print(table)


def _when(value: str | None) -> str:
    return value[:19].replace("T", " ") + "Z" if value else "-"


def _cursor_text(cursor: dict[str, Any] | None) -> str:
    if not cursor:
        return "-"
    text = f">= {cursor['lower']}"
    if cursor["seen_at_lower"]:
        text += f" (+{len(cursor['seen_at_lower'])} seen)"
    if cursor["upper"]:
        text += f", < {cursor['upper']}"
    return text


def _errors_text(poll: dict[str, Any]) -> str:
    if not poll.get("last_error_code"):
        return "-" if not poll else "none"
    streak = poll["consecutive_errors"]
    text = f"{streak} in a row" if streak else "recovered"
    text += f"; last {_when(poll['last_error_at'])} {poll['last_error_code']}: {poll['last_error']}"
    if streak and poll.get("next_poll_at"):
        text += f"; next poll after {_when(poll['next_poll_at'])}"
    return text


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Connection name, e.g. shop-eu."),
    adapter: str = typer.Option(..., "--adapter", help="Adapter name (see `hub adapters list`)."),
    option: list[str] | None = typer.Option(None, "--option", "-o", help="KEY=VALUE adapter option (repeatable)."),
    secret: list[str] | None = typer.Option(
        None, "--secret", help="KEY=ENV_VAR: the secret KEY is read from ENV_VAR at run time (repeatable)."
    ),
    channel: str | None = typer.Option(None, "--channel", help="Channel identity orders carry (default: NAME)."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite an existing connection of that name."),
) -> None:
    """Add a connection; its options are checked by building the adapter's config (secret values never shown)."""
    hub_ctx = hub(ctx)
    spec = hub_ctx.registry.get(adapter)  # UnknownAdapter says "did you mean ...?"
    options = {k: option_value(v) for k, v in parse_pairs(option, "--option").items()}
    secret_refs = parse_pairs(secret, "--secret")
    secret_keys = set(spec.secret_fields())
    for key in options:
        if key in secret_keys:
            usage_error(f"{key!r} is a secret of adapter {adapter}: pass it as --secret {key}=ENV_VAR, not --option")
    for key, env_var in secret_refs.items():
        if not env_var.replace("_", "").isalnum():
            usage_error(f"--secret {key}=... must name an environment variable (letters, digits, _), not a value")
    environ = dict(hub_ctx.environ)
    unset = [
        v for v in secret_refs.values() if resolve_secret(v, environ=environ, secrets_file=hub_ctx.secrets_file) is None
    ]
    environ.update({v: PLACEHOLDER for v in unset})
    if Capability.POLLER in spec.capabilities:
        schedule_for(name, options)  # a ConfigError naming the option: exit 2, nothing stored
    adapter_options = {k: v for k, v in options.items() if k not in HUB_OPTIONS | SCHEDULE_OPTIONS}
    build_config(
        spec.config,
        adapter_options,
        secret_refs,
        adapter=spec.name,
        connection=name,
        environ=environ,
        secrets_file=hub_ctx.secrets_file,
    )
    record = ConnectionRecord(
        name=name,
        adapter=spec.name,
        channel=channel or name,
        tenant=hub_ctx.tenant,
        options=options,
        secret_refs=secret_refs,
    )
    with hub_ctx.engine.begin() as conn:
        add_connection(conn, record, replace=replace)
    out().print(f"connection {name} added (adapter {spec.name}, channel {record.channel})")
    for env_var in unset:
        err().print(
            f"[yellow]warning:[/] {env_var} is not set here (nor in {hub_ctx.secrets_file}); "
            f"set it where the hub runs or the connection will stop on first use"
        )
