"""EDIFACT sinks: each outbound message becomes one interchange (UNA, UNB, UNH..UNT, UNZ) addressed to a partner.

The hub draws the interchange reference once per message (`numbering()`: scope `edifact:<partner>`, counter
interchange = UNB 0020; the message reference UNH 0062 is the same number, one message per interchange) and
passes it on every attempt; `render()` is pure and deterministic (dates from message.created_at), so a
retried delivery writes identical bytes to `<outbound_dir>/<kind>-<safe key>.edi`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.edifact.config import EdifactConfig
from adapters.edifact.envelope import Message, read_interchanges
from adapters.edifact.inbound.values import override
from adapters.edifact.outbound import DOCUMENTS
from adapters.edifact.schema import validate_message
from adapters.edifact.writer import encoding_for, message_identifier, render_interchange
from hub.edi.sinks import InterchangeSink, ack_content, ack_segments, drawn_number
from hub.errors import Location, MappingError
from hub.partners.profile import PartnerProfile
from hub.plugins.capabilities import Capability
from hub.plugins.messages import OutboundMessage

MAX_REFERENCE = 99_999_999_999_999  # UNB 0020 is an..14


class _EdifactSink(InterchangeSink):
    """Shared: an EDIFACT interchange per message (UNB 0020 drawn; UNH 0062 the same number)."""

    standard = "edifact"
    label = "EDIFACT"
    suffix = ".edi"
    config: EdifactConfig

    def encoding(self, partner: PartnerProfile) -> str:
        return encoding_for(partner.edifact_syntax)

    # -- rendering ------------------------------------------------------------------------------------------
    def interchange(self, message: OutboundMessage, partner: PartnerProfile, created_at: datetime) -> str:
        assert partner.edifact is not None
        reference = _reference(message)
        identifier, rows = self._document(message, partner, created_at)
        return render_interchange(
            sender=self.config.hub_identity,
            recipient=partner.edifact,
            reference=reference,
            messages=[(str(reference), identifier, rows)],
            syntax=partner.edifact_syntax,
            service=partner.edifact_delimiters,
            created_at=created_at,
            test=partner.test,
            una=partner.edifact_delimiters.una,
        )

    def check_definition(self, text: str, message: OutboundMessage, partner: PartnerProfile) -> None:
        _check_definition(text, message, partner)

    def _document(
        self, message: OutboundMessage, partner: PartnerProfile, created_at: datetime
    ) -> tuple[list[str], list[list[Any]]]:
        if message.kind == "ack":
            content = ack_content(message)
            identifier = content.get("identifier") or ["CONTRL", "D", "3", "UN"]
            return [str(c) for c in identifier], ack_segments(message)
        document = DOCUMENTS[message.kind]
        association = override(partner, document.message_type, "association", None)
        identifier = message_identifier(document.message_type, partner.edifact_version, association)
        return identifier, document.rows(message.body, partner, self.config, created_at)


class EdifactOrderSink(_EdifactSink):
    """ORDERS to a 3PL ("order_release"): BGM 1004 = hub order id, echoed in the 3PL's DESADV RFF+ON."""

    capability = Capability.ORDER_SINK
    kinds = frozenset({"order_release"})


class EdifactShipmentSink(_EdifactSink):
    """DESADV despatch advice ("shipment"), INVOIC invoices ("invoice") and ORDRSP order responses ("order_ack")."""

    capability = Capability.SHIPMENT_SINK
    kinds = frozenset({"shipment", "invoice", "order_ack"})


class EdifactStockSink(_EdifactSink):
    """INVRPT inventory reports ("stock"), one SKU per message."""

    capability = Capability.STOCK_SINK
    kinds = frozenset({"stock"})


class EdifactAckSink(_EdifactSink):
    """CONTRL syntax and service reports ("ack": the Acknowledgment's content.segments in a fresh interchange)."""

    capability = Capability.ACK_SINK
    kinds = frozenset({"ack"})


def _reference(message: OutboundMessage) -> int:
    return drawn_number(
        message, "interchange", name="interchange reference", maximum=MAX_REFERENCE, limit="UNB 0020 (14 digits)"
    )


def _check_definition(text: str, message: OutboundMessage, partner: PartnerProfile) -> None:
    """Refuse to send a message that breaks its definition (a value too long for its element, say): a
    MappingError naming the segment and element, so the message is dead-lettered, not sent broken."""
    data = text.encode(encoding_for(partner.edifact_syntax))
    for event in read_interchanges(data, filename=f"{message.kind}-{message.id}"):
        if isinstance(event, Message):
            problems = [*event.problems, *validate_message(event)]
            if problems:
                first = problems[0]
                field_name = f"{first.segment}{first.element:02d}" if first.segment and first.element else None
                raise MappingError(
                    f"{message.kind} message {message.id} would break the {event.type} definition "
                    f"(code {first.code}): {first.message}",
                    code="edifact_definition",
                    location=Location(segment=first.segment, field=field_name),
                )
