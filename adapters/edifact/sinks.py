"""EDIFACT sinks: each outbound message becomes one interchange (UNA, UNB, UNH..UNT, UNZ) addressed to a partner.

The hub draws the interchange reference once per message (`numbering()`: scope `edifact:<partner>`, counter
interchange = UNB 0020; the message reference UNH 0062 is the same number, one message per interchange) and
passes it on every attempt; `render()` is pure and deterministic (dates from message.created_at), so a
retried delivery writes identical bytes to `<outbound_dir>/<kind>-<safe key>.edi`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from adapters.edifact.config import EdifactConfig
from adapters.edifact.directory import partner_directory
from adapters.edifact.envelope import Message, read_interchanges
from adapters.edifact.inbound.values import override
from adapters.edifact.outbound import DOCUMENTS
from adapters.edifact.schema import validate_message
from adapters.edifact.writer import encoding_for, message_identifier, render_interchange
from hub.errors import ConfigError, Location, MappingError
from hub.outfiles import safe, write_outbound
from hub.partners.profile import PartnerProfile
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Numbering, OutboundMessage

MAX_REFERENCE = 99_999_999_999_999  # UNB 0020 is an..14


class _EdifactSink:
    """Shared: which partner a message goes to, its numbering, its rendering and its delivery."""

    capability: ClassVar[Capability]
    kinds: ClassVar[frozenset[str]]

    def __init__(self, config: EdifactConfig, context: ConnectionContext) -> None:
        self.config = config
        self.context = context
        self.partners = partner_directory(config, context)

    # -- addressing ---------------------------------------------------------------------------------------
    def partner_for(self, message: OutboundMessage) -> PartnerProfile:
        name = message.body.get("partner") or self.config.partner
        if not name:
            raise ConfigError(
                f"{message.kind} message {message.id}: no partner to address (the body names none and the "
                f"connection {self.context.connection!r} has no `partner` option)"
            )
        partner = self.partners.get(str(name))
        if partner is None:
            raise ConfigError(f"{message.kind} message {message.id}: partner {name!r} has no profile")
        if partner.edifact is None:
            raise ConfigError(f"partner {partner.name!r} has no edifact identity to address an interchange to")
        return partner

    def numbering(self, message: OutboundMessage) -> Numbering | None:
        partner = self.partner_for(message)
        return Numbering(scope=f"edifact:{partner.name}", counters=("interchange",))

    # -- rendering ------------------------------------------------------------------------------------------
    def render(self, message: OutboundMessage) -> str:
        self._check_kind(message)
        partner = self.partner_for(message)
        assert partner.edifact is not None
        reference = _reference(message)
        created_at = message.created_at or datetime(1970, 1, 1, tzinfo=UTC)
        identifier, rows = self._document(message, partner, created_at)
        text = render_interchange(
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
        if message.kind != "ack":
            _check_definition(text, message, partner)
        return text

    def _document(
        self, message: OutboundMessage, partner: PartnerProfile, created_at: datetime
    ) -> tuple[list[str], list[list[Any]]]:
        if message.kind == "ack":
            content = _content(message)
            identifier = content.get("identifier") or ["CONTRL", "D", "3", "UN"]
            return [str(c) for c in identifier], _segments(message)
        document = DOCUMENTS[message.kind]
        association = override(partner, document.message_type, "association", None)
        identifier = message_identifier(document.message_type, partner.edifact_version, association)
        return identifier, document.rows(message.body, partner, self.config, created_at)

    def _check_kind(self, message: OutboundMessage) -> None:
        if message.kind not in self.kinds:
            raise ConfigError(
                f"{type(self).__name__} sends {', '.join(sorted(self.kinds))}, not {message.kind!r} messages"
            )

    # -- delivery -------------------------------------------------------------------------------------------
    def target(self, message: OutboundMessage) -> Path:
        return self.context.outbound_dir / f"{message.kind}-{safe(message.idempotency_key)}.edi"

    def deliver(self, message: OutboundMessage) -> None:
        text = self.render(message)
        encoding = encoding_for(self.partner_for(message).edifact_syntax)
        write_outbound(self.target(message), text.encode(encoding), what=f"EDIFACT {message.kind} message")


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


def _content(message: OutboundMessage) -> Mapping[str, Any]:
    content = message.body.get("content")
    return content if isinstance(content, Mapping) else {}


def _segments(message: OutboundMessage) -> list[list[Any]]:
    """The CONTRL's rows; a composite element (UCI S002 sender, S011 position...) stays a list of components."""
    segments = _content(message).get("segments")
    if not isinstance(segments, list) or not segments:
        raise MappingError(
            f"ack message {message.id}: content.segments is missing",
            code="bad_body",
            location=Location(field="content.segments"),
        )
    return [[[str(c) for c in v] if isinstance(v, list) else str(v) for v in row] for row in segments]


def _reference(message: OutboundMessage) -> int:
    value = message.control_numbers.get("interchange")
    if value is None:
        raise ConfigError(
            f"{message.kind} message {message.id}: no interchange reference drawn; the outbox numbers "
            "messages of sinks that offer numbering() before delivering them"
        )
    if not 0 < int(value) <= MAX_REFERENCE:
        raise ConfigError(f"interchange reference {value} for {message.id} does not fit UNB 0020 (14 digits)")
    return int(value)


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
