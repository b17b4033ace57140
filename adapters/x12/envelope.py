"""Streaming X12 structure reader: interchanges, groups and transaction sets as events, with envelope checks.

API (stable; the mapping layer codes against it):

    read_interchanges(source: bytes | BinaryIO, *, filename=None, chunk_size=1 << 20) -> Iterator[Event]

yields, in input order, for each interchange:

    InterchangeStart(interchange)            after the ISA (interchange.problems: what the ISA itself breaks)
    InterchangeSegment(interchange, segment) a segment directly under the ISA: TA1, TA3, ISB, ISE, ISX
    GroupStart(group)                        after a GS (group.problems: what the GS itself breaks)
    TransactionSet                           one ST..SE, with its structural problems (SE count, SE02, no SE)
    GroupEnd(group, set_count, received, problems, ge)
    InterchangeEnd(interchange, group_count, received, problems, iea)

Every opened group and interchange is closed by its end event, also when the input is truncated or
the trailer is missing: the end event then carries the problem (AK9 code 3; TA1 note 023).
`GroupEnd.problems` and `InterchangeEnd.problems` hold the complete lists (header problems included).
A problem with `rejects=False` is reported but does not reject (TA104 "E": for instance an ISA id that
is not padded to its fixed width). Memory: the reader holds one transaction set's segments at a time.

Problem codes are the wire codes of the acknowledgments:
- InterchangeProblem.code: TA105 note code ("001" ... "031").
- GroupProblem.code: AK905/AK9 code ("1" ... "26").
- SetProblem.code: AK502/IK502 code ("1" ... "27", "5" for segment errors); SetProblem.segment (AK3/IK3)
  with SegmentProblem.code (AK304/IK304) and its ElementProblem list (AK4/IK4: AK403/IK403 codes).
Positions: SegmentProblem.position counts from ST = 1 (AK302); `Segment.position` counts from ISA = 1.

Input that is not X12 at all raises hub.errors.DecodeError (with file and byte offset).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from adapters.x12.headers import ge_problems, gs_problems, iea_problems, isa_problems, se_problems, st_problems
from adapters.x12.problems import (  # re-exported: the mapping layer imports them from here
    ElementProblem,
    GroupProblem,
    InterchangeProblem,
    SegmentProblem,
    SetProblem,
)
from adapters.x12.syntax import Delimiters, Segment
from adapters.x12.tokenizer import iter_segments

# -- envelope levels ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Interchange:
    """An ISA and what it says. Ids are stripped of their padding."""

    isa: Segment
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    control_number: str  # ISA13 as written (e.g. "000000101")
    version: str  # ISA12, e.g. "00401"
    date: str  # ISA09 YYMMDD
    time: str  # ISA10 HHMM
    test: bool  # ISA15 == "T"
    ack_requested: bool  # ISA14 == "1"
    delimiters: Delimiters
    problems: list[InterchangeProblem] = field(default_factory=list)  # found in the ISA itself

    @property
    def key(self) -> str:
        """The interchange identity the pipeline deduplicates on."""
        return f"x12:{self.sender_qualifier}:{self.sender_id}:{self.receiver_qualifier}:{self.receiver_id}:" + (
            self.control_number
        )

    @property
    def offset(self) -> int:
        """Byte offset of the ISA in the input."""
        return self.isa.offset


@dataclass(slots=True)
class Group:
    """A GS and what it says."""

    gs: Segment
    functional_id: str  # GS01, e.g. "PO"
    sender: str  # GS02
    receiver: str  # GS03
    date: str  # GS04
    time: str  # GS05
    control_number: str  # GS06
    version: str  # GS08, e.g. "004010" or "005010X231A1"
    interchange: Interchange
    problems: list[GroupProblem] = field(default_factory=list)  # found in the GS itself


@dataclass(slots=True)
class TransactionSet:
    """One ST..SE (both included in `segments`) and its structural problems."""

    set_id: str  # ST01
    control_number: str  # ST02
    segments: list[Segment]
    group: Group
    problems: list[SetProblem] = field(default_factory=list)  # SE count, ST02/SE02, SE missing, ST ids

    @property
    def interchange(self) -> Interchange:
        return self.group.interchange

    @property
    def position(self) -> int:
        """Position of the ST in the interchange (ISA = 1)."""
        return self.segments[0].position if self.segments else 0

    @property
    def implementation_reference(self) -> str:
        """ST03 (005010 and later), "" when absent."""
        return self.segments[0].get(3) if self.segments else ""

    @property
    def body(self) -> list[Segment]:
        """The segments between ST and SE."""
        end = len(self.segments) - 1 if self.segments and self.segments[-1].tag == "SE" else len(self.segments)
        return self.segments[1:end]


# -- events -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class InterchangeStart:
    interchange: Interchange


@dataclass(slots=True)
class InterchangeSegment:
    """A segment directly under the ISA (TA1, TA3, ISB, ISE, ISX)."""

    interchange: Interchange
    segment: Segment


@dataclass(slots=True)
class GroupStart:
    group: Group


@dataclass(slots=True)
class GroupEnd:
    group: Group
    set_count: int | None  # GE01 as declared (None when GE is missing or GE01 is not a number)
    received: int  # transaction sets actually read
    problems: list[GroupProblem]
    ge: Segment | None

    @property
    def rejected(self) -> bool:
        return any(p.rejects for p in self.problems)


@dataclass(slots=True)
class InterchangeEnd:
    interchange: Interchange
    group_count: int | None  # IEA01 as declared (None when IEA is missing or IEA01 is not a number)
    received: int  # functional groups actually read
    problems: list[InterchangeProblem]
    iea: Segment | None

    @property
    def rejected(self) -> bool:
        return any(p.rejects for p in self.problems)

    @property
    def status(self) -> str:
        """TA104: A accepted, E accepted with errors, R rejected."""
        if self.rejected:
            return "R"
        return "E" if self.problems else "A"


Event = InterchangeStart | InterchangeSegment | GroupStart | TransactionSet | GroupEnd | InterchangeEnd

INTERCHANGE_LEVEL_TAGS = frozenset({"TA1", "TA3", "ISB", "ISE", "ISX"})

__all__ = [
    "INTERCHANGE_LEVEL_TAGS",
    "ElementProblem",
    "Event",
    "Group",
    "GroupEnd",
    "GroupProblem",
    "GroupStart",
    "Interchange",
    "InterchangeEnd",
    "InterchangeProblem",
    "InterchangeSegment",
    "InterchangeStart",
    "SegmentProblem",
    "SetProblem",
    "TransactionSet",
    "group_of",
    "interchange_of",
    "read_interchanges",
]


def read_interchanges(
    source: bytes | BinaryIO, *, filename: str | None = None, chunk_size: int = 1 << 20
) -> Iterator[Event]:
    """Events for every interchange in `source` (bytes or a binary stream, read in chunks)."""
    return _Reader().events(iter_segments(source, filename=filename, chunk_size=chunk_size))


def interchange_of(isa: Segment) -> Interchange:
    """The Interchange an ISA describes, with the ISA's own problems."""
    get = isa.get
    return Interchange(
        isa=isa,
        sender_qualifier=get(5).strip(),
        sender_id=get(6).strip(),
        receiver_qualifier=get(7).strip(),
        receiver_id=get(8).strip(),
        control_number=get(13).strip(),
        version=get(12).strip(),
        date=get(9).strip(),
        time=get(10).strip(),
        test=get(15).strip() == "T",
        ack_requested=get(14).strip() == "1",
        delimiters=isa.delimiters or Delimiters(),
        problems=isa_problems(isa),
    )


def group_of(gs: Segment, interchange: Interchange) -> Group:
    """The Group a GS describes, with the GS's own problems."""
    get = gs.get
    return Group(
        gs=gs,
        functional_id=get(1),
        sender=get(2).strip(),
        receiver=get(3).strip(),
        date=get(4),
        time=get(5),
        control_number=get(6),
        version=get(8),
        interchange=interchange,
        problems=gs_problems(gs),
    )


_CONTROL = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})


class _Reader:
    """The state machine: which envelope level is open, what it has counted so far."""

    def __init__(self) -> None:
        self.interchange: Interchange | None = None
        self.ix_problems: list[InterchangeProblem] = []
        self.groups = 0
        self.ta1s = 0
        self.group_numbers: set[str] = set()
        self.group: Group | None = None
        self.g_problems: list[GroupProblem] = []
        self.sets = 0
        self.set_numbers: set[str] = set()
        self.segments: list[Segment] | None = None  # the open transaction set's segments

    def events(self, segments: Iterator[Segment]) -> Iterator[Event]:
        for segment in segments:
            if self.segments is not None:
                tag = segment.tag
                if tag not in _CONTROL:
                    self.segments.append(segment)
                    continue
                if tag == "SE":
                    self.segments.append(segment)
                    yield self._end_set(segment)
                    continue
                yield self._end_set(None)
            yield from self._control(segment)
        if self.segments is not None:
            yield self._end_set(None)
        if self.group is not None:
            yield self._end_group(None)
        if self.interchange is not None:
            self.ix_problems.append(InterchangeProblem("023", "the input ends before the IEA"))
            yield self._end_interchange(None)

    def _control(self, segment: Segment) -> Iterator[Event]:
        tag = segment.tag
        if tag == "ISA":
            if self.group is not None:
                yield self._end_group(None)
            if self.interchange is not None:
                self.ix_problems.append(InterchangeProblem("023", "a new ISA begins before the IEA"))
                yield self._end_interchange(None)
            interchange = interchange_of(segment)
            self.interchange = interchange
            self.ix_problems = list(interchange.problems)
            self.groups = self.ta1s = 0
            self.group_numbers = set()
            yield InterchangeStart(interchange)
            return
        interchange = self.interchange
        if interchange is None:  # the tokenizer always starts with an ISA; kept for safety
            return
        if tag == "ST":
            if self.group is None:
                self._structure(f"ST at position {segment.position} outside a functional group")
                return
            self.segments = [segment]
            return
        if tag == "GS":
            if self.group is not None:
                yield self._end_group(None)
            group = group_of(segment, interchange)
            self.group = group
            self.g_problems = list(group.problems)
            if group.control_number in self.group_numbers:
                self.g_problems.append(GroupProblem("19", f"GS06 {group.control_number} repeats in the interchange"))
            self.group_numbers.add(group.control_number)
            self.groups += 1
            self.sets = 0
            self.set_numbers = set()
            yield GroupStart(group)
            return
        if tag == "GE":
            if self.group is None:
                self._structure(f"GE at position {segment.position} without a GS")
                return
            yield self._end_group(segment)
            return
        if tag == "IEA":
            if self.group is not None:
                yield self._end_group(None)
            yield self._end_interchange(segment)
            return
        if tag == "SE":
            self._structure(f"SE at position {segment.position} without an ST")
            return
        if self.group is None and tag in INTERCHANGE_LEVEL_TAGS:
            self.ta1s += tag == "TA1"
            yield InterchangeSegment(interchange, segment)
            return
        where = "between transaction sets" if self.group is not None else "outside a functional group"
        self._structure(f"{tag} at position {segment.position} {where}")

    def _structure(self, message: str) -> None:
        if not any(p.code == "022" for p in self.ix_problems):
            self.ix_problems.append(InterchangeProblem("022", message))

    def _end_set(self, se: Segment | None) -> TransactionSet:
        segments = self.segments or []
        self.segments = None
        st = segments[0]
        problems = st_problems(st)
        if se is None:
            problems.append(SetProblem("2", f"transaction set {st.get(2)!r} has no SE"))
        else:
            problems.extend(se_problems(st, se, len(segments)))
        number = st.get(2)
        if number in self.set_numbers:
            problems.append(SetProblem("23", f"ST02 {number!r} repeats in the functional group"))
        self.set_numbers.add(number)
        self.sets += 1
        assert self.group is not None
        return TransactionSet(st.get(1), number, segments, self.group, problems)

    def _end_group(self, ge: Segment | None) -> GroupEnd:
        group = self.group
        assert group is not None
        self.group = None
        problems = self.g_problems
        declared: int | None = None
        if ge is None:
            problems.append(GroupProblem("3", f"functional group {group.control_number} has no GE"))
        else:
            problems.extend(ge_problems(group.gs, ge, self.sets))
            declared = int(ge.get(1)) if ge.get(1).isdecimal() else None
        self.set_numbers = set()
        return GroupEnd(group, declared, self.sets, problems, ge)

    def _end_interchange(self, iea: Segment | None) -> InterchangeEnd:
        interchange = self.interchange
        assert interchange is not None
        self.interchange = None
        problems = self.ix_problems
        declared: int | None = None
        if iea is not None:
            problems.extend(iea_problems(interchange.isa, iea, self.groups, self.ta1s))
            declared = int(iea.get(1)) if iea.get(1).isdecimal() else None
        return InterchangeEnd(interchange, declared, self.groups, problems, iea)
