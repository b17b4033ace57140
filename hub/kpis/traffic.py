"""Message traffic per bucket: inbound messages and failures per connection, outbound dead letters, and what
each trading partner sent (inbound through connections naming it) and rejected (its 997/999/CONTRL)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, select

from hub.kpis.periods import Bucket, bucket_of, within
from hub.store.connections import list_connections
from hub.store.tables import inbox, outbox, sent_envelopes


def connection_partners(conn: Connection, tenant: str) -> dict[str, str]:
    """connection name -> the partner its options name (EDI connections' default partner)."""
    out: dict[str, str] = {}
    for record in list_connections(conn, tenant):
        partner = record.options.get("partner")
        if isinstance(partner, str) and partner:
            out[record.name] = partner
    return out


def _keep(name: str, allowed: Collection[str] | None) -> bool:
    return allowed is None or name in allowed


def connection_traffic(
    conn: Connection, tenant: str, spans: list[Bucket], *, allowed: Collection[str] | None = None
) -> dict[int, dict[str, dict[str, int]]]:
    """bucket -> connection -> received, failed (inbox, by received_at) and sent, dead (outbox, by created_at)."""
    out: dict[int, dict[str, dict[str, int]]] = {}

    def slot(b: int, name: str) -> dict[str, int]:
        return out.setdefault(b, {}).setdefault(name, {"received": 0, "failed": 0, "sent": 0, "dead": 0})

    i = inbox.c
    bucket = bucket_of(i.received_at, spans).label("bucket")
    stmt = (
        select(
            bucket,
            i.connection,
            func.count().label("n"),
            func.sum(case((i.status == "failed", 1), else_=0)).label("failed"),
        )
        .where(i.tenant == tenant, within(i.received_at, spans), bucket.is_not(None))
        .group_by(bucket, i.connection)
    )
    for row in conn.execute(stmt):
        if _keep(row.connection, allowed):
            s = slot(row.bucket, row.connection)
            s["received"], s["failed"] = int(row.n), int(row.failed or 0)
    o = outbox.c
    bucket = bucket_of(o.created_at, spans).label("bucket")
    stmt = (
        select(
            bucket,
            o.connection,
            func.sum(case((o.status == "delivered", 1), else_=0)).label("sent"),
            func.sum(case((o.status == "dead", 1), else_=0)).label("dead"),
        )
        .where(o.tenant == tenant, within(o.created_at, spans), bucket.is_not(None))
        .group_by(bucket, o.connection)
    )
    for row in conn.execute(stmt):
        if _keep(row.connection, allowed):
            s = slot(row.bucket, row.connection)
            s["sent"], s["dead"] = int(row.sent or 0), int(row.dead or 0)
    return out


def partner_of_scope(scope: str) -> str:
    """`x12:ACME` -> ACME (the numbering scopes are `<standard>:<partner>`)."""
    return scope.split(":", 1)[1] if ":" in scope else scope


def sent_messages(
    tenant: str, *, numbered_since: datetime | None = None, numbered_until: datetime | None = None
) -> Any:
    """One row per numbered outbound message: its partner scope, connection, when it was numbered, whether the
    partner acknowledged it (any of its envelopes) and whether it rejected it. The hub's own acks are left out.
    A message's envelopes are numbered at once, so bounds on their `created_at` bound the message."""
    s, o = sent_envelopes.c, outbox.c
    bounds = []
    if numbered_since is not None:
        bounds.append(s.created_at >= numbered_since)
    if numbered_until is not None:
        bounds.append(s.created_at < numbered_until)
    return (
        select(
            s.scope,
            s.outbox_id,
            o.connection,
            o.status.label("outbox_status"),
            o.delivered_at,
            func.min(s.created_at).label("sent_at"),
            func.max(case((s.ack_status.is_not(None), 1), else_=0)).label("acked"),
            func.max(case((s.ack_status == "rejected", 1), else_=0)).label("rejected"),
        )
        .join(outbox, o.id == s.outbox_id)
        .where(s.tenant == tenant, s.kind != "ack", *bounds)
        .group_by(s.scope, s.outbox_id, o.connection, o.status, o.delivered_at)
        .subquery("sent_messages")
    )


def partner_traffic(
    conn: Connection,
    tenant: str,
    spans: list[Bucket],
    inbound: dict[int, dict[str, dict[str, int]]],
    *,
    allowed: Collection[str] | None = None,
) -> dict[int, dict[str, dict[str, int]]]:
    """bucket -> partner -> received, failed (inbound through its connections), sent, acknowledged, rejected."""
    partners = connection_partners(conn, tenant)
    out: dict[int, dict[str, dict[str, int]]] = {}

    def slot(b: int, name: str) -> dict[str, int]:
        zero = {"received": 0, "failed": 0, "sent": 0, "acknowledged": 0, "rejected": 0}
        return out.setdefault(b, {}).setdefault(name, zero)

    for b, per_connection in inbound.items():
        for name, figures in per_connection.items():
            if name in partners and figures["received"]:
                s = slot(b, partners[name])
                s["received"] += figures["received"]
                s["failed"] += figures["failed"]
    sent = sent_messages(tenant, numbered_since=spans[0].start, numbered_until=spans[-1].end)
    bucket = bucket_of(sent.c.sent_at, spans).label("bucket")
    stmt = (
        select(
            bucket,
            sent.c.scope,
            sent.c.connection,
            func.count().label("n"),
            func.sum(sent.c.acked).label("acked"),
            func.sum(sent.c.rejected).label("rejected"),
        )
        .where(bucket.is_not(None))
        .group_by(bucket, sent.c.scope, sent.c.connection)
    )
    for row in conn.execute(stmt):
        if not _keep(row.connection, allowed):
            continue
        s = slot(row.bucket, partner_of_scope(row.scope))
        s["sent"] += int(row.n)
        s["acknowledged"] += int(row.acked or 0)
        s["rejected"] += int(row.rejected or 0)
    return out
