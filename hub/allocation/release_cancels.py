"""Withdrawing releases: when the hub cancels an order, its releases that have not left are withdrawn, and each
warehouse that was sent one is told (`release_cancel`).

Runs BEFORE the cancellation is applied, in the same transaction. An `order_release` still pending in the outbox
is marked superseded: it never leaves. A connection whose release is delivering or delivered gets a
`release_cancel` when its ORDER_SINK names that kind in its `kinds` (opt-in: a file drop that cannot take a
cancellation is never sent one). Body: what the release carried (`id`, `external_id`, `node`, the shipment's
lines...), plus `reason`.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from hub.context import HubContext
from hub.model.order import OrderStatus
from hub.outbox.enqueue import Outgoing
from hub.outbox.routing import accepts
from hub.store.connections import get_connection
from hub.store.tables import orders, outbox

KIND = "release_cancel"
LEFT = frozenset({"delivering", "delivered"})  # a release in these states may be at the warehouse


def withdraw_releases(conn: Connection, ctx: HubContext, order_id: str, *, reason: str) -> list[Outgoing]:
    """Supersede the order's pending releases; a `release_cancel` per node whose release has left and takes one."""
    status = conn.execute(select(orders.c.status).where(orders.c.id == order_id)).scalar_one()
    if status == OrderStatus.CANCELLED:
        return []  # cancelled before: its releases were withdrawn or cancelled then
    of_order = (
        outbox.c.tenant == ctx.tenant,
        outbox.c.kind == "order_release",
        outbox.c.idempotency_key.like(f"order_release:{order_id}:%"),
    )
    # still in the outbox: withdrawn, the warehouse never hears of the order (a worker's claim of one is serialised)
    conn.execute(update(outbox).where(*of_order, outbox.c.status == "pending").values(status="superseded"))
    left = conn.execute(
        select(outbox.c.connection, outbox.c.body).where(*of_order, outbox.c.status.in_(LEFT)).order_by(outbox.c.id)
    ).all()
    out: list[Outgoing] = []
    for connection, release in left:
        record = get_connection(conn, ctx.tenant, connection, missing_ok=True)
        if record is None or not accepts(ctx, record, KIND):
            continue
        body = {**release, "reason": reason}  # what the warehouse was sent: the shipment's lines and quantities
        key = f"{KIND}:{order_id}:{release.get('node') or connection}"
        out.append(Outgoing(connection=record.name, kind=KIND, idempotency_key=key, body=body))
    return out
