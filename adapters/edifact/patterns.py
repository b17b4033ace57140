"""Whole-segment regexes from the definitions: a valid segment matches in one C call, detailed checks run on a miss.

A pattern never accepts a segment the detailed checks (adapters.edifact.schema) would reject; it may
reject a valid one (a rare number layout), which then simply takes the detailed path and passes.
Patterns read the segment text as written (lazy segments, with the interchange's separators) or
rebuilt from its elements with JOIN_ELEMENT / JOIN_COMPONENT.
"""

from __future__ import annotations

import re
from functools import cache

from adapters.edifact.definitions import ElementDef, ElementUse, MessageDefinition, SegmentDef, find_element

JOIN_ELEMENT = "\x1d"
JOIN_COMPONENT = "\x1f"


def joined(tag: str, elements: list[list[str]]) -> str:
    """A segment's text rebuilt with the join separators."""
    return JOIN_ELEMENT.join([tag, *(JOIN_COMPONENT.join(parts) for parts in elements)])


def _value(element: ElementDef | None, codes: frozenset[str] | None, stop: str) -> str:
    """A non-empty valid value."""
    if codes is not None:
        return "(?:" + "|".join(re.escape(code) for code in sorted(codes, key=len, reverse=True)) + ")"
    if element is None:
        return f"[^{stop}]+"
    low, high = max(element.min, 1), element.max
    if element.kind == "n":
        plain = f"-?[0-9]{{{low},{high}}}"
        if high < 2:
            return plain
        decimal = f"-?(?=[0-9.,]{{{max(low + 1, 3)},{high + 1}}}(?:[{stop}]|$))[0-9]+[.,][0-9]+"
        return f"(?:{plain}|{decimal})"
    if element.kind == "a":
        return f"[^{stop}0-9]{{{low},{high}}}"
    return f"[^{stop}]{{{low},{high}}}"


def _sequence(parts: list[str], needed: list[bool], separator: str, *, leading: bool, rest: str = "") -> str:
    """Constituents joined by `separator`; those after the last needed one may be left out (with their separators).

    `leading`: every constituent is preceded by the separator (elements after the tag); else the
    first one is not (components of a composite). `rest` may only follow the last constituent.
    """
    last = max((i + 1 for i, flag in enumerate(needed) if flag), default=0)
    if not leading:
        last = max(last, 1)
    fixed = "".join((separator if leading or i else "") + part for i, part in enumerate(parts[:last]))
    if last >= len(parts):
        return fixed + rest
    tail = rest
    for part in reversed(parts[last:]):
        tail = f"(?:{separator}{part}{tail})?"
    return fixed + tail


def _component_pattern(use: ElementUse, codes: frozenset[str] | None, required: bool, stop: str) -> str:
    value = _value(use.element, codes if codes is not None else (use.element.codes if use.element else None), stop)
    return value if (use.mandatory or required) else f"(?:{value})?"


def _element_pattern(
    use: ElementUse,
    position: int,
    required: set[tuple[int, int | None]],
    codes: dict[tuple[int, int | None], frozenset[str]],
    elem: str,
    comp: str,
) -> str:
    stop = re.escape(elem + comp)
    if not use.components:
        body = _component_pattern(use, codes.get((position, None)), (position, None) in required, stop)
        return body
    parts = [
        _component_pattern(part, codes.get((position, number)), (position, number) in required, stop)
        for number, part in enumerate(use.components, start=1)
    ]
    flags = [part.mandatory or (position, number) in required for number, part in enumerate(use.components, start=1)]
    whole = _sequence(parts, flags, re.escape(comp), leading=False)
    needed = use.mandatory or any(place[0] == position for place in required)
    if not needed:
        return f"(?:{whole})?"
    if not any(part.mandatory for part in use.components):
        whole = f"(?=[{re.escape(comp)}]*[^{stop}])" + whole  # a mandatory composite needs one value
    return whole


@cache
def segment_pattern(
    found: SegmentDef, definition: MessageDefinition | None, elem: str, comp: str
) -> re.Pattern[str] | None:
    """The regex a valid `found` segment's text matches in full (None when the segment is not checked)."""
    if definition is None:
        return None
    tag = found.tag
    required: set[tuple[int, int | None]] = set()
    for ref in definition.require.get(tag, ()):
        place = find_element(found, ref)
        if place is not None:
            required.add(place)
    codes: dict[tuple[int, int | None], frozenset[str]] = {}
    for (code_tag, ref), allowed in definition.codes.items():
        if code_tag == tag:
            place = find_element(found, ref)
            if place is not None:
                codes[place] = allowed
    uses = found.elements
    pieces = [_element_pattern(use, index, required, codes, elem, comp) for index, use in enumerate(uses, start=1)]
    flags = [use.mandatory or any(place[0] == index for place in required) for index, use in enumerate(uses, start=1)]
    rest = f"(?:{re.escape(elem)}.*)?" if found.open else ""
    body = re.escape(tag) + _sequence(pieces, flags, re.escape(elem), leading=True, rest=rest)
    return re.compile(body, re.DOTALL)
