"""X12 sinks: each outbound message becomes one interchange (ISA/GS/ST..SE/GE/IEA) addressed to a partner.

The hub draws the control numbers once per message (`numbering()`: scope `x12:<partner>`, counters
interchange and group; interchange only for a TA1) and passes them on every attempt; `render()` is pure
and deterministic (dates from message.created_at), so a retried delivery writes identical bytes to
`<outbound_dir>/<kind>-<safe key>.x12`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.x12.config import X12Config
from adapters.x12.envelope import TransactionSet, read_interchanges
from adapters.x12.outbound import DOCUMENTS
from adapters.x12.schema import validate_set
from adapters.x12.writer import render_interchange, render_ta1_interchange
from hub.edi.sinks import InterchangeSink, ack_content, ack_segments, drawn_number
from hub.errors import Location, MappingError
from hub.partners.profile import PartnerProfile
from hub.plugins.capabilities import Capability
from hub.plugins.messages import OutboundMessage

ACK_VERSION_999 = "005010X231A1"
MAX_CONTROL = 999_999_999


class _X12Sink(InterchangeSink):
    """Shared: an X12 interchange per message (ISA/GS control numbers; interchange only for a TA1)."""

    standard = "x12"
    label = "X12"
    suffix = ".x12"
    config: X12Config

    def counters(self, message: OutboundMessage) -> tuple[str, ...]:
        return ("interchange",) if _is_ta1(message) else ("interchange", "group")

    # -- rendering ------------------------------------------------------------------------------------------
    def interchange(self, message: OutboundMessage, partner: PartnerProfile, created_at: datetime) -> str:
        assert partner.x12 is not None
        interchange = _control(message, "interchange")
        if _is_ta1(message):
            return render_ta1_interchange(
                sender=self.config.hub_identity,
                receiver=partner.x12,
                interchange_control=interchange,
                ta1=ack_segments(message)[0],
                version=partner.x12_version,
                delimiters=partner.x12_delimiters,
                created_at=created_at,
                test=partner.test,
            )
        set_id, functional_id, version, rows = self._document(message, partner)
        return render_interchange(
            sender=self.config.hub_identity,
            receiver=partner.x12,
            interchange_control=interchange,
            group_control=_control(message, "group"),
            functional_id=functional_id,
            version=version,
            sets=[(set_id, rows)],
            delimiters=partner.x12_delimiters,
            created_at=created_at,
            test=partner.test,
            ack_requested=False,
        )

    def check_definition(self, text: str, message: OutboundMessage, partner: PartnerProfile) -> None:
        _check_definition(text, message)

    def _document(self, message: OutboundMessage, partner: PartnerProfile) -> tuple[str, str, str, list[list[Any]]]:
        if message.kind == "ack":
            kind = str(message.body.get("kind") or "")
            sent_version = ack_content(message).get("version") or partner.x12_version
            version = ACK_VERSION_999 if kind == "999" else str(sent_version)
            return kind, "FA", version, ack_segments(message)
        document = DOCUMENTS[message.kind]
        return (
            document.set_id,
            document.functional_id,
            partner.x12_version,
            document.rows(message.body, partner, self.config),
        )


class X12OrderSink(_X12Sink):
    """940 warehouse shipping orders ("order_release") and 943 stock transfers ("transfer") to a 3PL."""

    capability = Capability.ORDER_SINK
    kinds = frozenset({"order_release", "transfer"})


class X12ShipmentSink(_X12Sink):
    """856 ship notices ("shipment"), 810 invoices ("invoice") and 855 PO acknowledgments ("order_ack")."""

    capability = Capability.SHIPMENT_SINK
    kinds = frozenset({"shipment", "invoice", "order_ack"})


class X12StockSink(_X12Sink):
    """846 inventory advice ("stock"), one SKU per message."""

    capability = Capability.STOCK_SINK
    kinds = frozenset({"stock"})


class X12AckSink(_X12Sink):
    """997/999 functional acknowledgments and TA1 interchange acknowledgments ("ack")."""

    capability = Capability.ACK_SINK
    kinds = frozenset({"ack"})


def _is_ta1(message: OutboundMessage) -> bool:
    return message.kind == "ack" and message.body.get("kind") == "TA1"


def _control(message: OutboundMessage, counter: str) -> int:
    return drawn_number(message, counter, name=f"{counter} control number", maximum=MAX_CONTROL, limit="X12's 9 digits")


def _check_definition(text: str, message: OutboundMessage) -> None:
    """Refuse to send a document that breaks its set definition (a value too long for its element, say):
    a MappingError naming the segment and element, so the message is dead-lettered, not sent broken."""
    for event in read_interchanges(text.encode("utf-8"), filename=f"{message.kind}-{message.id}"):
        if isinstance(event, TransactionSet):
            problems = [*event.problems, *validate_set(event)]
            if problems:
                first = problems[0]
                error = first.to_error(event)
                raise MappingError(
                    f"{message.kind} message {message.id} would break the {event.set_id} definition: {first.message}",
                    code="x12_definition",
                    location=Location(segment=error.location.segment, field=error.location.field),
                )
