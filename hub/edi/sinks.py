"""The base of EDI sinks that write one numbered interchange per outbound message to a partner.

The hub draws the control numbers once per message (`numbering()`: scope `<standard>:<partner>`) and passes
them on every attempt; a sink's `render()` is pure and deterministic, so a retried delivery writes identical
bytes to `<outbound_dir>/<kind>-<safe key><suffix>`. Subclasses say which standard they speak (`standard`, the
partner profile's identity attribute and the numbering scope), render the interchange, and name their kinds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol

from hub.edi.directory import partner_directory
from hub.errors import ConfigError, Location, MappingError
from hub.outfiles import safe, write_outbound
from hub.partners.profile import PartnerProfile
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Numbering, OutboundMessage


class SinkOptions(Protocol):
    """The connection options every EDI sink reads: the default partner and extra partner profiles."""

    @property
    def partner(self) -> str | None: ...

    @property
    def partner_profiles(self) -> tuple[str, ...]: ...


class InterchangeSink:
    """Shared: which partner a message goes to, its numbering, the kinds it takes, its file and its delivery."""

    capability: ClassVar[Capability]
    kinds: ClassVar[frozenset[str]]
    standard: ClassVar[str]  # "x12", "edifact": the profile's identity attribute and the numbering scope prefix
    label: ClassVar[str]  # "X12", "EDIFACT": how delivered files are described
    suffix: ClassVar[str]  # ".x12", ".edi"

    def __init__(self, config: Any, context: ConnectionContext) -> None:
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
        if getattr(partner, self.standard) is None:
            raise ConfigError(f"partner {partner.name!r} has no {self.standard} identity to address an interchange to")
        return partner

    def counters(self, message: OutboundMessage) -> tuple[str, ...]:
        """The control numbers the message needs drawn (default: the interchange's)."""
        return ("interchange",)

    def numbering(self, message: OutboundMessage) -> Numbering | None:
        partner = self.partner_for(message)
        return Numbering(scope=f"{self.standard}:{partner.name}", counters=self.counters(message))

    # -- rendering ------------------------------------------------------------------------------------------
    def render(self, message: OutboundMessage) -> str:
        """The interchange carrying `message`, checked against its definition unless it is an ack."""
        self._check_kind(message)
        partner = self.partner_for(message)
        created_at = message.created_at or datetime(1970, 1, 1, tzinfo=UTC)
        text = self.interchange(message, partner, created_at)
        if message.kind != "ack":
            self.check_definition(text, message, partner)
        return text

    def interchange(self, message: OutboundMessage, partner: PartnerProfile, created_at: datetime) -> str:
        """The interchange text for `message` to `partner`, dated `created_at` (pure and deterministic)."""
        raise NotImplementedError

    def check_definition(self, text: str, message: OutboundMessage, partner: PartnerProfile) -> None:
        """Refuse (MappingError) a rendered document that breaks its definition, so it is never sent broken."""

    def encoding(self, partner: PartnerProfile) -> str:
        """How the rendered text is encoded for `partner`."""
        return "utf-8"

    def _check_kind(self, message: OutboundMessage) -> None:
        if message.kind not in self.kinds:
            raise ConfigError(
                f"{type(self).__name__} sends {', '.join(sorted(self.kinds))}, not {message.kind!r} messages"
            )

    # -- delivery -------------------------------------------------------------------------------------------
    def target(self, message: OutboundMessage) -> Path:
        return self.context.outbound_dir / f"{message.kind}-{safe(message.idempotency_key)}{self.suffix}"

    def deliver(self, message: OutboundMessage) -> None:
        text = self.render(message)
        data = text.encode(self.encoding(self.partner_for(message)))
        write_outbound(self.target(message), data, what=f"{self.label} {message.kind} message")


def ack_content(message: OutboundMessage) -> Mapping[str, Any]:
    """The `content` of an ack message's Acknowledgment body ({} when absent)."""
    content = message.body.get("content")
    return content if isinstance(content, Mapping) else {}


def ack_segments(message: OutboundMessage) -> list[list[Any]]:
    """The ack's rows as text; a composite element stays a list of components."""
    segments = ack_content(message).get("segments")
    if not isinstance(segments, list) or not segments:
        raise MappingError(
            f"ack message {message.id}: content.segments is missing",
            code="bad_body",
            location=Location(field="content.segments"),
        )
    return [[[str(c) for c in v] if isinstance(v, list) else str(v) for v in row] for row in segments]


def drawn_number(message: OutboundMessage, counter: str, *, name: str, maximum: int, limit: str) -> int:
    """The control number drawn for `counter` (`name` in errors): a ConfigError when none was drawn or when it
    exceeds `maximum` (what the envelope holds, described by `limit`)."""
    value = message.control_numbers.get(counter)
    if value is None:
        raise ConfigError(
            f"{message.kind} message {message.id}: no {name} drawn; the outbox numbers "
            "messages of sinks that offer numbering() before delivering them"
        )
    if not 0 < int(value) <= maximum:
        raise ConfigError(f"{name} {value} for {message.id} does not fit {limit}")
    return int(value)
