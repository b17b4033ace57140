"""The X12 FILE_PARSER: interchanges in, one Envelope each (documents of accepted sets, 997/999/TA1 to send).

Per interchange: the sender must be a known partner (ISA05/06) and the receiver the hub (ISA07/08), else
the whole message is refused (UnknownPartner / WrongReceiver, kept failed in the inbox for an operator).
Per set: structural problems (SE count, ST02/SE02) and the set definition (schema.validate_set), then
the mapping; a set with a rejecting problem or a mapping error is rejected alone (AK5/IK5 R) and reported
in ParseResult.errors. A group whose trailer does not match is rejected whole (AK9 R); an interchange
whose IEA does not match, or that is truncated, is rejected whole (TA1 R, nothing kept). Documents are
buffered per interchange (they are small) and released only when its trailer validates.

Everything lives in `ParseResult.envelopes` (documents, acks, errors per interchange); the pipeline folds
the envelopes it has not seen before into the result, so the result's own lists stay empty. `folded()`
gives that view for callers that do not deduplicate interchanges.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, ClassVar

from pydantic import BaseModel

from adapters.x12 import answers
from adapters.x12.config import X12Config
from adapters.x12.directory import partner_directory
from adapters.x12.envelope import (
    Group,
    GroupEnd,
    GroupStart,
    Interchange,
    InterchangeEnd,
    InterchangeSegment,
    InterchangeStart,
    TransactionSet,
    read_interchanges,
)
from adapters.x12.inbound.acks_in import map_functional_ack, map_ta1
from adapters.x12.inbound.asn856 import map_856
from adapters.x12.inbound.change860 import map_860
from adapters.x12.inbound.errors import SetMappingError, SetValidationError
from adapters.x12.inbound.inventory846 import map_846
from adapters.x12.inbound.po850 import map_850_documents
from adapters.x12.inbound.reading import MapSettings
from adapters.x12.inbound.receipt944 import map_944
from adapters.x12.inbound.shipping945 import map_945
from adapters.x12.problems import SetProblem
from adapters.x12.schema import validate_set
from hub.edi.errors import UnknownPartner, WrongReceiver
from hub.errors import DecodeError, HubError, Location, ValidationFailed
from hub.gc_pause import gc_paused, paused_iteration
from hub.partners.profile import PartnerProfile
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Envelope, ParseResult, RawMessage

Mapper = Callable[[TransactionSet, PartnerProfile, MapSettings], list[BaseModel]]

MAPPERS: dict[str, Mapper] = {
    "850": map_850_documents,
    "860": lambda ts, p, s: [map_860(ts, p, s)],
    "846": lambda ts, p, s: list(map_846(ts, p, s)),
    "945": lambda ts, p, s: [map_945(ts, p, s)],
    "856": lambda ts, p, s: list(map_856(ts, p, s)),
    "944": lambda ts, p, s: list(map_944(ts, p, s)),
    "997": lambda ts, p, s: [map_functional_ack(ts, p, s)],
    "999": lambda ts, p, s: [map_functional_ack(ts, p, s)],
}
"""Transaction sets the hub takes in, by ST01. Others are rejected with AK5 code 1 (not supported)."""
ACKNOWLEDGMENT_GROUP = "FA"  # GS01 of 997/999: never acknowledged back


@dataclass
class SetOutcome:
    """What became of one transaction set (its segments are not kept)."""

    header: TransactionSet  # the set with only its ST, for the acknowledgment
    problems: list[SetProblem]
    documents: list[BaseModel] = field(default_factory=list)
    error: HubError | None = None

    @property
    def rejected(self) -> bool:
        return any(p.rejects for p in self.problems)


@dataclass
class GroupOutcome:
    group: Group
    sets: list[SetOutcome] = field(default_factory=list)
    end: GroupEnd | None = None


@dataclass
class InterchangeOutcome:
    interchange: Interchange
    partner: PartnerProfile
    groups: list[GroupOutcome] = field(default_factory=list)
    received_acks: list[BaseModel] = field(default_factory=list)  # TA1s directly under the ISA
    errors: list[HubError] = field(default_factory=list)


class X12Parser:
    """FILE_PARSER for X12 interchanges (any ISA12 version, several interchanges per file)."""

    capability: ClassVar[Capability] = Capability.FILE_PARSER

    def __init__(self, config: X12Config, context: ConnectionContext) -> None:
        self.config = config
        self.context = context
        self.partners = partner_directory(config, context)
        self._tenant = context.tenant

    def parse(self, message: RawMessage) -> ParseResult:
        name = message.filename or message.transport_id or "(unnamed)"
        result = ParseResult(format="x12")
        with gc_paused():
            result.envelopes.extend(self._envelopes(message.body, name=name, tenant=message.tenant))
        if not result.envelopes:
            raise DecodeError(f"{name}: holds no X12 interchange", location=Location(file=name))
        return result

    def iter_envelopes(
        self, source: bytes | BinaryIO, *, name: str = "(unnamed)", tenant: str = "default"
    ) -> Iterator[Envelope]:
        """One Envelope per interchange of `source` (bytes or a binary stream), as each one ends.

        Memory: one transaction set's segments and one interchange's documents (`parse` keeps them all).
        The cyclic collector is paused while an envelope is built (hub.gc_pause), not while the caller holds it.
        """
        return paused_iteration(self._envelopes(source, name=name, tenant=tenant))

    def _envelopes(self, source: bytes | BinaryIO, *, name: str, tenant: str) -> Iterator[Envelope]:
        settings = MapSettings(currency=self.config.default_currency, tenant=tenant, zone=self.config.zone, file=name)
        self._tenant = tenant
        current: InterchangeOutcome | None = None
        for event in read_interchanges(source, filename=name):
            if isinstance(event, InterchangeStart):
                current = InterchangeOutcome(event.interchange, self._partner(event.interchange, name))
            elif current is None:
                continue
            elif isinstance(event, InterchangeSegment):
                self._interchange_segment(current, event, settings)
            elif isinstance(event, GroupStart):
                current.groups.append(GroupOutcome(event.group))
            elif isinstance(event, TransactionSet):
                if current.groups:
                    current.groups[-1].sets.append(self._set(event, current.partner, settings))
            elif isinstance(event, GroupEnd):
                if current.groups:
                    current.groups[-1].end = event
            elif isinstance(event, InterchangeEnd):
                yield self._envelope(current, event, name)
                current = None

    # -- per level ----------------------------------------------------------------------------------------
    def _partner(self, interchange: Interchange, name: str) -> PartnerProfile:
        isa = interchange.isa
        partner = self.partners.by_x12(interchange.sender_qualifier, interchange.sender_id)
        if partner is None:
            raise UnknownPartner(
                f"{name}: interchange {interchange.control_number} comes from "
                f"{interchange.sender_qualifier}:{interchange.sender_id}, which no partner profile names "
                "(add a profile with that x12 identity, then replay the message)",
                location=Location(file=name, segment="ISA", position=isa.position or None, field="ISA06"),
            )
        hub = self.config.hub_identity
        if (interchange.receiver_qualifier, interchange.receiver_id) != (hub.qualifier, hub.id):
            raise WrongReceiver(
                f"{name}: interchange {interchange.control_number} from partner {partner.name} is addressed to "
                f"{interchange.receiver_qualifier}:{interchange.receiver_id}, not to the hub ({hub}); "
                "check the partner's setup or this connection's hub_id",
                location=Location(file=name, segment="ISA", position=isa.position or None, field="ISA08"),
            )
        return partner

    def _interchange_segment(
        self, current: InterchangeOutcome, event: InterchangeSegment, settings: MapSettings
    ) -> None:
        if event.segment.tag != "TA1":
            return
        try:
            current.received_acks.append(map_ta1(event.segment, current.interchange, current.partner, settings))
        except HubError as exc:
            current.errors.append(exc)

    def _set(self, ts: TransactionSet, partner: PartnerProfile, settings: MapSettings) -> SetOutcome:
        header = TransactionSet(ts.set_id, ts.control_number, ts.segments[:1], ts.group, list(ts.problems))
        outcome = SetOutcome(header, list(ts.problems))
        if not outcome.rejected:
            outcome.problems += validate_set(ts)
        mapper = MAPPERS.get(ts.set_id)
        if not outcome.rejected and mapper is None:
            outcome.problems.append(
                SetProblem(code="1", message=f"transaction set {ts.set_id or '(none)'} is not one the hub takes in")
            )
        if outcome.rejected:
            first = next(p for p in outcome.problems if p.rejects)
            outcome.error = first.to_error(ts, file=settings.file)
            return outcome
        assert mapper is not None
        try:
            outcome.documents = mapper(ts, partner, settings)
        except (SetMappingError, SetValidationError) as exc:
            outcome.problems.append(exc.problem())
            outcome.error = exc
        return outcome

    def _envelope(self, current: InterchangeOutcome, end: InterchangeEnd, name: str) -> Envelope:
        interchange, partner = current.interchange, current.partner
        envelope = Envelope(key=interchange.key, errors=list(current.errors))
        envelope.on_duplicate.append(answers.ta1(interchange, partner, duplicate=True, tenant=self._tenant))
        if end.rejected:
            envelope.acks.append(answers.ta1(interchange, partner, end.problems, tenant=self._tenant))
            envelope.errors += [_interchange_error(p.code, p.message, p.element, end, name) for p in end.problems]
            return envelope
        ack_kind = partner.x12_ack() if self.config.functional_acks else "none"
        carries_business = False
        for group in current.groups:
            is_ack_group = group.group.functional_id == ACKNOWLEDGMENT_GROUP
            carries_business |= not is_ack_group
            group_end = group.end
            rejected = group_end is None or group_end.rejected
            for outcome in group.sets:
                if outcome.error is not None:
                    envelope.errors.append(outcome.error)
            if rejected:
                envelope.errors += _group_errors(group, name)
            else:
                envelope.documents += [d for s in group.sets if not s.rejected for d in s.documents]
            if ack_kind in ("997", "999") and not is_ack_group and group_end is not None:
                envelope.acks.append(
                    answers.functional_ack(ack_kind, group.group, group.sets, group_end, partner, tenant=self._tenant)
                )
        envelope.documents += current.received_acks
        wants_ta1 = self.config.ta1 == "always" or interchange.ack_requested
        if end.problems or (wants_ta1 and carries_business):
            envelope.acks.insert(0, answers.ta1(interchange, partner, end.problems, tenant=self._tenant))
        return envelope


def _interchange_error(code: str, message: str, element: str | None, end: InterchangeEnd, name: str) -> HubError:
    segment = (element or "")[:3] or ("IEA" if end.iea is not None else "ISA")
    position = end.iea.position if segment == "IEA" and end.iea is not None else end.interchange.isa.position
    return ValidationFailed(
        f"interchange {end.interchange.control_number} rejected (TA1 {code}): {message}",
        code=code,
        location=Location(file=name, segment=segment, position=position or None, field=element),
    )


def _group_errors(group: GroupOutcome, name: str) -> list[HubError]:
    end = group.end
    gs = group.group.gs
    if end is None:
        return []
    anchor = end.ge if end.ge is not None else gs
    return [
        ValidationFailed(
            f"group {group.group.functional_id} {group.group.control_number} rejected (AK9 {p.code}): {p.message}; "
            "none of its documents is kept",
            code=p.code,
            location=Location(file=name, segment=anchor.tag, position=anchor.position or None),
        )
        for p in end.problems
        if p.rejects
    ]


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
