"""Release messages: what each node is sent to ship, one message per shipment of an allocation plan."""

from __future__ import annotations

from hub.allocation.allocator import Allocation
from hub.model.order import Order
from hub.outbox.enqueue import Outgoing


def release_messages(order: Order, order_id: str, allocation: Allocation) -> list[Outgoing]:
    """One release per shipment to the connection of its node, with that shipment's lines and carrier."""
    shipments = allocation.decision.shipments
    out: list[Outgoing] = []
    by_line = {line.line_no: line for line in order.lines}
    for number, shipment in enumerate(shipments, start=1):
        node = allocation.nodes[shipment.node]
        if not node.connection:
            continue
        lines = [
            by_line[p.line_no].model_copy(update={"quantity": p.quantity})
            for p in shipment.lines
            if p.line_no in by_line
        ]
        body = order.model_copy(update={"id": order_id, "status": allocation.status, "lines": lines}).public_dict()
        body["node"] = node.code
        body["shipment"] = {"number": number, "of": len(shipments), **shipment.as_dict()}
        key = f"order_release:{order_id}:r{order.revision}" + (f":{node.code}" if len(shipments) > 1 else "")
        out.append(Outgoing(connection=node.connection, kind="order_release", idempotency_key=key, body=body))
    return out
