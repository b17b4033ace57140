"""Stock changes for the faces: each opens a transaction, applies the change, and queues the availability
updates it causes in that same transaction (so a change and its announcement commit or roll back together)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection

from hub.allocation.stock_import import StockRow, apply_stock_rows, read_stock_csv
from hub.context import HubContext
from hub.outbox.enqueue import enqueue
from hub.stock.channels import remove_channel_reservation, set_channel_reservation, skus_covered
from hub.stock.holds import EVERY, HoldRule
from hub.stock.incoming import Incoming, add_incoming, cancel_incoming, receive_incoming
from hub.stock.movements import Movement, apply_movement, ship_reserved
from hub.stock.publish import availability_updates
from hub.stock.safety import set_safety
from hub.stock.snapshots import SnapshotReport, apply_snapshot


def publish(conn: Connection, ctx: HubContext, skus: Iterable[str]) -> int:
    """Queue the current availability of `skus` to every publishing connection; returns how many were queued."""
    return enqueue(conn, ctx.tenant, availability_updates(conn, ctx, skus))


def move(
    ctx: HubContext,
    node: str,
    sku: str,
    delta: Decimal,
    kind: str,
    *,
    reference: str | None = None,
    at: datetime | None = None,
) -> Movement:
    with ctx.engine.begin() as conn:
        movement = apply_movement(conn, ctx.tenant, node, sku, delta, kind, reference=reference, at=at)
        publish(conn, ctx, [sku])
    return movement


def ship(ctx: HubContext, order_id: str, node: str, sku: str, qty: Decimal) -> Movement:
    with ctx.engine.begin() as conn:
        movement = ship_reserved(conn, ctx.tenant, order_id, node, sku, qty)
        publish(conn, ctx, [sku])
    return movement


def snapshot(
    ctx: HubContext,
    node: str,
    counts: Mapping[str, Decimal],
    *,
    as_of: datetime,
    reference: str,
    full: bool = True,
    force: bool = False,
) -> SnapshotReport:
    """Reconcile a count; availability is published for the SKUs whose on hand changed."""
    with ctx.engine.begin() as conn:
        report = apply_snapshot(
            conn, ctx.tenant, node, counts, as_of=as_of, reference=reference, full=full, force=force
        )
        publish(conn, ctx, report.changed_skus)
    return report


def import_csv(ctx: HubContext, path: Path) -> tuple[list[StockRow], list[SnapshotReport]]:
    """A node,sku,on_hand file as partial snapshots of its nodes (all rows or none), then published."""
    rows = read_stock_csv(path)
    with ctx.engine.begin() as conn:
        reports = apply_stock_rows(conn, ctx.tenant, rows, reference=f"import:{path.name}")
        publish(conn, ctx, {sku for report in reports for sku in report.changed_skus})
    return rows, reports


def safety(ctx: HubContext, node: str, sku: str, qty: Decimal) -> Decimal:
    with ctx.engine.begin() as conn:
        before = set_safety(conn, ctx.tenant, node, sku, qty)
        publish(conn, ctx, [sku])
    return before


def expect(ctx: HubContext, node: str, sku: str, qty: Decimal, expected_on: date, reference: str | None = None) -> str:
    """Incoming stock changes no availability figure yet: nothing is published."""
    with ctx.engine.begin() as conn:
        return add_incoming(conn, ctx.tenant, node, sku, qty, expected_on, reference)


def receive(ctx: HubContext, incoming_id: str, qty: Decimal | None = None) -> Movement:
    with ctx.engine.begin() as conn:
        movement = receive_incoming(conn, ctx.tenant, incoming_id, qty)
        publish(conn, ctx, [movement.sku])
    return movement


def cancel(ctx: HubContext, incoming_id: str) -> Incoming:
    with ctx.engine.begin() as conn:
        return cancel_incoming(conn, ctx.tenant, incoming_id)


def hold(
    ctx: HubContext,
    channel: str,
    *,
    node: str = EVERY,
    sku: str = EVERY,
    fixed: Decimal | None = None,
    share: Decimal | None = None,
) -> HoldRule:
    """Set a hold; every channel's availability of the SKUs it covers changes, so all are published."""
    with ctx.engine.begin() as conn:
        rule = set_channel_reservation(conn, ctx.tenant, channel, node=node, sku=sku, fixed=fixed, share=share)
        publish(conn, ctx, skus_covered(conn, ctx.tenant, node=node, sku=sku))
    return rule


def unhold(ctx: HubContext, channel: str, *, node: str = EVERY, sku: str = EVERY) -> bool:
    with ctx.engine.begin() as conn:
        removed = remove_channel_reservation(conn, ctx.tenant, channel, node=node, sku=sku)
        if removed:
            publish(conn, ctx, skus_covered(conn, ctx.tenant, node=node, sku=sku))
    return removed
