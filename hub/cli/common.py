"""What every command shares: the lazily opened hub context, exit codes, JSON and rich output."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine

from hub.context import HubContext
from hub.errors import ConfigError, HubError, PluginError
from hub.jsonable import to_jsonable
from hub.model.money import decimal_str
from hub.store.db import is_postgres, make_engine
from hub.store.migrate import is_up_to_date, upgrade

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class SchemaBehind(ConfigError):
    """The PostgreSQL schema is older than this code: `hub db upgrade` must run first."""

    code = "schema_behind"


@dataclass
class State:
    """Per-invocation state kept in click's `ctx.obj`: the hub context is opened on first use only."""

    _hub: HubContext | None = field(default=None, repr=False)

    def hub(self, *, migrate: bool = True) -> HubContext:
        if self._hub is None:
            engine = make_engine()
            if migrate:
                ensure_schema(engine)
            self._hub = HubContext.from_env(engine=engine)
        return self._hub

    def close(self) -> None:
        if self._hub is not None:
            self._hub.engine.dispose()
            self._hub = None


def ensure_schema(engine: Engine) -> None:
    """Embedded SQLite migrates itself on first use; PostgreSQL must be upgraded explicitly."""
    if is_up_to_date(engine):
        return
    if is_postgres(engine):
        raise SchemaBehind("the database schema is behind this version of the hub; run `hub db upgrade` first")
    upgrade(engine)


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
        root.call_on_close(root.obj.close)
    return root.obj


def hub(ctx: typer.Context) -> HubContext:
    return state(ctx).hub()


def out() -> Console:
    """Console on stdout (created per call so test runners that swap sys.stdout see the output)."""
    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


def err() -> Console:
    return Console(file=sys.stderr, highlight=False)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(to_jsonable(data, normalize_decimals=True), ensure_ascii=False, indent=2))


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    err().print(f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def usage_error(message: str) -> NoReturn:
    fail(message, EXIT_USAGE)


def exit_code_for(error: HubError) -> int:
    """Configuration and plugin problems (unknown adapter or connection) are usage errors."""
    return EXIT_USAGE if isinstance(error, ConfigError | PluginError) else EXIT_FAILED


def fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_str(value)
    return str(value)


def parse_pairs(values: list[str] | None, what: str) -> dict[str, str]:
    """`KEY=VALUE` options into a dict; a missing `=` is a usage error."""
    pairs: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            usage_error(f"{what} {item!r} must look like KEY=VALUE")
        pairs[key.strip()] = value.strip()
    return pairs


STATUS_STYLE = {
    "accepted": "green",
    "processed": "green",
    "delivered": "green",
    "allocated": "green",
    "released": "green",
    "duplicate": "yellow",
    "backordered": "yellow",
    "pending": "yellow",
    "received": "cyan",
    "rejected": "red",
    "failed": "red",
    "dead": "red",
    "superseded": "dim",
}


def styled(status: str | None) -> str:
    text = status or ""
    style = STATUS_STYLE.get(text)
    return f"[{style}]{text}[/]" if style else text


def order_id_for(hub_ctx: HubContext, key: str) -> str:
    """A hub order id from a hub id or a channel's external id (as `hub orders show` accepts); exits if none."""
    from hub.store import queries
    from hub.store.db import read_only

    with read_only(hub_ctx.engine) as conn:
        try:
            return str(queries.get_order(conn, hub_ctx.tenant, key)["id"])
        except queries.NotFound as exc:
            fail(str(exc))
        except queries.Ambiguous as exc:
            usage_error(str(exc))
