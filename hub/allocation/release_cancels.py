"""Release cancellations: the hub cancelled an order a node was sent, so its warehouse is told (`release_cancel`).

Built BEFORE the cancellation is applied (it reads the reservations the order still holds at each node), queued in
the same transaction. One message per node whose connection's ORDER_SINK names `release_cancel` in its `kinds`
(opt-in: a file drop that cannot take a cancellation is never sent one). Body: the order as its release carried it
(`id`, `external_id`, lines held at that node, ...), plus `node` and `reason`.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from hub.allocation.reallocate import held, load_order
from hub.context import HubContext
from hub.model.order import OrderStatus
from hub.outbox.enqueue import Outgoing
from hub.outbox.routing import accepts
from hub.store.connections import get_connection
from hub.store.tables import nodes

KIND = "release_cancel"
SENT = frozenset({OrderStatus.RELEASED, OrderStatus.PARTIALLY_SHIPPED})


def release_cancel_messages(conn: Connection, ctx: HubContext, order_id: str, *, reason: str) -> list[Outgoing]:
    """A `release_cancel` per node that holds stock for the order and whose connection takes cancellations."""
    order = load_order(conn, ctx.tenant, order_id)
    if order.status not in SENT:
        return []  # not released yet: the pending release is superseded by the cancellation itself
    by_node: dict[str, set[int]] = {}
    for res in held(conn, order_id):
        by_node.setdefault(res.node, set()).add(res.line_no)
    if not by_node:
        return []
    rows = conn.execute(
        select(nodes.c.code, nodes.c.connection).where(nodes.c.tenant == ctx.tenant, nodes.c.code.in_(sorted(by_node)))
    ).all()
    out: list[Outgoing] = []
    for code, connection in sorted(rows):
        record = get_connection(conn, ctx.tenant, connection, missing_ok=True) if connection else None
        if record is None or not accepts(ctx, record, KIND):
            continue
        lines = [line for line in order.lines if line.line_no in by_node[code]]
        body = order.model_copy(update={"lines": lines}).public_dict() | {
            "id": order_id,
            "node": code,
            "reason": reason,
        }
        out.append(Outgoing(connection=record.name, kind=KIND, idempotency_key=f"{KIND}:{order_id}:{code}", body=body))
    return out
