"""The problems the X12 reader and validator report, each carrying its acknowledgment wire code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hub.errors import Location, ValidationFailed

if TYPE_CHECKING:
    from adapters.x12.envelope import TransactionSet


@dataclass(frozen=True, slots=True)
class ElementProblem:
    """One bad data element (AK4 / IK4)."""

    code: str  # AK403/IK403: 1 mandatory missing ... 13 too many components
    position: int  # element position in its segment (AK401-1 / IK401-1), 1-based
    reference: str = ""  # data element reference number (AK402 / IK402), e.g. "353"
    component: int | None = None  # component position (AK401-2 / IK401-2)
    repetition: int | None = None  # repeating data element position (IK401-3)
    value: str = ""  # copy of the bad data element (AK404 / IK404), empty when missing
    message: str = ""


@dataclass(frozen=True, slots=True)
class SegmentProblem:
    """One bad segment of a transaction set (AK3 / IK3) with its element problems."""

    code: str  # AK304/IK304: 1 unrecognized ... 8 segment has data element errors
    tag: str  # AK301 / IK301
    position: int  # AK302 / IK302: position in the transaction set, ST = 1
    loop_id: str = ""  # AK303 / IK303 (the loop the segment is in, when in one)
    elements: tuple[ElementProblem, ...] = ()
    message: str = ""
    interchange_position: int = 0  # Segment.position (ISA = 1), for error reports


@dataclass(frozen=True, slots=True)
class SetProblem:
    """Why a transaction set is in error (AK5 / IK5 code), optionally about one segment."""

    code: str  # AK502/IK502: 1 not supported, 2 trailer missing, 3 ST02/SE02, 4 SE01 count, 5 segments in error...
    message: str
    segment: SegmentProblem | None = None
    rejects: bool = True

    def field(self) -> str | None:
        """The first bad element as "BEG03" (or "N101-2" for a component), when the problem names one."""
        if self.segment is None or not self.segment.elements:
            return None
        first = self.segment.elements[0]
        name = f"{self.segment.tag}{first.position:02d}"
        return f"{name}-{first.component}" if first.component else name

    def to_error(self, ts: TransactionSet, *, file: str | None = None) -> ValidationFailed:
        """This problem as a hub error: code is the AK5/IK5 code, location the segment and element."""
        seg = self.segment
        location = Location(
            file=file,
            segment=seg.tag if seg else ts.set_id or "ST",
            position=seg.interchange_position if seg else ts.position,
            field=self.field(),
        )
        return ValidationFailed(f"{ts.set_id} {ts.control_number}: {self.message}", code=self.code, location=location)


@dataclass(frozen=True, slots=True)
class GroupProblem:
    """Why a functional group is in error (AK905.. / AK9 codes)."""

    code: str  # 1 not supported, 2 version not supported, 3 GE missing, 4 GS06/GE02, 5 GE01 count, 6 syntax...
    message: str
    rejects: bool = True


@dataclass(frozen=True, slots=True)
class InterchangeProblem:
    """Why an interchange is in error (TA105 note code); `element` names the ISA/IEA element when known."""

    code: str  # TA105: 001 ISA13/IEA02 ... 023 premature end of file, 024 invalid content, 025 duplicate...
    message: str
    element: str | None = None  # e.g. "ISA06"
    rejects: bool = True
