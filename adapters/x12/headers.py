"""Checks of the X12 control segments (ISA, GS, IEA, GE, ST, SE), each answering with its wire code."""

from __future__ import annotations

import re
from datetime import date

from adapters.x12.problems import GroupProblem, InterchangeProblem, SetProblem
from adapters.x12.syntax import Segment

# ISA element: (TA105 code when invalid, fixed length, allowed values or a pattern)
_QUALIFIERS = frozenset({f"{n:02d}" for n in (1, 2, 3, 4, *range(7, 39))} | {"AM", "NR", "SA", "SN", "ZZ"})
_ISA: dict[int, tuple[str, int, frozenset[str] | re.Pattern[str] | None]] = {
    1: ("010", 2, frozenset({"00", "01", "02", "03", "04", "05", "06"})),
    2: ("011", 10, None),
    3: ("012", 2, frozenset({"00", "01"})),
    4: ("013", 10, None),
    5: ("005", 2, _QUALIFIERS),
    6: ("006", 15, None),
    7: ("007", 2, _QUALIFIERS),
    8: ("008", 15, None),
    9: ("014", 6, re.compile(r"\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")),
    10: ("015", 4, re.compile(r"([01]\d|2[0-3])[0-5]\d")),
    12: ("017", 5, re.compile(r"00[2-8]\d\d")),
    13: ("018", 9, re.compile(r"\d{9}")),
    14: ("019", 1, frozenset({"0", "1"})),
    15: ("020", 1, frozenset({"P", "T", "I"})),
}
_DIGITS = re.compile(r"\d{1,9}")
_ST02 = re.compile(r"[^\s]{4,9}")
_SET_ID = re.compile(r"[0-9A-Z]{3}")
_GS_DATE = re.compile(r"(\d\d)?\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")
_GS_TIME = re.compile(r"([01]\d|2[0-3])[0-5]\d(\d\d(\d{1,2})?)?")


def _calendar_date(value: str) -> bool:
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return False
    return True


def _same_number(a: str, b: str) -> bool:
    """Control numbers agree: identical, or the same number (GS06/GE02 are N0: leading zeros are padding)."""
    return a == b or (a.isdecimal() and b.isdecimal() and int(a) == int(b))


def isa_problems(isa: Segment) -> list[InterchangeProblem]:
    """What the ISA breaks. A value only off its fixed width (unpadded) is reported but does not reject."""
    problems: list[InterchangeProblem] = []
    if len(isa.elements) != 16:
        problems.append(InterchangeProblem("024", f"the ISA has {len(isa.elements)} elements, not 16", "ISA"))
    for index, (code, width, allowed) in _ISA.items():
        raw = isa.get(index)
        name = f"ISA{index:02d}"
        value = raw.strip()
        if isinstance(allowed, frozenset):
            valid = value in allowed
        elif allowed is not None:
            valid = allowed.fullmatch(value) is not None
        else:
            valid = bool(value) or index in (2, 4)  # authorization/security information may be blank
        if valid and index == 9:
            valid = _calendar_date("20" + value)
        if not valid:
            problems.append(InterchangeProblem(code, f"{name} {raw!r} is not a valid value", name))
        elif len(raw) != width:
            problems.append(InterchangeProblem(code, f"{name} {raw!r} is not {width} characters", name, rejects=False))
    return problems


def iea_problems(isa: Segment, iea: Segment, groups: int, ta1s: int) -> list[InterchangeProblem]:
    """IEA01 against the groups read (or, in a group-less interchange, the TA1s), IEA02 against ISA13."""
    problems: list[InterchangeProblem] = []
    declared = iea.get(1)
    if not _DIGITS.fullmatch(declared) or int(declared) not in (groups, ta1s if groups == 0 else groups):
        problems.append(
            InterchangeProblem("021", f"IEA01 says {declared!r} groups, the interchange has {groups}", "IEA01")
        )
    trailer, header = iea.get(2), isa.get(13)
    if trailer != header:
        if _same_number(trailer, header):
            message = f"IEA02 {trailer!r} is ISA13 {header!r} without its fixed width"
            problems.append(InterchangeProblem("018", message, "IEA02", rejects=False))
        else:
            message = f"IEA02 {trailer!r} does not match ISA13 {header!r}"
            problems.append(InterchangeProblem("001", message, "IEA02"))
    return problems


def gs_problems(gs: Segment) -> list[GroupProblem]:
    """What the GS breaks (AK9 codes): GS06 syntax (6), no functional id (1), no version (2)."""
    problems: list[GroupProblem] = []
    if not gs.get(1).strip():
        problems.append(GroupProblem("1", "GS01 functional identifier code is missing"))
    if not _DIGITS.fullmatch(gs.get(6)):
        problems.append(GroupProblem("6", f"GS06 {gs.get(6)!r} is not a 1-9 digit control number"))
    if not gs.get(8).strip():
        problems.append(GroupProblem("2", "GS08 version is missing"))
    gs_date = gs.get(4)
    full_date = gs_date if len(gs_date) == 8 else "20" + gs_date
    if not _GS_DATE.fullmatch(gs_date) or not _calendar_date(full_date) or not _GS_TIME.fullmatch(gs.get(5)):
        problems.append(GroupProblem("6", f"GS04/GS05 {gs.get(4)!r} {gs.get(5)!r} is not a valid date and time"))
    if len(gs.elements) < 8:
        problems.append(GroupProblem("6", f"the GS has {len(gs.elements)} elements, not 8"))
    return problems


def ge_problems(gs: Segment, ge: Segment, sets: int) -> list[GroupProblem]:
    """GE01 against the sets read (5), GE02 against GS06 (4)."""
    problems: list[GroupProblem] = []
    declared = ge.get(1)
    if not _DIGITS.fullmatch(declared) or int(declared) != sets:
        problems.append(GroupProblem("5", f"GE01 says {declared!r} transaction sets, the group has {sets}"))
    if not _same_number(ge.get(2), gs.get(6)):
        problems.append(GroupProblem("4", f"GE02 {ge.get(2)!r} does not match GS06 {gs.get(6)!r}"))
    return problems


def st_problems(st: Segment) -> list[SetProblem]:
    """ST01 (6) and ST02 (7)."""
    problems: list[SetProblem] = []
    if not _SET_ID.fullmatch(st.get(1)):
        problems.append(SetProblem("6", f"ST01 {st.get(1)!r} is not a transaction set identifier"))
    if not _ST02.fullmatch(st.get(2)):
        problems.append(SetProblem("7", f"ST02 {st.get(2)!r} is not a 4-9 character control number"))
    return problems


def se_problems(st: Segment, se: Segment, count: int) -> list[SetProblem]:
    """SE01 against the segments read, ST and SE included (4); SE02 against ST02 (3)."""
    problems: list[SetProblem] = []
    declared = se.get(1)
    if not _DIGITS.fullmatch(declared) or int(declared) != count:
        problems.append(SetProblem("4", f"SE01 says {declared!r} segments, the transaction set has {count}"))
    if se.get(2) != st.get(2):
        problems.append(SetProblem("3", f"SE02 {se.get(2)!r} does not match ST02 {st.get(2)!r}"))
    return problems
