"""Element checks of one X12 segment against its definition, with the AK4/IK4 code of each problem.

The common case (a valid segment) costs one compiled regular expression over the joined elements plus
the segment's syntax notes; only a segment that fails it is examined element by element.

The repetition separator (ISA11) is taken as data: none of the hub's sets has a repeating element, and
senders that declare a common character there ('-' in 00406 files) still use it in text.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from adapters.x12.definitions import ElementDef, ElementUse, Rule, SegmentDef
from adapters.x12.problems import ElementProblem

JOIN = "\x1d"  # joins elements for the fast check; a control character is never valid data
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_NUMBER = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[Ee]-?\d+)?")


# -- the fast path -------------------------------------------------------------------------------------


def _value_pattern(element: ElementDef | None, forbidden: str) -> str:
    free = f"[^{re.escape(forbidden)}\\x00-\\x1f\\x7f]"
    if element is None:
        return f"{free}*"
    low, high = element.min, element.max
    kind = element.type
    if kind == "ID" and element.codes:
        return "(?:" + "|".join(re.escape(code) for code in sorted(element.codes, key=len, reverse=True)) + ")"
    if kind in ("AN", "ID"):
        return f"{free}{{{low},{high}}}"
    if kind == "DT":
        day = r"(?:0[1-9]|1\d|2[0-8])"  # 29-31 take the slow path, which knows the calendar
        month = r"(?:0[1-9]|1[0-2])"
        return rf"\d{{2}}{month}{day}" if high == 6 else rf"\d{{4}}{month}{day}"
    if kind == "TM":
        return rf"(?=\d{{{low},{high}}}(?:{JOIN}|[^\d]|$))(?:[01]\d|2[0-3])[0-5]\d(?:[0-5]\d\d{{0,2}})?"
    if kind == "R":
        return rf"-?(?:(?=\d{{{low},{high}}}(?!\d))\d+|(?=[\d.]{{{low + 1},{high + 1}}}(?![\d.]))\d*\.\d+|\d+\.)"
    return rf"-?\d{{{low},{high}}}"  # N0..N9


def _use_pattern(use: ElementUse, component: str, forbidden: str) -> str:
    if use.components:
        parts = [_use_pattern(part, component, forbidden + component) for part in use.components]
        return _sequence(parts, [part.mandatory for part in use.components], re.escape(component))
    return _value_pattern(use.element, forbidden + component)


def _sequence(patterns: list[str], mandatory: list[bool], sep: str) -> str:
    """Patterns joined by `sep`; the ones after the last mandatory may be absent with their separators."""
    if not patterns:
        return ""
    pieces = [p if mandatory[i] else f"(?:{p})?" for i, p in enumerate(patterns)]
    head_count = max((i + 1 for i, flag in enumerate(mandatory) if flag), default=1)
    tail = ""
    for piece in reversed(pieces[head_count:]):
        tail = f"(?:{sep}{piece}{tail})?"
    return sep.join(pieces[:head_count]) + tail


@cache
def fast_pattern(segment: SegmentDef, component: str) -> re.Pattern[str]:
    """A pattern matching exactly the valid element lists (joined by JOIN) of `segment`, syntax notes aside."""
    patterns = [_use_pattern(use, component, JOIN) for use in segment.elements]
    body = _sequence(patterns, [use.mandatory for use in segment.elements], JOIN)
    extra = f"(?:{JOIN}[^{JOIN}]*)*" if segment.open else f"{JOIN}*"  # empty trailing elements are tolerated
    return re.compile(f"(?:{body}){extra}", re.DOTALL)


def rules_hold(rules: tuple[Rule, ...], elements: list[str]) -> bool:
    """Whether every syntax note holds (fast: no problem objects)."""
    count = len(elements)
    for rule in rules:
        present = [p <= count and elements[p - 1] != "" for p in rule.positions]
        if not _holds(rule.kind, present):
            return False
    return True


def _holds(kind: str, present: list[bool]) -> bool:
    if kind == "P":
        return all(present) or not any(present)
    if kind == "R":
        return any(present)
    if kind == "E":
        return sum(present) <= 1
    if kind == "C":
        return not present[0] or all(present[1:])
    return not present[0] or any(present[1:])  # L


# -- the slow path: each problem with its code ----------------------------------------------------------


def _date_ok(value: str, old: bool) -> bool:
    if not value.isdecimal() or len(value) not in ((6, 8) if old else (8,)):
        return False
    if len(value) == 6:
        value = ("19" if value[:2] >= "50" else "20") + value
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return False
    return True


def _time_ok(value: str) -> bool:
    if not value.isdecimal() or len(value) not in (4, 6, 7, 8):
        return False
    return int(value[:2]) < 24 and int(value[2:4]) < 60 and (len(value) < 6 or int(value[4:6]) < 60)


def value_code(value: str, element: ElementDef, old: bool = False) -> str | None:
    """The AK4 code of a present value that breaks its element definition, or None."""
    kind = element.type
    if kind == "DT":
        return None if _date_ok(value, old or element.min == 6) else "8"
    if kind == "TM":
        return None if _time_ok(value) and element.min <= len(value) <= max(element.max, 4) else "9"
    if _BAD_CHARS.search(value):
        return "6"
    if kind == "R":
        if not _DECIMAL.fullmatch(value):
            return "6"
        size = sum(ch.isdecimal() for ch in value.split("E")[0].split("e")[0])
    elif kind.startswith("N"):
        if not _NUMBER.fullmatch(value):
            return "6"
        size = len(value.lstrip("-"))
    else:
        size = len(value)
    if size < element.min:
        return "4"
    if size > element.max:
        return "5"
    if kind == "ID" and element.codes and value not in element.codes:
        return "7"
    return None


def element_problems(segment: SegmentDef, elements: list[str], component: str, version: str) -> list[ElementProblem]:
    """Every problem of `elements` against `segment` (the slow path), in element order."""
    old = version[:6] < "004010"
    modern = version[:6] >= "005010"
    problems: list[ElementProblem] = []
    defined = segment.elements
    for position, use in enumerate(defined, start=1):
        value = elements[position - 1] if position <= len(elements) else ""
        if not value:
            if use.mandatory:
                problems.append(ElementProblem("1", position, use.ref, message=f"{segment.tag}{position:02d} missing"))
            continue
        if use.components:
            problems += _composite(segment.tag, position, use, value, component, modern, old)
            continue
        if component in value:
            problems.append(_problem("13" if modern else "6", position, use.ref, value, segment.tag))
            continue
        if use.element is not None and (code := value_code(value, use.element, old)):
            problems.append(_problem(code, position, use.ref, value, segment.tag))
    if not segment.open and any(elements[len(defined) :]):
        position = next(i for i in range(len(defined), len(elements)) if elements[i]) + 1
        problems.append(_problem("3", position, "", elements[position - 1], segment.tag))
    problems += _rule_problems(segment, elements)
    return sorted(problems, key=lambda p: (p.position, p.component or 0))


def _composite(
    tag: str, position: int, use: ElementUse, value: str, component: str, modern: bool, old: bool
) -> list[ElementProblem]:
    parts = value.split(component)
    problems: list[ElementProblem] = []
    if len(parts) > len(use.components):
        problems.append(_problem("13" if modern else "3", position, use.ref, value, tag, len(use.components) + 1))
    for index, part_use in enumerate(use.components, start=1):
        part = parts[index - 1] if index <= len(parts) else ""
        if not part:
            if part_use.mandatory:
                message = f"{tag}{position:02d}-{index} missing"
                problems.append(ElementProblem("1", position, part_use.ref, index, message=message))
            continue
        if part_use.element is not None and (code := value_code(part, part_use.element, old)):
            problems.append(_problem(code, position, part_use.ref, part, tag, index))
    return problems


def _rule_problems(segment: SegmentDef, elements: list[str]) -> list[ElementProblem]:
    problems: list[ElementProblem] = []
    count = len(elements)
    refs = {i: use.ref for i, use in enumerate(segment.elements, start=1)}
    for rule in segment.rules:
        present = [p <= count and elements[p - 1] != "" for p in rule.positions]
        if _holds(rule.kind, present):
            continue
        note = f"{rule.kind}{''.join(f'{p:02d}' for p in rule.positions)}"
        if rule.kind == "E":
            second = [p for p, here in zip(rule.positions, present, strict=True) if here][1]
            problems.append(_problem("10", second, refs.get(second, ""), elements[second - 1], segment.tag, note=note))
            continue
        if rule.kind in ("R", "L"):
            missing = [rule.positions[0] if rule.kind == "R" else rule.positions[1]]
        else:
            missing = [p for p, here in zip(rule.positions, present, strict=True) if not here]
        for position in missing:
            problems.append(ElementProblem("2", position, refs.get(position, ""), message=f"{segment.tag} {note}"))
    return problems


def _problem(
    code: str, position: int, ref: str, value: str, tag: str, component: int | None = None, note: str = ""
) -> ElementProblem:
    name = f"{tag}{position:02d}" + (f"-{component}" if component else "")
    return ElementProblem(code, position, ref, component, None, value[:99], f"{name} {note or 'code ' + code}")
