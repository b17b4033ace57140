"""What the console's buttons do: replay a message now (inbox: process again; outbox: deliver again), resolve or
acknowledge an exception. Each returns one sentence for the operator; refusals are HubErrors or NotFound."""

from __future__ import annotations

from hub.context import HubContext
from hub.exceptions import acknowledge
from hub.exceptions.resolve import resolve_exception
from hub.pipeline.replay import replay_inbox, replay_outbox
from hub.store.queries import NotFound


def replay_message(ctx: HubContext, message_id: str) -> tuple[bool, str]:
    """Replay an inbox (`msg_...`) or outbox (`out_...`) message now; (worked, what happened)."""
    if message_id.startswith("out_"):
        return _replay_outbox(ctx, message_id)
    return _replay_inbox(ctx, message_id)


def _replay_inbox(ctx: HubContext, message_id: str) -> tuple[bool, str]:
    report = replay_inbox(ctx, message_id)
    if report is None:
        raise NotFound(f"no inbox message {message_id!r}")
    if report.status in {"accepted", "duplicate"}:
        docs = ", ".join(f"{d.get('type')} {d.get('external_id')} ({d.get('outcome')})" for d in report.documents)
        return True, f"replayed {message_id}: {report.status}" + (f": {docs}" if docs else "")
    errors = "; ".join(str(e.get("message")) for e in report.errors[:3])
    return False, f"replayed {message_id}: {report.status}" + (f": {errors}" if errors else "")


def _replay_outbox(ctx: HubContext, message_id: str) -> tuple[bool, str]:
    replayed = replay_outbox(ctx, message_id)
    if replayed is None:
        raise NotFound(f"no dead or delivered outbox message {message_id!r} to replay")
    detail = f": {replayed.error}" if replayed.error else ""
    return replayed.status == "delivered", f"replayed {message_id}: {replayed.status}{detail}"


def resolve(ctx: HubContext, exception_id: str, action: str | None, note: str | None, by: str) -> str:
    """Run the action on the exception and mark it resolved (all or nothing)."""
    outcome = resolve_exception(ctx, exception_id, action=action or None, note=(note or "").strip() or None, by=by)
    return f"{exception_id} resolved by {outcome.action}: {outcome.result}"


def acknowledge_exception(ctx: HubContext, exception_id: str, by: str) -> str:
    with ctx.engine.begin() as conn:
        record = acknowledge(conn, ctx.tenant, exception_id, by)
    return f"{record.id} acknowledged by {by}"
