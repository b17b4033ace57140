"""What the console's buttons do: replay a message now (inbox: process again; outbox: deliver again), resolve or
acknowledge an exception. Each returns one sentence for the operator; refusals are HubErrors or NotFound."""

from __future__ import annotations

from sqlalchemy import select

from hub.context import HubContext
from hub.exceptions import acknowledge
from hub.exceptions.resolve import resolve_exception
from hub.pipeline.inbox import requeue
from hub.pipeline.ingest import report_for
from hub.pipeline.runner import Pipeline
from hub.store.db import read_only
from hub.store.queries import NotFound
from hub.store.tables import inbox, outbox


def replay_message(ctx: HubContext, message_id: str) -> tuple[bool, str]:
    """Replay an inbox (`msg_...`) or outbox (`out_...`) message now; (worked, what happened)."""
    if message_id.startswith("out_"):
        return _replay_outbox(ctx, message_id)
    return _replay_inbox(ctx, message_id)


def _replay_inbox(ctx: HubContext, message_id: str) -> tuple[bool, str]:
    with ctx.engine.begin() as conn:
        found = conn.execute(
            select(inbox.c.id).where(inbox.c.tenant == ctx.tenant, inbox.c.id == message_id)
        ).scalar_one_or_none()
        if found is None or not requeue(conn, message_id):
            raise NotFound(f"no inbox message {message_id!r}")
    pipeline = Pipeline(ctx)
    pipeline.run_once(ids=[message_id], limit=1)
    report = report_for(pipeline, message_id, message_id)
    if report.status in {"accepted", "duplicate"}:
        docs = ", ".join(f"{d.get('type')} {d.get('external_id')} ({d.get('outcome')})" for d in report.documents)
        return True, f"replayed {message_id}: {report.status}" + (f": {docs}" if docs else "")
    errors = "; ".join(str(e.get("message")) for e in report.errors[:3])
    return False, f"replayed {message_id}: {report.status}" + (f": {errors}" if errors else "")


def _replay_outbox(ctx: HubContext, message_id: str) -> tuple[bool, str]:
    from hub.outbox.worker import OutboxWorker
    from hub.outbox.worker import replay as replay_row

    with ctx.engine.begin() as conn:
        if not replay_row(conn, message_id, tenant=ctx.tenant):
            raise NotFound(f"no dead or delivered outbox message {message_id!r} to replay")
    results = OutboxWorker(ctx).run_once()
    mine = next((r for r in results if r.id == message_id), None)
    if mine is None:
        with read_only(ctx.engine) as conn:
            status = conn.execute(select(outbox.c.status).where(outbox.c.id == message_id)).scalar_one()
        return status == "delivered", f"replayed {message_id}: {status}"
    if mine.error:
        return mine.outcome == "delivered", f"replayed {message_id}: {mine.outcome}: {mine.error}"
    return mine.outcome == "delivered", f"replayed {message_id}: {mine.outcome}"


def resolve(ctx: HubContext, exception_id: str, action: str | None, note: str | None, by: str) -> str:
    """Run the action on the exception and mark it resolved (all or nothing)."""
    outcome = resolve_exception(ctx, exception_id, action=action or None, note=(note or "").strip() or None, by=by)
    return f"{exception_id} resolved by {outcome.action}: {outcome.result}"


def acknowledge_exception(ctx: HubContext, exception_id: str, by: str) -> str:
    with ctx.engine.begin() as conn:
        record = acknowledge(conn, ctx.tenant, exception_id, by)
    return f"{record.id} acknowledged by {by}"
