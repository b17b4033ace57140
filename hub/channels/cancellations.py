"""Cancellation write-back: an `order_cancel` outbox message to the channel an order came from, when the hub cancels it.

Built BEFORE the cancellation is applied (a line cancellation deletes the lines from the order, and a channel's
sink needs them, with their channel echoes, to name what it cancels), queued in the same transaction.

Body of an `order_cancel` message:
    order              the order as it was before the cancellation (Order.public_dict() plus `id`)
    order_external_id  the channel's order id
    source             the order's channel (DocumentRef.source)
    line_nos           [] for the whole order, else the cancelled line numbers
    lines              the cancelled lines: line_no, sku, quantity (all lines for a whole-order cancellation)
    reason             free text for the channel's note (who cancelled and why)
    reason_code        optional short code (customer | inventory | fraud | declined | other)
    cancelled_by       "operator", or the source of the partner document that asked
Opt-in: only a connection whose SHIPMENT_SINK names "order_cancel" in its `kinds` is sent one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from hub.context import HubContext
from hub.jsonable import to_jsonable
from hub.model.order import OrderStatus
from hub.outbox.enqueue import Outgoing, enqueue
from hub.outbox.routing import accepts, origin_connection

KIND = "order_cancel"
REASON_CODES = frozenset({"customer", "inventory", "fraud", "declined", "other"})


def cancel_notices(
    conn: Connection,
    ctx: HubContext,
    order_id: str,
    *,
    reason: str,
    line_nos: Iterable[int] = (),
    cancelled_by: str = "operator",
    reason_code: str | None = None,
) -> list[Outgoing]:
    """The `order_cancel` message for the order's channel, or none: no channel connection, its sink does not take
    cancellations, the order is already cancelled, or the channel itself asked for the cancellation."""
    from hub.allocation.reallocate import load_order  # the allocation layer imports the channel layer's users

    origin = origin_connection(conn, ctx, order_id)
    if origin is None or not accepts(ctx, origin, KIND):
        return []
    order = load_order(conn, ctx.tenant, order_id)
    if order.status == OrderStatus.CANCELLED or cancelled_by in {order.source, origin.channel, origin.name}:
        return []
    wanted = sorted(set(line_nos))
    lines = [line for line in order.lines if not wanted or line.line_no in wanted]
    if wanted and len(lines) == len(order.lines):
        wanted = []  # every line: that is the whole order
    code = (reason_code or "").lower() or None
    body: dict[str, Any] = {
        "order": to_jsonable(order.public_dict() | {"id": order.id}),
        "order_external_id": order.external_id,
        "source": order.source,
        "line_nos": wanted,
        "lines": [{"line_no": ln.line_no, "sku": ln.sku, "quantity": str(ln.quantity)} for ln in lines],
        "reason": reason,
        "reason_code": code if code in REASON_CODES else ("other" if code else None),
        "cancelled_by": cancelled_by,
    }
    key = f"{KIND}:{order_id}" + (f":lines:{','.join(map(str, wanted))}" if wanted else "")
    return [Outgoing(connection=origin.name, kind=KIND, idempotency_key=key, body=body)]


def queue_cancel_notices(conn: Connection, ctx: HubContext, notices: list[Outgoing]) -> int:
    """Queue what cancel_notices() built, once the cancellation itself is applied (same transaction)."""
    return enqueue(conn, ctx.tenant, notices)
