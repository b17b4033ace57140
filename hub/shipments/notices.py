"""What a recorded shipment sends: the shipment notice (tracking) to the order's channel, and an invoice where asked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from hub.allocation.reallocate import load_order
from hub.context import HubContext
from hub.jsonable import to_jsonable
from hub.model.order import Order
from hub.model.shipment import Shipment
from hub.outbox.enqueue import Outgoing
from hub.outbox.routing import accepts, origin_connection


def edi_partner(order: Order) -> str | None:
    """The trading partner an EDI order came from (the EDI adapters put it in attributes["edi"])."""
    edi = order.attributes.get("edi")
    return str(edi["partner"]) if isinstance(edi, dict) and edi.get("partner") else None


def order_body(order: Order) -> dict[str, Any]:
    return order.public_dict() | {"id": order.id}


def shipment_notices(
    conn: Connection, ctx: HubContext, order_id: str, shipment_id: str, shipment: Shipment
) -> list[Outgoing]:
    """A `shipment` message for the channel the order came from, and an `invoice` when its partner wants one."""
    origin = origin_connection(conn, ctx, order_id)
    if origin is None:
        return []
    order = load_order(conn, ctx.tenant, order_id)
    partner = edi_partner(order)
    shipment_json = to_jsonable(shipment.model_dump(mode="json", exclude_none=True)) | {"id": shipment_id}
    common: dict[str, Any] = {"order": order_body(order), "shipment": shipment_json}
    if partner:
        common["partner"] = partner
    out: list[Outgoing] = []
    if accepts(ctx, origin, "shipment"):
        out.append(
            Outgoing(connection=origin.name, kind="shipment", idempotency_key=f"shipment:{shipment_id}", body=common)
        )
    profile = ctx.partners.get(partner) if partner else None
    if profile is not None and profile.send_invoices and accepts(ctx, origin, "invoice"):
        out.append(
            Outgoing(
                connection=origin.name,
                kind="invoice",
                idempotency_key=f"invoice:{shipment_id}",
                body=common | invoice_figures(order, shipment, shipment_id),
            )
        )
    return out


def invoice_figures(order: Order, shipment: Shipment, shipment_id: str) -> dict[str, Any]:
    """The invoice of one shipment: what shipped, at the order's unit prices."""
    prices = {line.line_no: line for line in order.lines}
    lines = []
    total = Decimal(0)
    for shipped in shipment.lines:
        ordered = prices.get(shipped.line_no)
        unit = ordered.unit_price if ordered else Decimal(0)
        amount = unit * shipped.quantity
        total += amount
        lines.append(
            {
                "line_no": shipped.line_no,
                "sku": shipped.sku,
                "quantity": str(shipped.quantity),
                "unit_price": str(unit),
                "amount": str(amount),
            }
        )
    return {
        "invoice_number": shipment_id.upper().replace("_", "")[-22:],
        "invoice_date": shipment.shipped_at.date().isoformat(),
        "currency": order.currency,
        "lines": lines,
        "total": str(total),
    }
