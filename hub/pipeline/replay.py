"""Replay one message now, for the faces (CLI, API, console): an inbox message processed again, or an outbox
message delivered again, within the context's tenant."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from hub.context import HubContext
from hub.pipeline.inbox import requeue
from hub.pipeline.ingest import FileReport, report_for
from hub.pipeline.runner import Pipeline
from hub.store.db import read_only
from hub.store.tables import outbox


def replay_inbox(ctx: HubContext, message_id: str) -> FileReport | None:
    """Requeue the tenant's inbox message and process it now; None when the tenant has no such message."""
    with ctx.engine.begin() as conn:
        if not requeue(conn, message_id, tenant=ctx.tenant):
            return None
    pipeline = Pipeline(ctx)
    pipeline.run_once(ids=[message_id], limit=1)
    return report_for(pipeline, message_id, message_id)


@dataclass(frozen=True)
class OutboxReplay:
    """What became of a replayed outbox message: its status, attempts and last error."""

    status: str
    attempts: int
    error: str | None = None
    error_code: str | None = None


def replay_outbox(ctx: HubContext, message_id: str) -> OutboxReplay | None:
    """Put the tenant's dead or delivered outbox message back and run one outbox round now; None when it cannot be
    replayed. The round delivers whatever else is due too, as `hub worker --once` would."""
    from hub.outbox.worker import OutboxWorker
    from hub.outbox.worker import replay as replay_row

    with ctx.engine.begin() as conn:
        if not replay_row(conn, message_id, tenant=ctx.tenant):
            return None
    mine = next((r for r in OutboxWorker(ctx).run_once() if r.id == message_id), None)
    if mine is not None:
        return OutboxReplay(str(mine.outcome), mine.attempts, mine.error, mine.error_code)
    with read_only(ctx.engine) as conn:
        row = conn.execute(
            select(outbox.c.status, outbox.c.attempts, outbox.c.last_error, outbox.c.last_error_code).where(
                outbox.c.id == message_id
            )
        ).one()
    return OutboxReplay(row.status, row.attempts, row.last_error, row.last_error_code)
