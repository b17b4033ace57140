"""Long-running processes: the worker loop (pipeline + outbox) and `hub serve` (API + workers + scheduler)."""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from hub.context import HubContext

log = logging.getLogger(__name__)


def work_once(ctx: HubContext) -> int:
    """One round: a pipeline batch and an outbox batch. Returns how many items were handled."""
    from hub.outbox.worker import OutboxWorker
    from hub.pipeline.runner import Pipeline

    handled = len(Pipeline(ctx).run_once())
    handled += len(OutboxWorker(ctx).run_once())
    return handled


def retry_backorders_once(ctx: HubContext) -> int:
    """Allocate backordered orders that stock has since arrived for; returns how many were allocated."""
    from hub.allocation.allocator import Allocator
    from hub.allocation.reallocate import retry_backorders

    with ctx.engine.begin() as conn:
        return len(retry_backorders(conn, ctx.tenant, Allocator.for_hub(ctx.environ, ctx.home), ctx=ctx))


SQLITE_GAP_SECONDS = 0.002
"""A busy worker on SQLite pauses this long between rounds, so that the webhook intake, waiting for the one write
lock (hub.store.db.POLL_WRITE_LOCK), gets it between two of the worker's transactions."""


def run_worker(
    ctx: HubContext,
    *,
    once: bool = False,
    idle_exit: float | None = None,
    stop: threading.Event | None = None,
    idle_sleep: float = 0.5,
    backorder_every: float = 30.0,
    schedule: bool = False,
) -> None:
    """Process inbox and outbox until stopped (SIGTERM/SIGINT), or once, or after `idle_exit` idle seconds.

    Every `backorder_every` seconds, backordered orders are allocated again if stock has arrived.
    With `schedule`, the process also runs the polling scheduler (not with `once`): any number of
    workers may, each tick of a connection is polled by one of them (docs/scheduler.md).
    """
    stop = stop or _stop_on_signals()
    if schedule and not once:
        scheduler = _start_scheduler(ctx)
        try:
            _work(ctx, stop, once, idle_exit, idle_sleep, backorder_every)
        finally:
            scheduler.shutdown(wait=True)
        return
    _work(ctx, stop, once, idle_exit, idle_sleep, backorder_every)


def _work(
    ctx: HubContext,
    stop: threading.Event,
    once: bool,
    idle_exit: float | None,
    idle_sleep: float,
    backorder_every: float,
) -> None:
    idle_since = time.monotonic()
    backorders_due = time.monotonic() + backorder_every
    sqlite = ctx.engine.dialect.name == "sqlite"
    while not stop.is_set():
        try:
            handled = work_once(ctx)
            if time.monotonic() >= backorders_due:
                backorders_due = time.monotonic() + backorder_every
                handled += retry_backorders_once(ctx)
        except Exception:
            log.exception("worker round failed; retrying after a pause")
            handled = 0
            stop.wait(2.0)
        if once:
            return
        if handled:
            idle_since = time.monotonic()
            if sqlite:
                stop.wait(SQLITE_GAP_SECONDS)
            continue
        if idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
            return
        stop.wait(idle_sleep)


def run_scheduler(ctx: HubContext, *, stop: threading.Event | None = None, holder: str | None = None) -> None:
    """Run the polling scheduler until stopped; other instances may run too (each tick is polled once)."""
    stop = stop or _stop_on_signals()
    scheduler = _start_scheduler(ctx, holder=holder)
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)


def _start_scheduler(ctx: HubContext, *, holder: str | None = None) -> Any:
    from hub.scheduler.jobs import build_scheduler

    scheduler = build_scheduler(ctx, holder=holder)
    scheduler.start()
    log.info(
        "scheduler started: %d polling connections",
        len([j for j in scheduler.get_jobs() if j.id != "sync-connections"]),
    )
    return scheduler


def serve(ctx: HubContext, host: str = "127.0.0.1", port: int = 8080, *, workers: int = 1) -> None:
    """The embedded default from one command: the HTTP API in this process; the pipeline and outbox workers and
    the polling scheduler in `workers` `hub worker` processes it starts, watches and stops (hub.background).

    The workers are processes, not threads of the API: the pipeline's CPU (about as much as the intake's under a
    webhook storm) would otherwise share one GIL with the API and set its latency. They read the same
    environment as this process, so `ctx` must be the environment's (as the CLI builds it).
    """
    from hub.api.app import create_app
    from hub.api.server import run_api
    from hub.background import WorkerProcesses

    # Uvicorn handles SIGTERM/SIGINT itself, then raises the signal again once it has shut down: this handler
    # takes that second one, so the worker processes are stopped in order and `hub serve` exits 0.
    _stop_on_signals()
    background = WorkerProcesses(workers)
    background.start()
    try:
        run_api(create_app(ctx), host, port)
    finally:
        background.stop()


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    return stop
