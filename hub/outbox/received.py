"""A partner's acknowledgment of what the hub sent, reconciled against the envelopes the outbox numbered."""

from __future__ import annotations

from sqlalchemy import Connection

from hub.errors import Location, RecordError
from hub.exceptions.kinds import ExceptionKind
from hub.exceptions.store import raise_exception
from hub.model.documents import AckStatus, ReceivedAck
from hub.model.ids import utcnow
from hub.outbox.numbering import sent_envelope
from hub.store.tables import sent_envelopes

X12_ACKS = frozenset({"997", "999", "TA1"})


class AckForUnknownEnvelope(RecordError):
    code = "ack_unknown_control_number"


def scope_of(ack: ReceivedAck) -> str:
    """The numbering scope an acknowledgment answers in: `x12:<partner>` or `edifact:<partner>`."""
    standard = "x12" if ack.kind.upper() in X12_ACKS else "edifact"
    return f"{standard}:{ack.partner}"


def reconcile(conn: Connection, tenant: str, ack: ReceivedAck) -> str:
    """Mark what the hub sent under the acknowledged number; a rejection opens an `edi_rejected` exception.

    Returns the outbox id of the acknowledged message. An ack of a number the hub never sent is a
    RecordError (the message stays in the inbox, visible).
    """
    scope = scope_of(ack)
    try:
        value = int(ack.control_number)
    except ValueError:
        value = None
    sent = sent_envelope(conn, tenant, scope, ack.counter, value) if value is not None else None
    if sent is None:
        raise AckForUnknownEnvelope(
            f"{ack.kind} from {ack.partner} acknowledges {ack.counter} {ack.control_number}, "
            f"which the hub never sent under {scope}",
            location=Location(field="control_number"),
        )
    s = sent_envelopes.c
    conn.execute(
        sent_envelopes.update()
        .where(s.tenant == tenant, s.scope == scope, s.counter == ack.counter, s.value == value)
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
                f"{ack.partner} rejected {sent.kind} message {sent.outbox_id} ({ack.counter} {value}) in its "
                f"{ack.kind}: {'; '.join(ack.errors) or 'no reason given'}"
            ),
            detail={
                "scope": scope,
                "counter": ack.counter,
                "control_number": value,
                "outbox_id": sent.outbox_id,
                "kind": sent.kind,
                "errors": list(ack.errors),
            },
        )
    return str(sent.outbox_id)
