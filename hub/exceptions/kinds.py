"""The exception kinds: what each one means, the action it suggests and the actions an operator may choose."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.exceptions.errors import UnknownKind, did_you_mean


class ExceptionKind(StrEnum):
    SHORT_PICK = "short_pick"
    CARRIER_DELAY = "carrier_delay"
    ORDER_SPLIT = "order_split"
    NODE_REJECTION = "node_rejection"
    RETURN_RECEIVED = "return_received"
    BROKEN_PROMISE = "broken_promise"
    ON_HOLD = "on_hold"
    BACKORDER = "backorder"
    EDI_REJECTED = "edi_rejected"


DISMISS = "dismiss"
"""Every kind may be dismissed: resolved with nothing done but the record (and a timeline event)."""


@dataclass(frozen=True)
class KindSpec:
    """What the hub knows about one kind of exception.

    `suggested` is the action suggested when the raiser does not name one. `actions` are the
    choices on resolve (each needs a registered handler to run). `advisory` are suggestions that
    are not runnable by themselves (`review_hold`): resolving such an exception needs an explicit
    action. `key_fields` are the detail entries that identify the situation in the default dedup key.
    """

    kind: ExceptionKind
    description: str
    suggested: str
    actions: tuple[str, ...]
    key_fields: tuple[str, ...]
    advisory: tuple[str, ...] = ()

    def allows(self, action: str) -> bool:
        return action in self.actions

    def may_suggest(self, action: str) -> bool:
        return action in self.actions or action in self.advisory


_K = ExceptionKind
KINDS: dict[ExceptionKind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            _K.SHORT_PICK,
            "stock missing at pick: the node could not pick every unit it was sent",
            "reallocate_short_lines",
            ("reallocate_short_lines", "cancel_short_lines", DISMISS),
            ("node", "lines"),
        ),
        KindSpec(
            _K.CARRIER_DELAY,
            "the carrier will deliver later than promised",
            "repromise_and_notify",
            ("repromise_and_notify", DISMISS),
            ("shipment", "new_delivery_date"),
        ),
        KindSpec(
            _K.ORDER_SPLIT,
            "the order ships in more than one shipment",
            "review_split",
            ("review_split", DISMISS),
            ("shipments",),
        ),
        KindSpec(
            _K.NODE_REJECTION,
            "a node refused the order it was sent",
            "reallocate_elsewhere",
            ("reallocate_elsewhere", "cancel_order", DISMISS),
            ("node", "reference"),
        ),
        KindSpec(
            _K.RETURN_RECEIVED,
            "units came back to a node: restock or quarantine them (decided by the return rules)",
            "restock",
            ("restock", "quarantine", "restock_and_quarantine", DISMISS),
            ("reference", "node", "lines"),
        ),
        KindSpec(
            _K.BROKEN_PROMISE,
            "the promised delivery date can no longer be kept",
            "notify_customer",
            ("notify_customer", DISMISS),
            ("promised_delivery_latest",),
        ),
        KindSpec(
            _K.ON_HOLD,
            "a hold rule stopped the order (fraud, address check, payment pending)",
            "review_hold",
            ("release_hold", "cancel_order", DISMISS),
            ("hold",),
            advisory=("review_hold",),
        ),
        KindSpec(
            _K.BACKORDER,
            "the order could not be allocated: not enough stock anywhere",
            "wait_for_stock",
            ("retry_allocation", "cancel_order", DISMISS),
            ("lines",),
            advisory=("wait_for_stock",),
        ),
        KindSpec(
            _K.EDI_REJECTED,
            "a trading partner rejected a document the hub sent (997/999 AK5/IK5 R, TA1 R, CONTRL 4)",
            "review_and_replay",
            (DISMISS,),
            ("scope", "counter", "control_number"),
            advisory=("review_and_replay",),
        ),
    )
}


def parse_kind(text: str) -> ExceptionKind:
    """The kind named `text`; UnknownKind lists the kinds (and the nearest one)."""
    try:
        return ExceptionKind(text)
    except ValueError:
        names = [k.value for k in ExceptionKind]
        raise UnknownKind(
            f"unknown exception kind {text!r}{did_you_mean(text, names)} (kinds: {', '.join(names)})"
        ) from None


def kind_spec(kind: ExceptionKind | str) -> KindSpec:
    return KINDS[parse_kind(kind) if not isinstance(kind, ExceptionKind) else kind]
