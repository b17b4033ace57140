"""Delivery hooks: what else changes, in the same transaction, when a message of some kind is delivered.

A hook is `fn(conn, row)`; the worker runs every hook of the row's kind in the transaction
that marks the row delivered. The built-in one moves a released order to `released`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Connection, select

from hub.errors import IllegalTransition
from hub.model.ids import utcnow
from hub.model.order import OrderStatus, check_transition
from hub.outbox.rows import OutboxRow
from hub.store.order_events import add_order_event, order_event
from hub.store.tables import orders

log = logging.getLogger(__name__)

DeliveryHook = Callable[[Connection, OutboxRow], None]

_HOOKS: dict[str, list[DeliveryHook]] = {}


def register_delivery_hook(kind: str, fn: DeliveryHook) -> DeliveryHook:
    """Run `fn(conn, row)` whenever a message of `kind` is delivered (registering twice is a no-op)."""
    hooks = _HOOKS.setdefault(kind, [])
    if fn not in hooks:
        hooks.append(fn)
    return fn


def unregister_delivery_hook(kind: str, fn: DeliveryHook) -> None:
    hooks = _HOOKS.get(kind, [])
    if fn in hooks:
        hooks.remove(fn)


def on_delivered(kind: str) -> Callable[[DeliveryHook], DeliveryHook]:
    """Decorator form of `register_delivery_hook`."""

    def register(fn: DeliveryHook) -> DeliveryHook:
        return register_delivery_hook(kind, fn)

    return register


def hooks_for(kind: str) -> list[DeliveryHook]:
    return list(_HOOKS.get(kind, ()))


def release_order(conn: Connection, row: OutboxRow) -> None:
    """An order release reached its node: the order goes allocated -> released, with an event.

    An order that moved on meanwhile (cancelled, re-allocated elsewhere) is left as it is.
    """
    order_id = row.body.get("id")
    if not order_id:
        log.warning("outbox %s (order_release) has no order id in its body; order status left as is", row.id)
        return
    current = conn.execute(
        select(orders.c.status).where(orders.c.tenant == row.tenant, orders.c.id == order_id)
    ).scalar_one_or_none()
    if current is None:
        return
    try:
        check_transition(OrderStatus(current), OrderStatus.RELEASED)
    except (IllegalTransition, ValueError):
        log.info("order %s is %s, not allocated: release of outbox %s leaves it as is", order_id, current, row.id)
        return
    now = utcnow()
    moved = conn.execute(
        orders.update()
        .where(orders.c.tenant == row.tenant, orders.c.id == order_id, orders.c.status == current)
        .values(status=OrderStatus.RELEASED.value, updated_at=now)
    ).rowcount
    if not moved:
        return
    add_order_event(
        conn,
        order_event(
            row.tenant,
            order_id,
            current,
            OrderStatus.RELEASED,
            f"released to {row.connection}",
            {"outbox_id": row.id},
            at=now,
        ),
    )


def register_builtin_hooks() -> None:
    """The hooks the hub itself needs; the worker calls this when it is imported."""
    register_delivery_hook("order_release", release_order)
