"""X12 sinks: each outbound message becomes one interchange (ISA/GS/ST..SE/GE/IEA) addressed to a partner.

The hub draws the control numbers once per message (`numbering()`: scope `x12:<partner>`, counters
interchange and group; interchange only for a TA1) and passes them on every attempt; `render()` is pure
and deterministic (dates from message.created_at), so a retried delivery writes identical bytes to
`<outbound_dir>/<kind>-<safe key>.x12`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from adapters.x12.config import X12Config
from adapters.x12.directory import partner_directory
from adapters.x12.envelope import TransactionSet, read_interchanges
from adapters.x12.outbound import DOCUMENTS
from adapters.x12.schema import validate_set
from adapters.x12.writer import render_interchange, render_ta1_interchange
from hub.errors import ConfigError, Location, MappingError
from hub.outfiles import safe, write_outbound
from hub.partners.profile import PartnerProfile
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Numbering, OutboundMessage

ACK_VERSION_999 = "005010X231A1"
MAX_CONTROL = 999_999_999


class _X12Sink:
    """Shared: which partner a message goes to, its numbering, its rendering and its delivery."""

    capability: ClassVar[Capability]
    kinds: ClassVar[frozenset[str]]

    def __init__(self, config: X12Config, context: ConnectionContext) -> None:
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
        if partner.x12 is None:
            raise ConfigError(f"partner {partner.name!r} has no x12 identity to address an interchange to")
        return partner

    def numbering(self, message: OutboundMessage) -> Numbering | None:
        partner = self.partner_for(message)
        counters = ("interchange",) if _is_ta1(message) else ("interchange", "group")
        return Numbering(scope=f"x12:{partner.name}", counters=counters)

    # -- rendering ------------------------------------------------------------------------------------------
    def render(self, message: OutboundMessage) -> str:
        self._check_kind(message)
        partner = self.partner_for(message)
        assert partner.x12 is not None
        interchange = _control(message, "interchange")
        created_at = message.created_at or datetime(1970, 1, 1, tzinfo=UTC)
        if _is_ta1(message):
            return render_ta1_interchange(
                sender=self.config.hub_identity,
                receiver=partner.x12,
                interchange_control=interchange,
                ta1=_segments(message)[0],
                version=partner.x12_version,
                delimiters=partner.x12_delimiters,
                created_at=created_at,
                test=partner.test,
            )
        set_id, functional_id, version, rows = self._document(message, partner)
        text = render_interchange(
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
        if message.kind != "ack":
            _check_definition(text, message)
        return text

    def _document(self, message: OutboundMessage, partner: PartnerProfile) -> tuple[str, str, str, list[list[Any]]]:
        if message.kind == "ack":
            kind = str(message.body.get("kind") or "")
            version = ACK_VERSION_999 if kind == "999" else str(_content(message).get("version") or partner.x12_version)
            return kind, "FA", version, _segments(message)
        document = DOCUMENTS[message.kind]
        return (
            document.set_id,
            document.functional_id,
            partner.x12_version,
            document.rows(message.body, partner, self.config),
        )

    def _check_kind(self, message: OutboundMessage) -> None:
        if message.kind not in self.kinds:
            raise ConfigError(
                f"{type(self).__name__} sends {', '.join(sorted(self.kinds))}, not {message.kind!r} messages"
            )

    # -- delivery -------------------------------------------------------------------------------------------
    def target(self, message: OutboundMessage) -> Path:
        return self.context.outbound_dir / f"{message.kind}-{safe(message.idempotency_key)}.x12"

    def deliver(self, message: OutboundMessage) -> None:
        text = self.render(message)
        write_outbound(self.target(message), text.encode("utf-8"), what=f"X12 {message.kind} message")


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


def _content(message: OutboundMessage) -> Mapping[str, Any]:
    content = message.body.get("content")
    return content if isinstance(content, Mapping) else {}


def _segments(message: OutboundMessage) -> list[list[Any]]:
    """The ack's rows; a composite element (AK401 position with a component) stays a list of components."""
    segments = _content(message).get("segments")
    if not isinstance(segments, list) or not segments:
        raise MappingError(
            f"ack message {message.id}: content.segments is missing",
            code="bad_body",
            location=Location(field="content.segments"),
        )
    return [[[str(c) for c in v] if isinstance(v, list) else str(v) for v in row] for row in segments]


def _control(message: OutboundMessage, counter: str) -> int:
    value = message.control_numbers.get(counter)
    if value is None:
        raise ConfigError(
            f"{message.kind} message {message.id}: no {counter} control number drawn; the outbox numbers "
            "messages of sinks that offer numbering() before delivering them"
        )
    if not 0 < int(value) <= MAX_CONTROL:
        raise ConfigError(f"{counter} control number {value} for {message.id} does not fit X12's 9 digits")
    return int(value)


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
