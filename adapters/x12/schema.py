"""Validate an X12 transaction set against its definition (mappings/x12/*.yaml): segment order, loops, elements.

`validate_set(ts)` returns SetProblems (AK5/IK5 code 5 "one or more segments in error", or 1 "transaction
set not supported" for a set id with no definition), each naming its segment (AK3/IK3: tag, position
from ST = 1, loop id, code 1-8) and, for code 8, its element problems (AK4/IK4). The structural problems
the envelope reader found (SE count, SE02, missing SE) are not repeated here.

Versions: GS08 from 005010 on reads the 005010 dictionary (ST03, AK103, longer REF02...), anything else
the 004010 one; before 004010 dates may have 6 digits (YYMMDD). The set tables are the same for both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from adapters.x12.definitions import (
    LoopDef,
    SegmentDef,
    SegmentUse,
    SetDefinition,
    release,
    segment_def,
    set_definitions,
)
from adapters.x12.element_checks import JOIN, element_problems, fast_pattern, rules_hold
from adapters.x12.envelope import TransactionSet
from adapters.x12.problems import ElementProblem, SegmentProblem, SetProblem
from adapters.x12.syntax import Segment

__all__ = ["definition", "supported_sets", "validate_segments", "validate_set"]

_TAG = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_SEGMENT_CODES = {
    "1": "unrecognized segment ID",
    "2": "unexpected segment",
    "3": "mandatory segment missing",
    "4": "loop occurs over maximum times",
    "5": "segment exceeds maximum use",
    "6": "segment not in defined transaction set",
    "7": "segment not in proper sequence",
    "8": "segment has data element errors",
}


def supported_sets() -> list[str]:
    """The transaction set ids the hub has definitions for."""
    return sorted(set_definitions())


def definition(set_id: str) -> SetDefinition | None:
    return set_definitions().get(set_id)


def validate_set(ts: TransactionSet) -> list[SetProblem]:
    """The set's problems against its definition; [] for a valid set."""
    found = definition(ts.set_id)
    if found is None:
        return [SetProblem("1", f"transaction set {ts.set_id!r} is not supported")]
    segment_problems = validate_segments(found, ts.segments, ts.group.version, ts.interchange.delimiters.component)
    return [SetProblem("5", problem.message, problem) for problem in segment_problems]


_Check = tuple[SegmentDef, Callable[[str], object]] | None
_VALID_SHAPES: dict[tuple[int, str, str, tuple[str, ...]], tuple[SetDefinition, list[_Check]]] = {}
_MAX_VALID_SHAPES = 4096


def validate_segments(
    found: SetDefinition, segments: list[Segment], version: str, component: str = ">"
) -> list[SegmentProblem]:
    """Segment and element problems of `segments` (ST..SE) against `found`.

    Placing segments in the set's table depends on their tags alone, so a sequence of tags once found
    in place is remembered (per definition, version and component separator, a bounded table): a set
    with a known shape only has its elements checked, and the table walk runs again only when an
    element check fails, to place and report the problem.
    """
    if not segments:
        return []
    tags = tuple([segment.tag for segment in segments])
    key = (id(found), version, component, tags)
    known = _VALID_SHAPES.get(key)
    if known is not None and known[0] is found and _elements_pass(segments, known[1]):
        return []
    problems = _walk(found, segments, version, component)
    if not problems and version[:6] >= "004010":
        if len(_VALID_SHAPES) >= _MAX_VALID_SHAPES:
            _VALID_SHAPES.clear()
        dictionary = release(version)
        _VALID_SHAPES[key] = (found, [_segment_check(tag, dictionary, component) for tag in tags])
    return problems


def _elements_pass(segments: list[Segment], checks: list[_Check]) -> bool:
    """Whether every segment's elements match its whole-segment pattern and its syntax notes hold."""
    for segment, check in zip(segments, checks, strict=True):
        if check is None:
            continue
        definition_, fullmatch = check
        elements = segment.elements
        if not fullmatch(JOIN.join(elements)) or (definition_.rules and not _rules_hold(definition_, elements)):
            return False
    return True


def _walk(found: SetDefinition, segments: list[Segment], version: str, component: str) -> list[SegmentProblem]:
    """Place every segment in the set's table and check its elements: every problem, in order."""
    walker = _Walker(found)
    problems: list[SegmentProblem] = []
    dictionary = release(version)
    old = version[:6] < "004010"
    start = segments[0].position
    for segment in segments:
        position = segment.position - start + 1
        place = walker.step(segment.tag, position, segment.position)
        problems += walker.pending
        walker.pending = []
        if place is not None:
            problems.append(place)
            continue
        check = _segment_check(segment.tag, dictionary, component)
        if check is None:
            continue
        definition_, fullmatch = check
        elements = segment.elements
        if not old and fullmatch(JOIN.join(elements)) and (not definition_.rules or _rules_hold(definition_, elements)):
            continue
        bad = element_problems(definition_, elements, component, version)
        if bad:
            problems.append(_segment_problem("8", segment.tag, position, walker.loop_id, segment.position, bad))
    last = segments[-1]
    walker.finish(last.position - start + 1, last.position)
    problems += walker.pending
    return problems


_RULE_SHAPES: dict[tuple[int, tuple[bool, ...]], bool] = {}
_MAX_SHAPES = 100_000


def _rules_hold(definition_: SegmentDef, elements: list[str]) -> bool:
    """rules_hold, remembered per segment definition and pattern of present elements (the notes read no more)."""
    key = (id(definition_), tuple(map(bool, elements)))
    found = _RULE_SHAPES.get(key)
    if found is None:
        if len(_RULE_SHAPES) >= _MAX_SHAPES:
            _RULE_SHAPES.clear()
        found = _RULE_SHAPES[key] = rules_hold(definition_.rules, elements)
    return found


@cache
def _segment_check(tag: str, dictionary: str, component: str) -> tuple[SegmentDef, Callable[[str], object]] | None:
    """Segment `tag`'s definition and its fast whole-segment matcher (cached by plain strings: cheap to look up)."""
    found = segment_def(tag, dictionary)
    return None if found is None else (found, fast_pattern(found, component).fullmatch)


def _segment_problem(
    code: str, tag: str, position: int, loop_id: str, absolute: int, elements: list[ElementProblem] | None = None
) -> SegmentProblem:
    detail = "; ".join(p.message for p in elements or [])
    message = f"{tag} at position {position}: {_SEGMENT_CODES[code]}" + (f" ({detail})" if detail else "")
    return SegmentProblem(code, tag, position, loop_id, tuple(elements or ()), message, absolute)


@dataclass(slots=True)
class _Frame:
    loop: LoopDef
    index: int
    counts: list[int] = field(default_factory=list)
    places: dict[str, tuple[int, ...]] = field(default_factory=dict)  # where each tag may stand in the loop
    mandatory: tuple[int, ...] = ()

    @classmethod
    def of(cls, loop: LoopDef, index: int) -> _Frame:
        places, mandatory = _index(loop)
        return cls(loop, index, [0] * len(loop.children), places, mandatory)


def _index_of(loop: LoopDef) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    places: dict[str, list[int]] = {}
    for j, child in enumerate(loop.children):
        places.setdefault(child.tag if isinstance(child, SegmentUse) else child.trigger, []).append(j)
    mandatory = tuple(j for j, child in enumerate(loop.children) if child.mandatory)
    return {tag: tuple(found) for tag, found in places.items()}, mandatory


_Index = tuple[dict[str, tuple[int, ...]], tuple[int, ...]]
_INDEXES: dict[int, tuple[LoopDef, _Index]] = {}


def _index(loop: LoopDef) -> _Index:
    """Where each tag may stand in `loop` and which entries are mandatory, cached by identity (hashing a frozen
    loop would walk it whole); the loop is kept with its index so that its id is never reused."""
    found = _INDEXES.get(id(loop))
    if found is None or found[0] is not loop:
        found = _INDEXES[id(loop)] = (loop, _index_of(loop))
    return found[1]


class _Walker:
    """Follows a set's segments through its table: the open loops and how often each entry was used."""

    def __init__(self, found: SetDefinition) -> None:
        self.found = found
        root = found.root
        self.stack = [_Frame.of(root, -1)]
        self.pending: list[SegmentProblem] = []
        self._position = 0
        self._absolute = 0

    @property
    def loop_id(self) -> str:
        return self.stack[-1].loop.loop_id

    def step(self, tag: str, position: int, absolute: int) -> SegmentProblem | None:
        """Place one segment; a problem when it has no place (it is then skipped)."""
        self._position, self._absolute = position, absolute
        stack = self.stack
        for level in range(len(stack) - 1, -1, -1):
            frame = stack[level]
            first = max(frame.index, 0 if level == 0 else 1)
            j = next((k for k in frame.places.get(tag, ()) if k >= first), None)
            if j is not None:
                child = frame.loop.children[j]
                while len(stack) - 1 > level:
                    self._close(stack.pop())
                self._missing(frame, frame.index + 1, j)
                frame.index = j
                frame.counts[j] += 1
                if isinstance(child, SegmentUse):
                    if frame.counts[j] > child.max_use:
                        return _segment_problem("5", tag, position, frame.loop.loop_id, absolute)
                    return None
                inner = _Frame.of(child, 0)
                inner.counts[0] = 1
                stack.append(inner)
                if frame.counts[j] > child.max_repeat:
                    return _segment_problem("4", tag, position, child.loop_id, absolute)
                return None
        return _segment_problem(self._misplaced(tag), tag, position, self.loop_id, absolute)

    def finish(self, position: int, absolute: int) -> None:
        """Report what is still missing at the end of the set (SE aside: the envelope reports it)."""
        self._position, self._absolute = position, absolute
        while len(self.stack) > 1:
            self._close(self.stack.pop())
        root = self.stack[0]
        end = len(root.loop.children)
        last = root.loop.children[-1]
        if isinstance(last, SegmentUse) and last.tag == "SE":
            end -= 1
        self._missing(root, root.index + 1, end)

    def _close(self, frame: _Frame) -> None:
        self._missing(frame, frame.index + 1, len(frame.loop.children))

    def _missing(self, frame: _Frame, start: int, stop: int) -> None:
        start = max(start, 0)
        if stop <= start:
            return
        for k in frame.mandatory:
            if not start <= k < stop:
                continue
            child = frame.loop.children[k]
            if frame.counts[k] == 0:
                tag = child.tag if isinstance(child, SegmentUse) else child.trigger
                loop_id = frame.loop.loop_id if isinstance(child, SegmentUse) else child.loop_id
                self.pending.append(_segment_problem("3", tag, self._position, loop_id, self._absolute))

    def _misplaced(self, tag: str) -> str:
        if tag in self.found.tags:
            for frame in self.stack:
                before = frame.loop.children[: max(frame.index, 0)]
                if any((c.tag if isinstance(c, SegmentUse) else c.trigger) == tag for c in before):
                    return "7"
            return "2"
        return "6" if _TAG.fullmatch(tag) else "1"
