"""Content of the acknowledgments the hub sends: 997 / 999 for a received functional group, TA1 for an interchange.

Output is {"segments": [[tag, e1, e2, ...], ...]} without ST/SE (the writer adds them, and the envelope
around). A composite element (AK401 / IK401 position with a component) is a list of its components,
which the writer joins with the partner's component separator.

997 (004010 style): AK1 (GS01, GS06), per set AK2 (ST01, ST02) [AK3 + AK4 per bad segment] AK5, AK9.
999 (005010X231): AK1 (GS01, GS06, GS08), per set AK2 (ST01, ST02, ST03) [IK3 + IK4] IK5, AK9.
AK9/IK5 status: A accepted, E accepted with errors, P partially accepted (some sets rejected), R rejected.
A group rejected by its own problem (GE count or control number, AK9 codes) answers AK9 R with no set
accepted; its sets still get an AK2 when they have problems of their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from adapters.x12.envelope import Group, Interchange, TransactionSet
from adapters.x12.problems import GroupProblem, InterchangeProblem, SegmentProblem, SetProblem

AckKind = Literal["997", "999"]
ACK_VERSION_999 = "005010X231A1"
MAX_SEGMENT_NOTES = 100  # AK3/IK3 per set: enough to act on, bounded for a pathological set
_UNSAFE = re.compile(r"[^A-Za-z0-9 .,\-/#&()@%+=_]")  # AK404/IK404 copies: characters no delimiter uses


@dataclass(frozen=True, slots=True)
class SetResult:
    """What the hub decided about one received transaction set."""

    set_id: str
    control_number: str
    implementation_reference: str = ""  # ST03
    problems: tuple[SetProblem, ...] = ()

    @classmethod
    def of(cls, ts: TransactionSet, problems: Sequence[SetProblem] = ()) -> SetResult:
        return cls(ts.set_id, ts.control_number, ts.implementation_reference, tuple(problems))

    @property
    def status(self) -> str:
        """AK501/IK501: R when a problem rejects, E when problems are only reported, else A."""
        if any(p.rejects for p in self.problems):
            return "R"
        return "E" if self.problems else "A"

    @property
    def accepted(self) -> bool:
        return self.status != "R"


@dataclass(frozen=True, slots=True)
class GroupOutcome:
    """AK9 figures for a group."""

    status: str
    included: int
    received: int
    accepted: int
    codes: tuple[str, ...] = field(default_factory=tuple)


def group_outcome(
    results: Sequence[SetResult], problems: Sequence[GroupProblem], declared: int | None = None
) -> GroupOutcome:
    """AK9: status and counts. `declared` is GE01 (the received count when the GE is missing or bad)."""
    received = len(results)
    codes = tuple(dict.fromkeys(p.code for p in problems))[:5]
    if any(p.rejects for p in problems):
        return GroupOutcome("R", declared if declared is not None else received, received, 0, codes)
    accepted = sum(result.accepted for result in results)
    if received and accepted == 0:
        status = "R"
    elif accepted < received:
        status = "P"
    elif problems or any(result.status == "E" for result in results):
        status = "E"
    else:
        status = "A"
    return GroupOutcome(status, declared if declared is not None else received, received, accepted, codes)


def functional_ack(
    kind: AckKind,
    group: Group,
    results: Sequence[SetResult],
    problems: Sequence[GroupProblem] = (),
    declared: int | None = None,
) -> dict[str, Any]:
    """The 997 or 999 answering `group`, as {"segments": [...]} (no ST/SE)."""
    if kind not in ("997", "999"):
        raise ValueError(f"a functional acknowledgment is a 997 or a 999, not {kind!r}")
    nine = kind == "999"
    outcome = group_outcome(results, problems, declared)
    rows: list[list[Any]] = [["AK1", group.functional_id, group.control_number, *([group.version] if nine else [])]]
    group_rejected = any(p.rejects for p in problems)
    for result in results:
        if group_rejected and not result.problems:
            continue
        rows += _set_rows(result, nine)
    rows.append(
        ["AK9", outcome.status, str(outcome.included), str(outcome.received), str(outcome.accepted), *outcome.codes]
    )
    return {"segments": _trim(rows)}


def _set_rows(result: SetResult, nine: bool) -> list[list[Any]]:
    head = ["AK2", result.set_id, result.control_number]
    if nine and result.implementation_reference:
        head.append(result.implementation_reference)
    rows: list[list[Any]] = [head]
    segments = [p.segment for p in result.problems if p.segment is not None]
    for segment in segments[:MAX_SEGMENT_NOTES]:
        rows += _segment_rows(segment, nine)
    codes = list(dict.fromkeys(p.code for p in result.problems))[:5]
    rows.append(["IK5" if nine else "AK5", result.status, *codes])
    return rows


def _segment_rows(segment: SegmentProblem, nine: bool) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["IK3" if nine else "AK3", segment.tag, str(segment.position), segment.loop_id, segment.code]
    ]
    for element in segment.elements:
        position: Any = str(element.position)
        if element.component or (nine and element.repetition):
            position = [str(element.position), str(element.component or "")]
            if nine and element.repetition:
                position.append(str(element.repetition))
        value = _UNSAFE.sub(" ", element.value)[:99].strip()
        rows.append(["IK4" if nine else "AK4", position, element.reference, element.code, value])
    return rows


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    """Drop trailing empty elements (X12 writes no trailing separators)."""
    trimmed = []
    for row in rows:
        end = len(row)
        while end > 1 and row[end - 1] in ("", None, []):
            end -= 1
        trimmed.append(row[:end])
    return trimmed


def ta1_status(problems: Sequence[InterchangeProblem]) -> tuple[str, str]:
    """TA104 and TA105 for these interchange problems: (A, 000), (E, code) or (R, code of the first rejecting)."""
    rejecting = [p for p in problems if p.rejects]
    if rejecting:
        return "R", rejecting[0].code
    if problems:
        return "E", problems[0].code
    return "A", "000"


def ta1(
    interchange: Interchange, problems: Sequence[InterchangeProblem] = (), *, duplicate: bool = False
) -> dict[str, Any]:
    """The TA1 answering `interchange` as {"segments": [["TA1", ...]]}; `duplicate` gives R / 025."""
    status, code = ("R", "025") if duplicate else ta1_status(problems)
    control = interchange.control_number.zfill(9)[-9:] if interchange.control_number.isdecimal() else "000000000"
    date = interchange.date if len(interchange.date) == 6 and interchange.date.isdecimal() else "000000"
    time = interchange.time if len(interchange.time) == 4 and interchange.time.isdecimal() else "0000"
    return {"segments": [["TA1", control, date, time, status, code]]}
