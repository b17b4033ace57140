"""The built-in resolve actions and their registration: dismiss, review a split, notify, restock or quarantine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

from hub.exceptions import notify, return_actions
from hub.exceptions.actions import ANY_KIND, register_action
from hub.exceptions.kinds import DISMISS, ExceptionKind
from hub.exceptions.store import ExceptionRecord

if TYPE_CHECKING:
    from hub.context import HubContext


def dismiss(conn: Connection, ctx: HubContext, record: ExceptionRecord) -> str:
    """Any kind: nothing is changed; the resolution, its author and note are the record."""
    return "dismissed; nothing changed"


def review_split(conn: Connection, ctx: HubContext, record: ExceptionRecord) -> str:
    """order_split: the operator accepts the split as allocated."""
    shipments = record.detail.get("shipments")
    if isinstance(shipments, list):
        nodes = sorted({str(s["node"]) for s in shipments if isinstance(s, dict) and s.get("node")})
        where = f" from {', '.join(nodes)}" if nodes else ""
        return f"split accepted as allocated: {len(shipments)} shipments{where}"
    if isinstance(shipments, int):
        return f"split accepted as allocated: {shipments} shipments"
    return "split accepted as allocated"


def register_builtin_actions() -> None:
    """Register the hub's own handlers (idempotent). The allocator registers its actions itself."""
    register_action(ANY_KIND, DISMISS, dismiss)
    register_action(ExceptionKind.ORDER_SPLIT, "review_split", review_split)
    register_action(ExceptionKind.CARRIER_DELAY, "repromise_and_notify", notify.repromise_and_notify)
    register_action(ExceptionKind.BROKEN_PROMISE, "notify_customer", notify.notify_customer)
    register_action(ExceptionKind.RETURN_RECEIVED, "restock", return_actions.restock)
    register_action(ExceptionKind.RETURN_RECEIVED, "quarantine", return_actions.quarantine)
    register_action(ExceptionKind.RETURN_RECEIVED, "restock_and_quarantine", return_actions.restock_and_quarantine)
