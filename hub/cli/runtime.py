"""`hub serve`, `hub worker` and `hub db upgrade`: the long-running processes and the schema."""

from __future__ import annotations

import logging

import typer

from hub.store.db import is_postgres
from hub.store.migrate import current_revision, head_revision, upgrade

from .common import hub, out, state

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8080, "--port", help="TCP port."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes for inbox and outbox."),
) -> None:
    """Run everything from one command: the HTTP API, plus worker processes (pipeline, outbox, scheduler)."""
    from hub.service import serve as run_service

    _logging()
    run_service(hub(ctx), host=host, port=port, workers=workers)


def worker(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="Do one round (a pipeline batch and an outbox batch), then exit."),
    idle_exit: float | None = typer.Option(None, "--idle-exit", help="Exit after this many idle seconds."),
    schedule: bool = typer.Option(
        False, "--schedule", help="Also run the polling scheduler (any number of instances may: ticks are claimed)."
    ),
) -> None:
    """Process the inbox and deliver the outbox until stopped (SIGTERM or Ctrl-C)."""
    from hub.service import run_worker

    _logging()
    run_worker(hub(ctx), once=once, idle_exit=idle_exit, schedule=schedule)


def api(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8080, "--port", help="TCP port."),
) -> None:
    """Run the HTTP API alone (production shape: workers and the scheduler run as their own processes)."""
    from hub.api.app import create_app
    from hub.api.server import run_api

    _logging()
    run_api(create_app(hub(ctx)), host, port)


def scheduler(ctx: typer.Context) -> None:
    """Run the polling scheduler alone until stopped (one poll per connection per tick, under a lease)."""
    from hub.service import run_scheduler

    _logging()
    run_scheduler(hub(ctx))


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Migrate the database to the newest schema (explicit on PostgreSQL; automatic on SQLite)."""
    engine = state(ctx).hub(migrate=False).engine
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    kind = "PostgreSQL" if is_postgres(engine) else engine.dialect.name
    if before == after:
        out().print(f"{kind} database already at {after} (head {head_revision()})")
    else:
        out().print(f"{kind} database upgraded from {before or 'empty'} to {after}")
