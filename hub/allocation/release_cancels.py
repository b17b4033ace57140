"""Withdrawing releases: when the hub cancels an order, its releases that have not left are withdrawn, and each
warehouse that was sent one is told (`release_cancel`).

Runs BEFORE the cancellation is applied (it reads the reservations the order still holds at each node), in the same
transaction. An `order_release` still pending in the outbox is marked superseded: it never leaves. A node whose
release is delivering or delivered gets a `release_cancel` when its connection's ORDER_SINK names that kind in its
`kinds` (opt-in: a file drop that cannot take a cancellation is never sent one). Body: the order as its release
carried it (`id`, `external_id`, the lines held at that node, ...), plus `node` and `reason`.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from hub.allocation.reallocate import held, load_order
from hub.context import HubContext
from hub.model.order import OrderStatus
from hub.outbox.enqueue import Outgoing
from hub.outbox.routing import accepts
from hub.store.connections import get_connection
from hub.store.tables import nodes, outbox

KIND = "release_cancel"
LEFT = frozenset({"delivering", "delivered"})  # a release in these states may be at the warehouse


def withdraw_releases(conn: Connection, ctx: HubContext, order_id: str, *, reason: str) -> list[Outgoing]:
    """Supersede the order's pending releases; a `release_cancel` per node whose release has left and takes one."""
    order = load_order(conn, ctx.tenant, order_id)
    if order.status == OrderStatus.CANCELLED:
        return []  # cancelled before: its releases were withdrawn or cancelled then
    of_order = (
        outbox.c.tenant == ctx.tenant,
        outbox.c.kind == "order_release",
        outbox.c.idempotency_key.like(f"order_release:{order_id}:%"),
    )
    # still in the outbox: withdrawn, the warehouse never hears of the order (a worker's claim of one is serialised)
    conn.execute(update(outbox).where(*of_order, outbox.c.status == "pending").values(status="superseded"))
    sent_to = set(conn.execute(select(outbox.c.connection).where(*of_order, outbox.c.status.in_(LEFT))).scalars())
    if not sent_to:
        return []
    by_node: dict[str, set[int]] = {}
    for res in held(conn, order_id):
        by_node.setdefault(res.node, set()).add(res.line_no)
    rows = conn.execute(
        select(nodes.c.code, nodes.c.connection).where(nodes.c.tenant == ctx.tenant, nodes.c.code.in_(sorted(by_node)))
    ).all()
    out: list[Outgoing] = []
    for code, connection in sorted(rows):
        if connection not in sent_to:
            continue
        record = get_connection(conn, ctx.tenant, connection, missing_ok=True)
        if record is None or not accepts(ctx, record, KIND):
            continue
        lines = [line for line in order.lines if line.line_no in by_node[code]]
        body = order.model_copy(update={"lines": lines}).public_dict()
        body |= {"id": order_id, "node": code, "reason": reason}
        out.append(Outgoing(connection=record.name, kind=KIND, idempotency_key=f"{KIND}:{order_id}:{code}", body=body))
    return out
