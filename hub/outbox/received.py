"""A partner's acknowledgment of what the hub sent, reconciled against the envelopes the outbox numbered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select

from hub.errors import Location, RecordError
from hub.exceptions.kinds import ExceptionKind
from hub.exceptions.store import raise_exception
from hub.model.documents import AckStatus, ReceivedAck
from hub.model.ids import utcnow
from hub.outbox.numbering import sent_envelope
from hub.store.tables import outbox, sent_envelopes

X12_ACKS = frozenset({"997", "999", "TA1"})


class AckForUnknownEnvelope(RecordError):
    code = "ack_unknown_control_number"


def scope_of(ack: ReceivedAck) -> str:
    """The numbering scope an acknowledgment answers in: `x12:<partner>` or `edifact:<partner>`."""
    standard = "x12" if ack.kind.upper() in X12_ACKS else "edifact"
    return f"{standard}:{ack.partner}"


def reconcile(conn: Connection, tenant: str, ack: ReceivedAck) -> str:
    """Mark what the hub sent under the acknowledged number; a rejection opens an `edi_rejected` exception.

    Returns the outbox id of the acknowledged message. An ack with counter `document` names a business
    reference (order, shipment or invoice number) instead of a control number: the newest interchange
    that carried it is the one acknowledged. An ack of something the hub never sent is a RecordError (the
    message stays in the inbox, visible).
    """
    scope = scope_of(ack)
    try:
        value = int(ack.control_number)
    except ValueError:
        value = None
    sent = sent_envelope(conn, tenant, scope, ack.counter, value) if value is not None else None
    if sent is None and ack.counter == "document":
        sent = sent_for_document(conn, tenant, scope, ack.control_number)
        value = int(sent.value) if sent is not None else None
    if sent is None:
        raise AckForUnknownEnvelope(
            f"{ack.kind} from {ack.partner} acknowledges {ack.counter} {ack.control_number}, "
            f"which the hub never sent under {scope}",
            location=Location(field="control_number"),
        )
    s = sent_envelopes.c
    conn.execute(
        sent_envelopes.update()
        .where(s.tenant == tenant, s.scope == scope, s.counter == sent.counter, s.value == value)
        .values(
            ack_status=ack.status.value,
            ack_detail={"kind": ack.kind, "ack": ack.external_id, "errors": list(ack.errors)},
            acked_at=utcnow(),
        )
    )
    if ack.status == AckStatus.REJECTED:
        raise_exception(
            conn,
            tenant,
            ExceptionKind.EDI_REJECTED,
            summary=(
                f"{ack.partner} rejected {sent.kind} message {sent.outbox_id} ({sent.counter} {value}) in its "
                f"{ack.kind}: {'; '.join(ack.errors) or 'no reason given'}"
            ),
            detail={
                "scope": scope,
                "counter": sent.counter,
                "control_number": value,
                "outbox_id": sent.outbox_id,
                "kind": sent.kind,
                "errors": list(ack.errors),
            },
        )
    return str(sent.outbox_id)


DOCUMENT_SEARCH_LIMIT = 2000  # newest interchanges of the partner searched for a business reference


def document_references(body: Mapping[str, Any]) -> set[str]:
    """The business numbers a sent message carries: the order's ids, the shipment's and the invoice's."""
    order = body.get("order") or {}
    shipment = body.get("shipment") or {}
    found = {order.get("external_id"), order.get("id"), shipment.get("id"), shipment.get("external_id")}
    found |= {body.get("invoice_number"), body.get("transfer_id")}
    return {str(ref) for ref in found if ref}


def sent_for_document(conn: Connection, tenant: str, scope: str, reference: str) -> Any:
    """The newest interchange sent under `scope` whose message carries the business `reference` (an APERAK
    that names only the order or invoice number it answers), or None."""
    s, o = sent_envelopes.c, outbox.c
    rows = conn.execute(
        select(sent_envelopes, o.body)
        .join(outbox, o.id == s.outbox_id)
        .where(s.tenant == tenant, s.scope == scope, s.counter == "interchange")
        .order_by(s.value.desc())
        .limit(DOCUMENT_SEARCH_LIMIT)
    )
    return next((row for row in rows if reference in document_references(row.body or {})), None)
