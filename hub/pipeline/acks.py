"""Sending the hub's acknowledgments of a message (997/999/TA1, CONTRL) through the outbox, numbered and rendered.

The acknowledgments are queued in the pipeline's transaction. When the connection's ack sink numbers
envelopes, the control numbers are drawn right here (gap-free, in the same transaction) so the
ingest report can show the exact text that will be sent.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, select

from hub.context import HubContext
from hub.outbox.enqueue import Outgoing, enqueue
from hub.outbox.numbering import number_message
from hub.outbox.routing import accepts
from hub.plugins.capabilities import Capability
from hub.plugins.messages import OutboundMessage
from hub.store.connections import ConnectionRecord
from hub.store.tables import outbox

log = logging.getLogger(__name__)


def send_acks(
    conn: Connection, ctx: HubContext, connections: dict[str, ConnectionRecord], row: Any, acks: list[BaseModel]
) -> list[dict[str, Any]]:
    """Queue each ack to the connection the message came in on; returns what the inbox result records."""
    reported: list[dict[str, Any]] = []
    record = connections.get(row.connection)
    sink = None
    if record is not None and accepts(ctx, record, "ack"):
        sink = ctx.capability(record, Capability.ACK_SINK)
    for index, ack in enumerate(acks):
        body = ack.model_dump(mode="json")
        entry = {k: body.get(k) for k in ("kind", "partner", "status", "code", "acknowledged_id", "errors")}
        if sink is None or not body.get("partner"):
            entry["sent"] = False
            entry["why_not_sent"] = "the connection has no ack sink" if sink is None else "unknown partner"
            entry["content"] = body.get("content")
            reported.append(entry)
            continue
        key = f"ack:{row.id}:{index}"
        enqueue(conn, ctx.tenant, [Outgoing(connection=row.connection, kind="ack", idempotency_key=key, body=body)])
        stored = conn.execute(
            select(outbox.c.id, outbox.c.created_at).where(
                outbox.c.tenant == ctx.tenant, outbox.c.idempotency_key == key
            )
        ).one()
        message = OutboundMessage(
            id=stored.id,
            kind="ack",
            connection=row.connection,
            idempotency_key=key,
            body=body,
            tenant=ctx.tenant,
            created_at=stored.created_at,
        )
        numbers: dict[str, int] = {}
        wanted = sink.numbering(message) if callable(getattr(sink, "numbering", None)) else None
        if wanted is not None:
            numbers = number_message(conn, ctx.tenant, stored.id, "ack", wanted.scope, wanted.counters)
        entry["sent"] = True
        entry["outbox_id"] = stored.id
        entry["control_numbers"] = numbers
        render = getattr(sink, "render", None)
        if callable(render):
            rendered = OutboundMessage(**{**message.__dict__, "control_numbers": numbers})
            entry["content"] = render(rendered)
        else:
            entry["content"] = body.get("content")
        reported.append(entry)
    return reported
