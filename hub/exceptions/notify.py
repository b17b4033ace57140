"""Customer notifications for exceptions: an outbox message to the connection the order arrived through."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from hub.exceptions.errors import ActionFailed
from hub.exceptions.store import ExceptionRecord, update_detail
from hub.outbox.enqueue import Outgoing, enqueue
from hub.store.tables import inbox, orders

if TYPE_CHECKING:
    from hub.context import HubContext

CUSTOMER_NOTIFICATION = "customer_notification"
"""The outbox kind of a message telling the channel (and through it the customer) about a new date."""


def notification_key(record: ExceptionRecord) -> str:
    """One notification per exception, however often its resolution is retried."""
    return f"exception:{record.id}:{CUSTOMER_NOTIFICATION}"


def order_origin(conn: Connection, tenant: str, order_id: str) -> tuple[Any, str]:
    """The order row and the connection it arrived through (orders.message_id -> inbox.connection)."""
    order = conn.execute(
        select(orders.c.id, orders.c.external_id, orders.c.source, orders.c.message_id).where(
            orders.c.tenant == tenant, orders.c.id == order_id
        )
    ).first()
    if order is None:
        raise ActionFailed(f"cannot notify: no order {order_id!r}")
    connection = conn.execute(
        select(inbox.c.connection).where(inbox.c.tenant == tenant, inbox.c.id == order.message_id)
    ).scalar_one_or_none()
    if connection is None:
        raise ActionFailed(f"cannot notify: the message {order.message_id} that brought order {order_id} is gone")
    return order, str(connection)


def queue_customer_notification(
    conn: Connection, tenant: str, record: ExceptionRecord, *, new_delivery_date: str | None
) -> str:
    """Queue the notification for `record`'s order; returns the connection it goes to."""
    if record.order_id is None:
        raise ActionFailed(f"cannot notify a customer about exception {record.id}: it concerns no order")
    order, connection = order_origin(conn, tenant, record.order_id)
    body = {
        "order_id": order.id,
        "external_id": order.external_id,
        "source": order.source,
        "new_delivery_date": new_delivery_date,
        "reason": str(record.detail.get("reason") or record.summary),
        "exception_id": record.id,
        "exception_kind": record.kind.value,
    }
    enqueue(conn, tenant, [Outgoing(connection, CUSTOMER_NOTIFICATION, notification_key(record), body)])
    return connection


def repromise_and_notify(conn: Connection, ctx: HubContext, record: ExceptionRecord) -> str:
    """carrier_delay: take the carrier's new delivery date as the promise and tell the customer."""
    new_date = record.detail.get("new_delivery_date")
    if not new_date:
        raise ActionFailed(
            f"cannot re-promise exception {record.id}: its detail has no new_delivery_date; "
            "dismiss it or raise it again with the carrier's new date"
        )
    connection = queue_customer_notification(conn, ctx.tenant, record, new_delivery_date=str(new_date))
    update_detail(conn, ctx.tenant, record.id, {"repromised_delivery_date": str(new_date)})
    return f"re-promised delivery by {new_date} and queued a customer notification to {connection}"


def notify_customer(conn: Connection, ctx: HubContext, record: ExceptionRecord) -> str:
    """broken_promise: tell the customer (with the new date when the exception knows one)."""
    new_date = record.detail.get("new_delivery_date")
    connection = queue_customer_notification(
        conn, ctx.tenant, record, new_delivery_date=str(new_date) if new_date else None
    )
    when = f" (new delivery date {new_date})" if new_date else ""
    return f"queued a customer notification to {connection}{when}"
