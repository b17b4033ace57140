"""The `hub` console script: assembles the command groups and turns hub errors into exit codes."""

from __future__ import annotations

from typing import Any

import click
import typer
from rich.markup import escape
from typer.core import TyperGroup

from hub.allocation.flows import register_allocation_actions
from hub.errors import HubError

from . import (
    adapters,
    connections,
    exceptions,
    messages,
    nodes,
    orders,
    partners,
    products,
    returns,
    rules,
    runtime,
    shipments,
    stock,
    tokens,
)
from .common import err, exit_code_for
from .demo import demo
from .ingest import ingest
from .promise import promise


class HubGroup(TyperGroup):
    """Root group: a HubError anywhere becomes a one-line message and exit 1 (or 2 for configuration)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HubError as exc:
            err().print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True, markup=True, highlight=False)
            raise typer.Exit(exit_code_for(exc)) from None


app = typer.Typer(
    name="hub",
    cls=HubGroup,
    help="Order-orchestration hub: capture orders from every channel, allocate stock, deliver to nodes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

app.command("demo")(demo)
app.command("serve")(runtime.serve)
app.command("worker")(runtime.worker)
app.command("api")(runtime.api)
app.command("scheduler")(runtime.scheduler)
app.command("ingest")(ingest)
app.command("promise")(promise)
app.add_typer(orders.app, name="orders")
app.add_typer(stock.app, name="stock")
app.add_typer(nodes.app, name="nodes")
app.add_typer(products.app, name="products")
app.add_typer(messages.app, name="messages")
app.add_typer(adapters.list_app, name="adapters")
app.add_typer(adapters.new_app, name="adapter")
app.add_typer(connections.app, name="connections")
app.add_typer(runtime.db_app, name="db")
app.add_typer(exceptions.app, name="exceptions")
app.add_typer(returns.app, name="returns")
app.add_typer(rules.app, name="rules")
app.add_typer(partners.app, name="partners")
app.add_typer(shipments.app, name="shipments")
app.add_typer(tokens.app, name="tokens")
register_allocation_actions()


def run() -> None:
    app()
