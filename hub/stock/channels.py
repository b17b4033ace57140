"""Channel reservations (holds): stock ring-fenced for a channel, and available-to-sell per channel.

A hold of channel C at (node, sku) is `fixed` units or `floor(share * free)`, where free is on hand less
reserved and safety; the most specific rule of C wins (node+sku, node+*, *+sku, *+*). Channel X may sell
`max(0, free - holds of every other channel)`: a channel's own hold stays sellable by it.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import Connection, delete, select

from hub.allocation.ledger import load_levels
from hub.errors import Location
from hub.model.ids import utcnow
from hub.stock.errors import ChannelHoldError
from hub.stock.holds import EVERY, FIXED, SHARE, HoldRule, read_hold_rules
from hub.store.sql import upsert
from hub.store.tables import channel_reservations, nodes, stock_levels


def _check(channel: str, fixed: Decimal | None, share: Decimal | None) -> tuple[str, Decimal]:
    if not channel:
        raise ChannelHoldError("a hold needs a channel", location=Location(field="channel"))
    if (fixed is None) == (share is None):
        raise ChannelHoldError(
            f"a hold of channel {channel!r} is either fixed units or a share, give exactly one",
            location=Location(field="fixed"),
        )
    if fixed is not None:
        if not isinstance(fixed, Decimal) or not fixed.is_finite() or fixed < 0:
            raise ChannelHoldError(
                f"fixed hold must be 0 or more units, got {fixed!r}", location=Location(field="fixed")
            )
        return FIXED, fixed
    assert share is not None
    if not isinstance(share, Decimal) or not share.is_finite() or not Decimal(0) <= share <= Decimal(1):
        raise ChannelHoldError(f"share must be between 0 and 1, got {share!r}", location=Location(field="share"))
    return SHARE, share


def set_channel_reservation(
    conn: Connection,
    tenant: str,
    channel: str,
    *,
    node: str = EVERY,
    sku: str = EVERY,
    fixed: Decimal | None = None,
    share: Decimal | None = None,
) -> HoldRule:
    """Hold stock for `channel` at `node` and `sku` ("*": every one): `fixed` units or a `share` (0..1) of free stock.
    Replaces the channel's rule for the same node and SKU."""
    mode, value = _check(channel, fixed, share)
    stmt = upsert(
        conn,
        channel_reservations,
        ["tenant", "channel", "node", "sku"],
        {"mode": None, "value": None, "updated_at": None},
    )
    conn.execute(
        stmt.values(tenant=tenant, channel=channel, node=node, sku=sku, mode=mode, value=value, updated_at=utcnow())
    )
    return HoldRule(channel, node, sku, mode, value)


def remove_channel_reservation(
    conn: Connection, tenant: str, channel: str, *, node: str = EVERY, sku: str = EVERY
) -> bool:
    """Remove one rule; False when there was none."""
    c = channel_reservations.c
    result = conn.execute(
        delete(channel_reservations).where(c.tenant == tenant, c.channel == channel, c.node == node, c.sku == sku)
    )
    return result.rowcount == 1


def list_channel_reservations(conn: Connection, tenant: str, *, channel: str | None = None) -> list[HoldRule]:
    rules = read_hold_rules(conn, tenant)
    return [r for r in rules if channel is None or r.channel == channel]


def enabled_node_codes(conn: Connection, tenant: str) -> list[str]:
    n = nodes.c
    return list(conn.execute(select(n.code).where(n.tenant == tenant, n.enabled == 1).order_by(n.code)).scalars())


def available_to_sell(conn: Connection, tenant: str, channel: str, skus: Iterable[str]) -> dict[str, Decimal]:
    """What `channel` may sell of each SKU, summed over enabled nodes."""
    wanted = sorted(set(skus))
    view = load_levels(conn, tenant, wanted)
    codes = enabled_node_codes(conn, tenant)
    return {sku: view.total_available(sku, codes, channel) for sku in wanted}


def skus_covered(conn: Connection, tenant: str, *, node: str = EVERY, sku: str = EVERY) -> list[str]:
    """The SKUs with stock levels that a rule at (node, sku) covers: whose availability it changes."""
    if sku != EVERY:
        return [sku]
    t = stock_levels.c
    stmt = select(t.sku).distinct().where(t.tenant == tenant)
    if node != EVERY:
        stmt = stmt.where(t.node == node)
    return list(conn.execute(stmt.order_by(t.sku)).scalars())
