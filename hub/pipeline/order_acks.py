"""Order acknowledgments (X12 855, EDIFACT ORDRSP) for partners whose connection takes them: what the hub accepted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from hub.allocation.allocator import Allocation
from hub.context import HubContext
from hub.model.order import Order, OrderStatus
from hub.outbox.enqueue import Outgoing
from hub.outbox.routing import accepts
from hub.shipments.notices import edi_partner, order_body
from hub.store.connections import ConnectionRecord


def ack_body(order: Order, order_id: str, allocation: Allocation) -> dict[str, Any]:
    """Per line: ordered, accepted now (reserved), and whether the rest waits (backordered)."""
    reserved: dict[int, Decimal] = defaultdict(Decimal)
    for row in allocation.reservations:
        reserved[int(row["line_no"])] += Decimal(row["quantity"])
    lines = []
    for line in order.lines:
        accepted = min(reserved.get(line.line_no, Decimal(0)), line.quantity)
        held_back = allocation.status in {OrderStatus.ON_HOLD, OrderStatus.RECEIVED}
        status = "accepted" if accepted >= line.quantity or held_back else "backordered"
        lines.append(
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "quantity": str(line.quantity),
                "accepted_quantity": str(line.quantity if held_back else accepted),
                "status": status,
            }
        )
    overall = "accepted" if all(ln["status"] == "accepted" for ln in lines) else "backordered"
    body: dict[str, Any] = {
        "order": order_body(order.model_copy(update={"id": order_id})),
        "status": overall,
        "lines": lines,
    }
    partner = edi_partner(order)
    if partner:
        body["partner"] = partner
    return body


def order_acks(
    ctx: HubContext,
    decided: Iterable[tuple[str, Order, Allocation, str]],
    connections: dict[str, ConnectionRecord],
) -> list[Outgoing]:
    """One `order_ack` per newly stored revision, for connections whose sink takes order acknowledgments."""
    out: list[Outgoing] = []
    for order_id, order, allocation, connection in decided:
        record = connections.get(connection)
        if record is None or not accepts(ctx, record, "order_ack"):
            continue
        out.append(
            Outgoing(
                connection=connection,
                kind="order_ack",
                idempotency_key=f"order_ack:{order_id}:r{order.revision}",
                body=ack_body(order, order_id, allocation),
            )
        )
    return out
