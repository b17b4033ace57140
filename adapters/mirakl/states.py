"""What the hub does with a Mirakl order in each state (OR11 `order_state`).

Only a SHIPPING order (accepted and paid: Mirakl now waits for the shop to ship it) becomes a hub order
to allocate and release. Earlier states wait (or, for WAITING_ACCEPTANCE, get the OR21 verdict from the
poller); later states only carry cancellations; REFUSED orders never were the hub's. Mirakl may add
states: an unknown one produces no document and a reported error, never a guess.
"""

from __future__ import annotations

from enum import StrEnum


class Handling(StrEnum):
    WAIT = "wait"  # nothing to do yet: the order may still be refused, cancelled or not paid
    ACCEPT = "accept"  # the poller decides OR21 accept/refuse per line; no document
    ORDER = "order"  # a canonical Order (plus cancellations of its lines)
    FOLLOW_UP = "follow_up"  # the hub has the order already: only line cancellations matter
    CANCELLED = "cancelled"  # a Cancellation of the whole order, if it ever reached SHIPPING
    IGNORE = "ignore"  # never a hub order (refused at acceptance)


STATES: dict[str, Handling] = {
    "STAGING": Handling.WAIT,  # fraud check on the operator's side
    "WAITING_ACCEPTANCE": Handling.ACCEPT,
    "WAITING_DEBIT": Handling.WAIT,
    "WAITING_DEBIT_PAYMENT": Handling.WAIT,
    "SHIPPING": Handling.ORDER,
    "TO_COLLECT": Handling.FOLLOW_UP,
    "SHIPPED": Handling.FOLLOW_UP,
    "RECEIVED": Handling.FOLLOW_UP,
    "INCIDENT_OPEN": Handling.FOLLOW_UP,
    "INCIDENT_CLOSED": Handling.FOLLOW_UP,
    "REFUNDED": Handling.FOLLOW_UP,
    "CLOSED": Handling.FOLLOW_UP,
    "CANCELED": Handling.CANCELLED,
    "REFUSED": Handling.IGNORE,
}

LINE_NOT_ACCEPTED = frozenset({"REFUSED", "WAITING_ACCEPTANCE"})
"""Line states that never belonged to the order the shop accepted."""


def handling(state: str | None) -> Handling | None:
    """How the hub treats an order in `state`; None for a state this adapter does not know."""
    return STATES.get((state or "").upper())
