"""EDIFACT streaming structure reader: interchanges, groups and messages with envelope validation.

API (stable; the mapping helper codes against it):

    read_interchanges(source: bytes | BinaryIO, *, filename: str | None = None) -> Iterator[Event]

yields, in stream order:

- `InterchangeStart(interchange)` at each UNB;
- `GroupStart(group)` at each UNG;
- `Message` for each UNH..UNT (its `segments` hold UNH..UNT inclusive, `problems` its
  structural problems: UNT count/reference, missing UNT, bad characters...; run
  `adapters.edifact.schema.validate_message(msg)` for the content rules);
- `GroupEnd(group, message_count, problems)` at each UNE (or when a group is cut short);
- `InterchangeEnd(interchange, count, problems)` at each UNZ, or at the end of input / at a new
  UNB when the UNZ is missing (then `problems` holds the truncation, code 13 at UNZ);
- `Stray(segment, problem, interchange)` for a segment outside any message (a BGM before UNH,
  a UNZ without UNB...).

Interchange-level problems (UNZ count 29, UNZ reference 28, truncation 13, unsupported syntax
identifier 2, missing UNB elements 13) reject the whole interchange: CONTRL UCI action 4.
They are collected in `Interchange.problems` as they are found; `InterchangeEnd.problems` is
that same list once the interchange is closed.

Messages outside an interchange (a UNH with no UNB before it, corpus edifactrs-*): they are
yielded as `Message` with `interchange=None` and a problem code 13 (UNB missing, level
"interchange"). The hub REJECTS them: no sender can be identified, so no partner and no CONTRL
can be addressed; the parser should raise/record a RecordError (code "no_interchange").

Memory: the reader holds one message's segments at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from adapters.edifact.syntax import (
    CONTROL_COUNT_MISMATCH,
    DEFAULT_SERVICE,
    GROUPS_AND_MESSAGES_MIXED,
    INVALID_CHARACTERS,
    INVALID_VALUE,
    LOWER_LEVEL_EMPTY,
    MISSING,
    OUTSIDE_MESSAGE,
    REFERENCES_DO_NOT_MATCH,
    SYNTAX_VERSION_NOT_SUPPORTED,
    Segment,
    ServiceChars,
    SyntaxProblem,
)
from adapters.edifact.tokenizer import SUPPORTED_SYNTAX_IDS, iter_segments


@dataclass
class Interchange:
    """One UNB..UNZ interchange's header data (UNB), plus the problems found in its envelope."""

    unb: Segment
    syntax_id: str  # 0001, e.g. "UNOC"
    syntax_version: str  # 0002, e.g. "3"
    sender_id: str  # 0004
    sender_qualifier: str | None  # 0007
    recipient_id: str  # 0010
    recipient_qualifier: str | None  # 0007 (recipient)
    date: str  # 0017 (YYMMDD, or CCYYMMDD in syntax 4)
    time: str  # 0019 (HHMM)
    control_reference: str  # 0020
    application_reference: str = ""  # 0026
    ack_requested: bool = False  # 0031 == "1"
    test: bool = False  # 0035 == "1"
    service: ServiceChars = DEFAULT_SERVICE
    una: bool = False  # whether a UNA preceded the UNB
    filename: str | None = None
    problems: list[SyntaxProblem] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The envelope identity the pipeline claims: "edifact:<sender>:<sender qualifier>:<recipient>:<0020>"."""
        return f"edifact:{self.sender_id}:{self.sender_qualifier or ''}:{self.recipient_id}:{self.control_reference}"

    @property
    def rejected(self) -> bool:
        """Whether the interchange as a whole must be rejected (CONTRL UCI action 4)."""
        return bool(self.problems)


@dataclass
class Group:
    """One UNG..UNE functional group inside an interchange."""

    ung: Segment
    functional_id: str  # 0038 (message group identification, e.g. "ORDERS")
    sender_id: str  # 0040
    sender_qualifier: str | None
    recipient_id: str  # 0044
    recipient_qualifier: str | None
    date: str
    time: str
    reference: str  # 0048 group reference number
    agency: str  # 0051
    version: str  # 0052:0054 joined with ":" when both are there
    interchange: Interchange
    problems: list[SyntaxProblem] = field(default_factory=list)


@dataclass
class Message:
    """One UNH..UNT message: its identifier, every segment (UNH..UNT inclusive) and its structural problems."""

    reference: str  # 0062 message reference number
    type: str  # 0065, e.g. "ORDERS"
    version: str  # 0052, e.g. "D"
    release: str  # 0054, e.g. "96A"
    agency: str  # 0051, e.g. "UN"
    association: str  # 0057, e.g. "EAN008" ("" when absent)
    segments: list[Segment]
    interchange: Interchange | None
    group: Group | None = None
    number: int = 0  # 1-based ordinal of the message in its interchange
    problems: list[SyntaxProblem] = field(default_factory=list)

    @property
    def identifier(self) -> str:
        """ "TYPE:VERSION:RELEASE:AGENCY", e.g. "ORDERS:D:96A:UN" (the UNH S009 as it is usually quoted)."""
        return f"{self.type}:{self.version}:{self.release}:{self.agency}"

    @property
    def directory(self) -> str:
        """The directory the message follows, e.g. "D96A" (version + release)."""
        return f"{self.version}{self.release}"

    @property
    def body(self) -> list[Segment]:
        """The segments between UNH and UNT."""
        end = len(self.segments) - 1 if self.segments and self.segments[-1].tag == "UNT" else len(self.segments)
        return self.segments[1:end]

    @property
    def rejected(self) -> bool:
        """Whether a structural problem already condemns the message (schema problems come on top)."""
        return bool(self.problems)

    def first(self, tag: str) -> Segment | None:
        """The first segment with this tag, or None."""
        return next((seg for seg in self.segments if seg.tag == tag), None)

    def all(self, tag: str) -> list[Segment]:
        """Every segment with this tag, in order."""
        return [seg for seg in self.segments if seg.tag == tag]

    def position_of(self, segment: Segment) -> int:
        """The segment's position in the message as CONTRL counts it (UNH = 1)."""
        return segment.position - self.segments[0].position + 1


@dataclass
class InterchangeStart:
    """A UNB was read."""

    interchange: Interchange


@dataclass
class GroupStart:
    """A UNG was read."""

    group: Group


@dataclass
class GroupEnd:
    """A UNE was read (or the group was cut short); `problems` hold its control problems."""

    group: Group
    message_count: int
    problems: list[SyntaxProblem]


@dataclass
class InterchangeEnd:
    """A UNZ was read, or the interchange was cut short; `problems` reject it whole when not empty."""

    interchange: Interchange
    count: int  # messages (or groups, when the interchange has groups) actually received
    problems: list[SyntaxProblem]
    declared_count: str | None = None  # UNZ 0036 as sent (None when UNZ is missing)


@dataclass
class Stray:
    """A segment outside any message (e.g. a BGM before UNH, a UNZ with no UNB); `interchange` when inside one.

    Inside an interchange the problem is also in `Interchange.problems` (the interchange is
    rejected); outside one there is nobody to acknowledge: report it as a record error.
    """

    segment: Segment
    problem: SyntaxProblem
    interchange: Interchange | None


Event = InterchangeStart | GroupStart | Message | GroupEnd | InterchangeEnd | Stray


def read_interchanges(source: bytes | BinaryIO, *, filename: str | None = None) -> Iterator[Event]:
    """Read every interchange of `source` as a stream of events (see the module docstring)."""
    reader = _Reader(filename)
    for segment in iter_segments(source, filename=filename):
        yield from reader.feed(segment)
    yield from reader.finish()


def _qualified(segment: Segment, index: int) -> tuple[str, str | None]:
    ident = segment.get(index, 1).strip()
    qualifier = segment.get(index, 2).strip() or None
    return ident, qualifier


def _problem(code: str, message: str, segment: Segment | None, *, level: str, **where: object) -> SyntaxProblem:
    return SyntaxProblem(
        code=code,
        message=message,
        level=level,
        segment=segment.tag if segment is not None else None,
        position=where.pop("position", segment.position if segment is not None else None),  # type: ignore[arg-type]
        **where,  # type: ignore[arg-type]
    )


class _Reader:
    """The state machine behind read_interchanges: one open interchange, group and message at a time."""

    def __init__(self, filename: str | None) -> None:
        self.filename = filename
        self.interchange: Interchange | None = None
        self.group: Group | None = None
        self.group_messages = 0
        self.message: Message | None = None
        self.messages = 0  # messages in the open interchange
        self.groups = 0
        self.pending_una: ServiceChars | None = None

    # -- dispatch -----------------------------------------------------------------------------------------
    def feed(self, segment: Segment) -> Iterator[Event]:
        if segment.unterminated:
            yield from self._unterminated(segment)
            return
        tag = segment.tag
        if self.message is not None:
            if tag == "UNT":
                self.message.segments.append(segment)
                yield self._close_message(segment)
                return
            if tag not in ("UNH", "UNB", "UNZ", "UNG", "UNE", "UNA"):
                self.message.segments.append(segment)
                return
            yield self._cut_message(segment)
        if tag == "UNA" and segment.position == 0 and len(segment.get(1)) == 6:
            self.pending_una = _service_of(segment)  # the tokenizer's service string advice
        elif tag == "UNB":
            if self.interchange is not None:
                yield from self._truncated(segment)
            yield self._open_interchange(segment)
        elif tag == "UNG":
            yield from self._open_group(segment)
        elif tag == "UNH":
            self._open_message(segment)
        elif tag == "UNE":
            yield from self._close_group(segment)
        elif tag == "UNZ":
            yield from self._close_interchange(segment)
        else:
            yield self._stray(segment)

    def _unterminated(self, segment: Segment) -> Iterator[Event]:
        """The input ends inside `segment` (no terminator): drop it; what is open is then cut short."""
        problem = _problem(
            MISSING, f"input ends inside segment {segment.tag} (no segment terminator)", segment, level="interchange"
        )
        if self.interchange is not None:
            self.interchange.problems.append(problem)
        elif self.message is not None:
            self.message.problems.append(problem)
        else:
            yield Stray(segment, problem, None)

    def finish(self) -> Iterator[Event]:
        if self.message is not None:
            yield self._cut_message(None)
        if self.interchange is not None:
            yield from self._truncated(None)

    # -- interchange -------------------------------------------------------------------------------------
    def _open_interchange(self, unb: Segment) -> InterchangeStart:
        sender_id, sender_qualifier = _qualified(unb, 2)
        recipient_id, recipient_qualifier = _qualified(unb, 3)
        service = self.pending_una or DEFAULT_SERVICE
        interchange = Interchange(
            unb=unb,
            syntax_id=unb.get(1, 1),
            syntax_version=unb.get(1, 2),
            sender_id=sender_id,
            sender_qualifier=sender_qualifier,
            recipient_id=recipient_id,
            recipient_qualifier=recipient_qualifier,
            date=unb.get(4, 1),
            time=unb.get(4, 2),
            control_reference=unb.get(5, 1),
            application_reference=unb.get(7, 1),
            ack_requested=unb.get(9) == "1",
            test=unb.get(11) == "1",
            service=service,
            una=self.pending_una is not None,
            filename=self.filename,
        )
        self.pending_una = None
        interchange.problems.extend(_check_unb(unb))
        self.interchange = interchange
        self.group = None
        self.messages = 0
        self.groups = 0
        return InterchangeStart(interchange)

    def _close_interchange(self, unz: Segment) -> Iterator[Event]:
        interchange = self.interchange
        if interchange is None:
            yield self._stray(unz)
            return
        if self.group is not None:
            yield self._end_group(None)
        count = self.groups if self.groups else self.messages
        if not self.messages:
            interchange.problems.append(
                _problem(LOWER_LEVEL_EMPTY, "interchange holds no message", unz, level="interchange")
            )
        declared = unz.get(1)
        if declared != str(count) and not (declared.isascii() and declared.isdigit() and int(declared) == count):
            interchange.problems.append(
                _problem(
                    CONTROL_COUNT_MISMATCH,
                    f"UNZ declares {declared or 'no'} {'groups' if self.groups else 'messages'}, {count} received",
                    unz,
                    level="interchange",
                    element=1,
                    value=declared,
                )
            )
        if unz.get(2) != interchange.control_reference:
            interchange.problems.append(
                _problem(
                    REFERENCES_DO_NOT_MATCH,
                    f"UNZ reference {unz.get(2)!r} differs from UNB's {interchange.control_reference!r}",
                    unz,
                    level="interchange",
                    element=2,
                    value=unz.get(2),
                )
            )
        if unz.bad_characters:
            interchange.problems.append(
                _problem(INVALID_CHARACTERS, "invalid character(s) in UNZ", unz, level="interchange")
            )
        self.interchange = None
        yield InterchangeEnd(interchange, count, interchange.problems, declared_count=declared)

    def _truncated(self, at: Segment | None) -> Iterator[Event]:
        interchange = self.interchange
        assert interchange is not None
        if self.group is not None:
            yield self._end_group(None)
        where = "end of input" if at is None else f"{at.tag} at segment {at.position}"
        interchange.problems.append(
            SyntaxProblem(
                code=MISSING,
                message=f"interchange {interchange.control_reference!r} has no UNZ ({where})",
                level="interchange",
                segment="UNZ",
                position=at.position if at is not None else None,
            )
        )
        self.interchange = None
        count = self.groups if self.groups else self.messages
        yield InterchangeEnd(interchange, count, interchange.problems, declared_count=None)

    # -- group -------------------------------------------------------------------------------------------
    def _open_group(self, ung: Segment) -> Iterator[Event]:
        if self.interchange is None:
            yield self._stray(ung)
            return
        if self.group is not None:
            yield self._end_group(ung)
        sender_id, sender_qualifier = _qualified(ung, 2)
        recipient_id, recipient_qualifier = _qualified(ung, 3)
        version = ung.get(7, 1) + (":" + ung.get(7, 2) if ung.get(7, 2) else "")
        group = Group(
            ung=ung,
            functional_id=ung.get(1),
            sender_id=sender_id,
            sender_qualifier=sender_qualifier,
            recipient_id=recipient_id,
            recipient_qualifier=recipient_qualifier,
            date=ung.get(4, 1),
            time=ung.get(4, 2),
            reference=ung.get(5),
            agency=ung.get(6),
            version=version,
            interchange=self.interchange,
        )
        if self.messages and not self.groups:
            group.problems.append(
                _problem(GROUPS_AND_MESSAGES_MIXED, "UNG after messages outside groups", ung, level="interchange")
            )
            self.interchange.problems.append(group.problems[-1])
        self.group = group
        self.groups += 1
        self.group_messages = 0
        yield GroupStart(group)

    def _close_group(self, une: Segment) -> Iterator[Event]:
        if self.group is None:
            yield self._stray(une)
            return
        yield self._end_group(une)

    def _end_group(self, une: Segment | None) -> GroupEnd:
        group = self.group
        assert group is not None and self.interchange is not None
        if une is None or une.tag != "UNE":
            problem = SyntaxProblem(
                code=MISSING,
                message=f"group {group.reference!r} has no UNE",
                level="interchange",
                segment="UNE",
                position=une.position if une is not None else None,
            )
            group.problems.append(problem)
        else:
            if not self.group_messages:
                group.problems.append(_problem(LOWER_LEVEL_EMPTY, "group holds no message", une, level="interchange"))
            declared = une.get(1)
            if not (declared.isascii() and declared.isdigit() and int(declared) == self.group_messages):
                group.problems.append(
                    _problem(
                        CONTROL_COUNT_MISMATCH,
                        f"UNE declares {declared or 'no'} messages, {self.group_messages} received",
                        une,
                        level="interchange",
                        element=1,
                        value=declared,
                    )
                )
            if une.get(2) != group.reference:
                group.problems.append(
                    _problem(
                        REFERENCES_DO_NOT_MATCH,
                        f"UNE reference {une.get(2)!r} differs from UNG's {group.reference!r}",
                        une,
                        level="interchange",
                        element=2,
                        value=une.get(2),
                    )
                )
        # a group's control problem makes the interchange unreliable: reject it whole (UCI 4)
        self.interchange.problems.extend(p for p in group.problems if p not in self.interchange.problems)
        self.group = None
        return GroupEnd(group, self.group_messages, group.problems)

    # -- message -----------------------------------------------------------------------------------------
    def _open_message(self, unh: Segment) -> None:
        problems: list[SyntaxProblem] = []
        if self.interchange is None:
            problems.append(
                SyntaxProblem(
                    code=MISSING,
                    message="message outside an interchange (no UNB before UNH)",
                    level="interchange",
                    segment="UNB",
                    position=None,
                )
            )
        elif self.groups and self.group is None:
            problems.append(
                _problem(GROUPS_AND_MESSAGES_MIXED, "message outside a group", unh, level="message", position=1)
            )
        for index, component, name in ((1, 1, "0062"), (2, 1, "0065"), (2, 2, "0052"), (2, 3, "0054"), (2, 4, "0051")):
            if not unh.get(index, component):
                problems.append(
                    _problem(
                        MISSING,
                        f"UNH {name} is missing",
                        unh,
                        level="message",
                        position=1,
                        element=index,
                        component=component if index == 2 else None,
                    )
                )
        self.messages += 1
        if self.group is not None:
            self.group_messages += 1
        self.message = Message(
            reference=unh.get(1),
            type=unh.get(2, 1),
            version=unh.get(2, 2),
            release=unh.get(2, 3),
            agency=unh.get(2, 4),
            association=unh.get(2, 5),
            segments=[unh],
            interchange=self.interchange,
            group=self.group,
            number=self.messages,
            problems=problems,
        )

    def _close_message(self, unt: Segment) -> Message:
        message = self.message
        assert message is not None
        self.message = None
        position = len(message.segments)
        declared = unt.get(1)
        if not (declared.isascii() and declared.isdigit() and int(declared) == position):
            message.problems.append(
                _problem(
                    CONTROL_COUNT_MISMATCH,
                    f"UNT declares {declared or 'no'} segments, {position} received",
                    unt,
                    level="message",
                    position=position,
                    element=1,
                    value=declared,
                )
            )
        if unt.get(2) != message.reference:
            message.problems.append(
                _problem(
                    REFERENCES_DO_NOT_MATCH,
                    f"UNT reference {unt.get(2)!r} differs from UNH's {message.reference!r}",
                    unt,
                    level="message",
                    position=position,
                    element=2,
                    value=unt.get(2),
                )
            )
        message.problems.extend(_bad_characters(message))
        return message

    def _cut_message(self, at: Segment | None) -> Message:
        message = self.message
        assert message is not None
        self.message = None
        where = "end of input" if at is None else f"{at.tag} at segment {at.position}"
        message.problems.append(
            SyntaxProblem(
                code=MISSING,
                message=f"message {message.reference!r} has no UNT ({where})",
                level="message",
                segment="UNT",
                position=len(message.segments) + 1,
            )
        )
        message.problems.extend(_bad_characters(message))
        return message

    def _stray(self, segment: Segment) -> Stray:
        """A segment outside any message (or a trailer with nothing open): it condemns its interchange."""
        problem = _problem(
            OUTSIDE_MESSAGE,
            f"segment {segment.tag} outside a message",
            segment,
            level="interchange",
        )
        if self.interchange is not None:
            self.interchange.problems.append(problem)
        return Stray(segment, problem, self.interchange)


def _service_of(una: Segment) -> ServiceChars:
    """The service characters a UNA segment carries (the tokenizer stores the six characters as element 1)."""
    return ServiceChars.from_una(una.get(1))


def _check_unb(unb: Segment) -> list[SyntaxProblem]:
    """Interchange-level problems visible in the UNB alone (missing mandatory elements, unsupported syntax)."""
    problems: list[SyntaxProblem] = []
    mandatory = ((1, 1, "0001"), (1, 2, "0002"), (2, 1, "0004"), (3, 1, "0010"), (4, 1, "0017"), (4, 2, "0019"))
    for index, component, name in (*mandatory, (5, 1, "0020")):
        if not unb.get(index, component):
            problems.append(
                _problem(
                    MISSING,
                    f"UNB {name} is missing",
                    unb,
                    level="interchange",
                    element=index,
                    component=component,
                )
            )
    syntax_id = unb.get(1, 1)
    if syntax_id and syntax_id not in SUPPORTED_SYNTAX_IDS:
        problems.append(
            _problem(
                SYNTAX_VERSION_NOT_SUPPORTED,
                f"syntax identifier {syntax_id!r} is not supported",
                unb,
                level="interchange",
                element=1,
                component=1,
                value=syntax_id,
            )
        )
    version = unb.get(1, 2)
    if version and version not in ("1", "2", "3", "4"):
        problems.append(
            _problem(
                SYNTAX_VERSION_NOT_SUPPORTED,
                f"syntax version {version!r} is not supported",
                unb,
                level="interchange",
                element=1,
                component=2,
                value=version,
            )
        )
    # 0031: 1 acknowledgement requested (2 indication of receipt, syntax 4); 0035: 1 test. "0" is common for "no".
    for flag_index, name, allowed in ((9, "0031", ("", "0", "1", "2")), (11, "0035", ("", "0", "1"))):
        flag = unb.get(flag_index)
        if flag not in allowed:
            problems.append(
                _problem(
                    INVALID_VALUE,
                    f"UNB {name} {flag!r} is not a valid code",
                    unb,
                    level="interchange",
                    element=flag_index,
                    value=flag,
                )
            )
    if unb.bad_characters:
        problems.append(_problem(INVALID_CHARACTERS, "invalid character(s) in UNB", unb, level="interchange"))
    return problems


def _bad_characters(message: Message) -> list[SyntaxProblem]:
    """Code 21 for each segment of the message holding characters outside the declared repertoire."""
    return [
        _problem(
            INVALID_CHARACTERS,
            f"{seg.tag} holds characters outside the {message.interchange.syntax_id if message.interchange else ''}"
            " character set",
            seg,
            level="segment",
            position=index,
        )
        for index, seg in enumerate(message.segments, start=1)
        if seg.bad_characters
    ]
