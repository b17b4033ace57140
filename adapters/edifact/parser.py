"""The EDIFACT FILE_PARSER: interchanges in, one Envelope each (documents of accepted messages, CONTRL to send).

Per interchange: the sender must be a known partner (UNB 0004, and 0007 when its profile gives a qualifier)
and the recipient the hub (UNB 0010/0007 = hub_id), else the whole raw message is refused (UnknownPartner /
WrongReceiver, kept failed in the inbox for an operator). Per message: structural problems (UNT count and
reference, characters), the message definition (schema.validate_message), then the mapping; a message with
a problem or a mapping error is rejected alone (CONTRL UCM action 4) and reported in the envelope's errors,
while the good ones go through (UCI action 7). A group whose UNE does not match rejects its messages (the
reader also counts it against the interchange, which is then rejected whole: UCI 4 with the UNE code). An
interchange whose UNZ does not match, or that is truncated, is rejected whole (UCI action 4), nothing kept.

The Envelope key is `edifact:<sender id>:<sender qualifier>:<recipient id>:<UNB 0020>`; a resent interchange
is dropped by the pipeline, which then sends `on_duplicate`: a CONTRL with UCI action 4, code 26 (duplicate
detected), when the partner gets CONTRL for that interchange at all, else nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from pydantic import BaseModel

from adapters.edifact import answers
from adapters.edifact.config import EdifactConfig
from adapters.edifact.directory import partner_directory
from adapters.edifact.envelope import (
    GroupEnd,
    Interchange,
    InterchangeEnd,
    InterchangeStart,
    Message,
    Stray,
    read_interchanges,
)
from adapters.edifact.inbound.acks_in import map_aperak, map_contrl
from adapters.edifact.inbound.desadv import map_desadv
from adapters.edifact.inbound.errors import MessageMappingError, MessageValidationError
from adapters.edifact.inbound.invrpt import map_invrpt
from adapters.edifact.inbound.ordchg import map_ordchg
from adapters.edifact.inbound.orders import map_orders_documents
from adapters.edifact.inbound.reading import MapSettings
from adapters.edifact.schema import validate_message
from adapters.edifact.syntax import VALUE_NOT_SUPPORTED_IN_POSITION, SyntaxProblem
from hub.edi.errors import UnknownPartner, WrongReceiver
from hub.errors import DecodeError, HubError, Location, RecordError, ValidationFailed
from hub.gc_pause import gc_paused
from hub.partners.profile import PartnerProfile
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Envelope, ParseResult, RawMessage

Mapper = Callable[[Message, PartnerProfile, MapSettings], list[BaseModel]]

MAPPERS: dict[str, Mapper] = {
    "ORDERS": map_orders_documents,
    "ORDCHG": lambda m, p, s: [map_ordchg(m, p, s)],
    "INVRPT": lambda m, p, s: list(map_invrpt(m, p, s)),
    "DESADV": lambda m, p, s: list(map_desadv(m, p, s)),
    "CONTRL": lambda m, p, s: [map_contrl(m, p, s)],
    "APERAK": lambda m, p, s: [map_aperak(m, p, s)],
}
"""Messages the hub takes in, by UNH 0065. Others are rejected alone (UCM 4, code 14 at UNH S009)."""
ACKNOWLEDGMENT_TYPES = frozenset({"CONTRL"})  # never acknowledged back
SEGMENT_TAG = re.compile(r"[A-Z][A-Z0-9]{2}")


class NoInterchange(RecordError):
    """Segments outside any UNB..UNZ interchange: no sender to identify, nobody to acknowledge."""

    code = "no_interchange"


@dataclass
class MessageOutcome:
    """What became of one message (its body is not kept past the mapping)."""

    message: Message
    problems: list[SyntaxProblem]
    documents: list[BaseModel] = field(default_factory=list)
    error: HubError | None = None

    @property
    def rejected(self) -> bool:
        return bool(self.problems)


@dataclass
class InterchangeOutcome:
    interchange: Interchange
    partner: PartnerProfile
    messages: list[MessageOutcome] = field(default_factory=list)


class EdifactParser:
    """FILE_PARSER for EDIFACT interchanges (syntax 1 to 4, UNOA to UNOY, several interchanges per file)."""

    capability: ClassVar[Capability] = Capability.FILE_PARSER

    def __init__(self, config: EdifactConfig, context: ConnectionContext) -> None:
        self.config = config
        self.context = context
        self.partners = partner_directory(config, context)
        self._tenant = context.tenant

    def parse(self, message: RawMessage) -> ParseResult:
        with gc_paused():  # the parse builds acyclic objects only: see hub.gc_pause
            return self._parse(message)

    def _parse(self, message: RawMessage) -> ParseResult:
        name = message.filename or message.transport_id or "(unnamed)"
        settings = MapSettings(
            currency=self.config.default_currency, tenant=message.tenant, zone=self.config.zone, file=name
        )
        self._tenant = message.tenant
        result = ParseResult(format="edifact")
        current: InterchangeOutcome | None = None
        for event in read_interchanges(message.body, filename=name):
            if isinstance(event, InterchangeStart):
                current = InterchangeOutcome(event.interchange, self._partner(event.interchange, name))
            elif isinstance(event, Message):
                if event.interchange is None or current is None:
                    raise _outside(event.segments[0].tag, event.segments[0].position, name)
                current.messages.append(self._message(event, current.partner, settings))
            elif isinstance(event, Stray):
                if event.interchange is None:
                    raise _outside(event.segment.tag, event.segment.position, name)
            elif isinstance(event, GroupEnd) and current is not None:
                _reject_group(current, event)
            elif isinstance(event, InterchangeEnd) and current is not None:
                result.envelopes.append(self._envelope(current, event, name))
                current = None
        if not result.envelopes:
            raise DecodeError(f"{name}: holds no EDIFACT interchange", location=Location(file=name))
        return result

    # -- per level ----------------------------------------------------------------------------------------
    def _partner(self, interchange: Interchange, name: str) -> PartnerProfile:
        unb = interchange.unb
        sender = f"{interchange.sender_id}:{interchange.sender_qualifier or ''}".rstrip(":") or "(no sender id)"
        partner = self.partners.by_edifact(interchange.sender_id, interchange.sender_qualifier)
        if partner is None:
            raise UnknownPartner(
                f"{name}: interchange {interchange.control_reference} comes from {sender}, which no partner "
                "profile names (add a profile with that edifact identity, then replay the message)",
                location=Location(file=name, segment="UNB", position=unb.position or None, field="UNB02"),
            )
        hub = self.config.hub_identity
        if not hub.matches(interchange.recipient_id, interchange.recipient_qualifier):
            recipient = f"{interchange.recipient_id}:{interchange.recipient_qualifier or ''}".rstrip(":")
            raise WrongReceiver(
                f"{name}: interchange {interchange.control_reference} from partner {partner.name} is addressed to "
                f"{recipient}, not to the hub ({hub}); check the partner's setup or this connection's hub_id",
                location=Location(file=name, segment="UNB", position=unb.position or None, field="UNB03"),
            )
        return partner

    def _message(self, message: Message, partner: PartnerProfile, settings: MapSettings) -> MessageOutcome:
        outcome = MessageOutcome(message, list(message.problems))
        if not outcome.rejected:
            outcome.problems += validate_message(message)
        mapper = MAPPERS.get(message.type)
        if not outcome.rejected and mapper is None:
            outcome.problems.append(
                SyntaxProblem(
                    code=VALUE_NOT_SUPPORTED_IN_POSITION,
                    message=f"message type {message.type or '(none)'} is not one the hub takes in",
                    level="message",
                    segment="UNH",
                    position=1,
                    element=2,
                    component=1,
                    value=message.type,
                )
            )
        if outcome.rejected:
            outcome.error = _message_error(message, outcome.problems[0], settings.file)
            message.segments = message.segments[:1]  # only the UNH is needed from here on
            return outcome
        assert mapper is not None
        try:
            outcome.documents = mapper(message, partner, settings)
        except (MessageMappingError, MessageValidationError) as exc:
            outcome.problems.append(exc.problem())
            outcome.error = exc
        message.segments = message.segments[:1]
        return outcome

    def _envelope(self, current: InterchangeOutcome, end: InterchangeEnd, name: str) -> Envelope:
        interchange, partner = current.interchange, current.partner
        envelope = Envelope(key=envelope_key(interchange))
        only_acks = bool(current.messages) and all(o.message.type in ACKNOWLEDGMENT_TYPES for o in current.messages)
        policy = partner.ack
        asked = self.config.contrl and not only_acks and (interchange.ack_requested or policy == "contrl")
        if asked:
            envelope.on_duplicate.append(answers.duplicate(interchange, partner, tenant=self._tenant))
        if end.problems:
            if asked or (self.config.contrl and policy is None and not only_acks):
                envelope.acks.append(answers.contrl(interchange, [], end.problems, partner, tenant=self._tenant))
            envelope.errors += [_interchange_error(p, interchange, name) for p in end.problems]
            return envelope
        for outcome in current.messages:
            if outcome.error is not None:
                envelope.errors.append(outcome.error)
            if not outcome.rejected:
                envelope.documents += outcome.documents
        any_rejected = any(o.rejected for o in current.messages)
        if asked or (self.config.contrl and policy is None and any_rejected and not only_acks):
            answered = [(o.message, o.problems) for o in current.messages]
            envelope.acks.append(answers.contrl(interchange, answered, [], partner, tenant=self._tenant))
        return envelope


def envelope_key(interchange: Interchange) -> str:
    """The interchange identity the pipeline deduplicates: edifact:<sender>:<sender qual>:<recipient>:<0020>."""
    return (
        f"edifact:{interchange.sender_id}:{interchange.sender_qualifier or ''}:"
        f"{interchange.recipient_id}:{interchange.control_reference}"
    )


def _reject_group(current: InterchangeOutcome, end: GroupEnd) -> None:
    """A group whose UNE does not match rejects every message in it (their documents are not kept)."""
    if not end.problems:
        return
    for outcome in current.messages:
        if outcome.message.group is end.group and not outcome.rejected:
            outcome.problems += end.problems
            outcome.error = _message_error(outcome.message, end.problems[0], current.interchange.filename)


def _outside(tag: str, position: int, name: str) -> RecordError:
    if not SEGMENT_TAG.fullmatch(tag):
        return DecodeError(
            f"{name}: is not EDIFACT (it starts with neither UNA nor UNB, nor any segment tag)",
            code="not_edifact",
            location=Location(file=name, position=position or None),
        )
    return NoInterchange(
        f"{name}: {tag} at segment {position} is outside any UNB..UNZ interchange; without a UNB there is no "
        "sender to map it for nor to acknowledge (wrap it in an interchange and replay the message)",
        location=Location(file=name, segment=tag, position=position or None),
    )


def _message_error(message: Message, problem: SyntaxProblem, file: str | None) -> ValidationFailed:
    segment = problem.segment or "UNH"
    position = message.segments[0].position + (problem.position or 1) - 1 if problem.position else None
    field_name = f"{segment}{problem.element:02d}" if problem.element else None
    if field_name and problem.component and problem.component > 1:
        field_name += f"-{problem.component}"
    return ValidationFailed(
        f"{message.type} {message.reference} rejected (CONTRL UCM 4, code {problem.code}): {problem.message}",
        code=problem.code,
        location=Location(file=file, segment=segment, position=position, field=field_name),
    )


def _interchange_error(problem: SyntaxProblem, interchange: Interchange, name: str) -> HubError:
    segment = problem.segment or "UNB"
    field_name = f"{segment}{problem.element:02d}" if problem.element else None
    return ValidationFailed(
        f"interchange {interchange.control_reference} rejected (CONTRL UCI 4, code {problem.code}): "
        f"{problem.message}; none of its messages is kept",
        code=problem.code,
        location=Location(file=name, segment=segment, position=problem.position, field=field_name),
    )


def folded(result: ParseResult) -> ParseResult:
    """`result` with every envelope's documents, acks and errors in its own lists (as for new interchanges)."""
    flat = ParseResult(
        documents=list(result.documents), acks=list(result.acks), format=result.format, errors=list(result.errors)
    )
    for envelope in result.envelopes:
        flat.documents += envelope.documents
        flat.acks += envelope.acks
        flat.errors += envelope.errors
    return flat
