"""One SKU across the network: per node on hand, reserved, safety, free, holds, incoming and freshness,
and what each channel (with a hold or a publishing connection) may sell.

`available` is physically free stock (on hand less reserved and safety); a channel's `available` also
subtracts the holds of the other channels. Totals count enabled nodes only.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from hub.allocation.ledger import load_levels
from hub.context import HubContext
from hub.model.ids import utcnow
from hub.stock.holds import read_hold_rules
from hub.stock.incoming import list_incoming
from hub.stock.publish import stock_publishers
from hub.store.tables import nodes


def age_seconds(as_of: datetime | None, now: datetime) -> int | None:
    return None if as_of is None else max(int((now - as_of).total_seconds()), 0)


def sku_overview(conn: Connection, ctx: HubContext, sku: str, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    view = load_levels(conn, ctx.tenant, [sku])
    n = nodes.c
    node_rows = {r.code: r for r in conn.execute(select(nodes).where(n.tenant == ctx.tenant).order_by(n.code))}
    incoming = list_incoming(conn, ctx.tenant, sku=sku)
    publishers = stock_publishers(ctx, ctx.connections(conn))
    channels = sorted({r.channel for r in read_hold_rules(conn, ctx.tenant, [sku])} | {p.channel for p in publishers})
    codes = sorted({c for c in node_rows if view.get(c, sku)} | {i.node for i in incoming})
    enabled = [c for c in codes if c in node_rows and node_rows[c].enabled]
    per_node = []
    for code in codes:
        level = view.get(code, sku)
        row = node_rows.get(code)
        as_of = row.stock_as_of if row is not None else None
        per_node.append(
            {
                "node": code,
                "enabled": bool(row.enabled) if row is not None else False,
                "on_hand": level.on_hand if level else Decimal(0),
                "reserved": level.reserved if level else Decimal(0),
                "safety": level.safety if level else Decimal(0),
                "available": level.available if level else Decimal(0),
                "holds": dict(level.holds) if level else {},
                "incoming": [
                    {"id": i.id, "expected_on": i.expected_on, "quantity": i.quantity, "reference": i.reference}
                    for i in incoming
                    if i.node == code
                ],
                "stock_as_of": as_of,
                "age_seconds": age_seconds(as_of, now),
            }
        )
    return {
        "sku": sku,
        "nodes": per_node,
        "available": sum((e["available"] for e in per_node if e["node"] in enabled), Decimal(0)),
        "incoming": sum((i.quantity for i in incoming), Decimal(0)),
        "channels": [
            {
                "channel": channel,
                "available": view.total_available(sku, enabled, channel),
                "by_node": {code: view.available(code, sku, channel) for code in enabled},
                "connections": [p.name for p in publishers if p.channel == channel],
            }
            for channel in channels
        ],
    }
