"""Availability updates to channels: one outbox message per SKU per publishing connection, latest state wins."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

from hub.allocation.ledger import StockView, load_levels
from hub.context import HubContext
from hub.model.ids import new_id, utcnow
from hub.model.money import decimal_str
from hub.outbox.enqueue import Outgoing
from hub.plugins.capabilities import Capability
from hub.stock.channels import enabled_node_codes
from hub.store.connections import ConnectionRecord

TRUE = frozenset({"1", "true", "yes"})


def publishes_stock(ctx: HubContext, record: ConnectionRecord) -> bool:
    """A connection gets availability updates when it is enabled, has option publish_stock true, and its
    adapter offers a stock sink."""
    return (
        record.enabled
        and str(record.options.get("publish_stock", "")).lower() in TRUE
        and ctx.offers(record, Capability.STOCK_SINK)
    )


def stock_publishers(ctx: HubContext, records: Iterable[ConnectionRecord]) -> list[ConnectionRecord]:
    return sorted((r for r in records if publishes_stock(ctx, r)), key=lambda r: r.name)


def availability_updates(
    conn: Connection,
    ctx: HubContext,
    skus: Iterable[str],
    *,
    view: StockView | None = None,
    node_codes: Sequence[str] | None = None,
    connections: Iterable[ConnectionRecord] | None = None,
) -> list[Outgoing]:
    """The available-to-sell of `skus` for each publishing connection's channel, as outbox messages.

    Reads the levels as this transaction sees them, unless given a `view` (the pipeline's, with the batch's
    reservations not yet written) and the enabled `node_codes` it allocates from. `coalesce_key`
    `stock:<connection>:<sku>` lets the outbox keep only the newest pending figure.
    """
    wanted = sorted(set(skus))
    if not wanted:
        return []
    publishers = stock_publishers(ctx, ctx.connections(conn) if connections is None else connections)
    if not publishers:
        return []
    if view is None:
        view = load_levels(conn, ctx.tenant, wanted)
    codes = enabled_node_codes(conn, ctx.tenant) if node_codes is None else list(node_codes)
    now = utcnow().isoformat()
    out: list[Outgoing] = []
    for record in publishers:
        for sku in wanted:
            available = view.total_available(sku, codes, record.channel)
            out.append(
                Outgoing(
                    connection=record.name,
                    kind="stock",
                    idempotency_key=f"stock:{record.name}:{sku}:{new_id('st')}",
                    coalesce_key=f"stock:{record.name}:{sku}",
                    body={"sku": sku, "available": decimal_str(available), "as_of": now},
                )
            )
    return out
