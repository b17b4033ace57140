"""Delivery promises (available-to-promise): where, how and when a basket can ship and arrive, kept or broken."""

from hub.promise.answer import PromiseAnswer, ShipmentPromise
from hub.promise.engine import Promiser, ShipmentDater, parse_items, promise_for
from hub.promise.errors import PromiseError
from hub.promise.service import PromiseRequest, answer_request
from hub.promise.store import (
    BROKEN,
    EXPIRED,
    KEPT,
    OPEN,
    PromiseCheck,
    check_promise,
    get_promise,
    save_promise,
)

__all__ = [
    "BROKEN",
    "EXPIRED",
    "KEPT",
    "OPEN",
    "PromiseAnswer",
    "PromiseCheck",
    "PromiseError",
    "PromiseRequest",
    "Promiser",
    "ShipmentDater",
    "ShipmentPromise",
    "answer_request",
    "check_promise",
    "get_promise",
    "parse_items",
    "promise_for",
    "save_promise",
]
