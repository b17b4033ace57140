"""Which connection takes which kind of outbound message, and where an order's answers go back to."""

from __future__ import annotations

from sqlalchemy import Connection, select

from hub.context import HubContext
from hub.outbox.rows import KIND_CAPABILITY, OPT_IN_KINDS
from hub.store.connections import ConnectionRecord, get_connection
from hub.store.tables import inbox, orders


def accepts(ctx: HubContext, record: ConnectionRecord, kind: str) -> bool:
    """True when the connection's adapter has a sink for `kind` that takes it (see rows.KIND_CAPABILITY)."""
    capability = KIND_CAPABILITY.get(kind)
    if capability is None:
        return False
    try:
        adapter = ctx.registry.get(record.adapter)
    except Exception:  # an adapter that is not installed takes nothing
        return False
    if capability not in adapter.capabilities:
        return False
    kinds = getattr(adapter.implementation(capability), "kinds", None)
    if kinds is None:
        return kind not in OPT_IN_KINDS
    return kind in kinds


def origin_connection(conn: Connection, ctx: HubContext, order_id: str) -> ConnectionRecord | None:
    """The connection the order came in through (that of the message that created or last amended it)."""
    row = conn.execute(
        select(inbox.c.connection)
        .select_from(orders.join(inbox, inbox.c.id == orders.c.message_id))
        .where(orders.c.tenant == ctx.tenant, orders.c.id == order_id)
    ).first()
    if row is None:
        return None
    return get_connection(conn, ctx.tenant, row.connection, missing_ok=True)
