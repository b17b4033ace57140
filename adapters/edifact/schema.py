"""Validate an EDIFACT message against its definition (mappings/edifact/*.yaml): segments, elements, values.

API (stable; the mapping helper codes against it):

    validate_message(message: Message) -> list[SyntaxProblem]
    supported_messages() -> list[str]

Every problem carries its CONTRL 0085 code and where it is, so UCS/UCD can point at it:
`position` is the segment's position in the message (UNH = 1), `element`/`component` 1-based.

- level "message": 17 no agreement (a message type with no definition, UNH 2:1, or a directory that
  is not like D:96A, UNH 2:2).
- level "segment": 15 segment not allowed in this message, 35 segment occurs more often than
  allowed, 13 mandatory segment missing (`segment` names the missing tag, `position` is the
  UNT's: no segment order is modelled).
- level "element": 13 missing mandatory element/component (or one the hub's mapping requires,
  `require:` in the message file), 16 too many constituents (components or elements), 35 a
  syntax 4 repetition of a non-repeating element, 12 value not in the code list, 37 invalid
  characters for the type (n / a), 38 missing digit before the decimal mark, 19 invalid decimal
  notation, 39 too long, 40 too short.

The structural problems the envelope reader found (UNT count and reference, missing UNT, bad
characters) are in `message.problems` and are not repeated here. The UNH and UNT are left to it.
Any problem rejects the message (CONTRL UCM action 4).
"""

from __future__ import annotations

from adapters.edifact.definitions import (
    ElementDef,
    ElementUse,
    MessageDefinition,
    SegmentDef,
    find_element,
    known_directory,
    message_definitions,
    segment_def,
)
from adapters.edifact.envelope import Message
from adapters.edifact.patterns import JOIN_COMPONENT, JOIN_ELEMENT, joined, segment_pattern
from adapters.edifact.syntax import (
    DATA_ELEMENT_TOO_LONG,
    DATA_ELEMENT_TOO_SHORT,
    INVALID_DECIMAL_NOTATION,
    INVALID_TYPE_OF_CHARACTERS,
    INVALID_VALUE,
    MISSING,
    MISSING_DIGIT_BEFORE_DECIMAL,
    NO_AGREEMENT,
    NOT_SUPPORTED_IN_POSITION,
    TOO_MANY_CONSTITUENTS,
    TOO_MANY_REPETITIONS,
    Segment,
    SyntaxProblem,
)

__all__ = ["check_value", "supported_messages", "validate_message", "validate_segment"]

_ENVELOPE = frozenset({"UNH", "UNT"})
_MARKS = ".,"


def supported_messages() -> list[str]:
    """The message types the hub has definitions for."""
    return sorted(message_definitions())


def validate_message(message: Message) -> list[SyntaxProblem]:
    """The message's content problems against its definition; [] for a valid message."""
    definition = message_definitions().get(message.type)
    if definition is None:
        return [
            SyntaxProblem(
                NO_AGREEMENT,
                f"message type {message.type!r} is not supported",
                level="message",
                segment="UNH",
                position=1,
                element=2,
                component=1,
                value=message.type,
            )
        ]
    directory = message.directory
    problems: list[SyntaxProblem] = []
    if not known_directory(directory):
        problems.append(
            SyntaxProblem(
                NO_AGREEMENT,
                f"directory {message.version}:{message.release} is not a UN/EDIFACT directory like D:96A",
                level="message",
                segment="UNH",
                position=1,
                element=2,
                component=2,
                value=message.version,
            )
        )
    counts: dict[str, int] = {}
    segments = message.segments
    start = segments[0].position if segments else 0
    uses = definition.segments
    for segment in segments:
        tag = segment.tag
        position = segment.position - start + 1
        use = uses.get(tag)
        if use is None:
            problems.append(
                SyntaxProblem(
                    NOT_SUPPORTED_IN_POSITION,
                    f"{tag} at position {position} is not part of a {definition.message_type} message",
                    level="segment",
                    segment=tag,
                    position=position,
                )
            )
            continue
        count = counts[tag] = counts.get(tag, 0) + 1
        if count > use.max_use:
            problems.append(
                SyntaxProblem(
                    TOO_MANY_REPETITIONS,
                    f"{tag} at position {position} occurs more than {use.max_use} time(s)",
                    level="segment",
                    segment=tag,
                    position=position,
                )
            )
            continue
        if tag in _ENVELOPE:
            continue
        found = segment_def(tag, directory)
        if found is None:
            continue
        raw = segment.raw()
        if raw is not None:
            pattern = segment_pattern(found, definition, raw[1], raw[2])
            text = raw[0]
        elif not segment.repeats:
            pattern = segment_pattern(found, definition, JOIN_ELEMENT, JOIN_COMPONENT)
            text = joined(tag, segment.elements)
        else:
            pattern = None
        if pattern is not None and pattern.fullmatch(text):
            continue
        problems.extend(validate_segment(found, segment, position))
        if tag in definition.require or definition.codes:
            problems.extend(_message_rules(definition, found, segment, position))
    last = segments[-1].position - start + 1 if segments else 1
    for tag, use in uses.items():
        if use.mandatory and tag not in counts and tag not in _ENVELOPE:
            problems.append(
                SyntaxProblem(
                    MISSING,
                    f"mandatory segment {tag} is missing",
                    level="segment",
                    segment=tag,
                    position=last,
                )
            )
    return problems


def _message_rules(
    definition: MessageDefinition, found: SegmentDef, segment: Segment, position: int
) -> list[SyntaxProblem]:
    problems: list[SyntaxProblem] = []
    tag = segment.tag
    for ref in definition.require.get(tag, ()):
        place = find_element(found, ref)
        if place is not None and not segment.get(place[0], place[1] or 1):
            problems.append(
                _element_problem(MISSING, f"{tag} {ref} is required", segment, position, place[0], place[1])
            )
    for (code_tag, ref), allowed in definition.codes.items():
        if code_tag != tag:
            continue
        place = find_element(found, ref)
        if place is None:
            continue
        value = segment.get(place[0], place[1] or 1)
        if value and value not in allowed:
            problems.append(
                _element_problem(
                    INVALID_VALUE,
                    f"{tag} {ref} {value!r} is not allowed in a {definition.message_type} message",
                    segment,
                    position,
                    place[0],
                    place[1],
                    value,
                )
            )
    return problems


def _element_problem(
    code: str,
    message: str,
    segment: Segment,
    position: int,
    element: int,
    component: int | None,
    value: str | None = None,
) -> SyntaxProblem:
    return SyntaxProblem(
        code,
        f"{segment.tag} at position {position}: {message}",
        level="element",
        segment=segment.tag,
        position=position,
        element=element,
        component=component,
        value=value,
    )


def validate_segment(found: SegmentDef, segment: Segment, position: int) -> list[SyntaxProblem]:
    """Element problems of one segment against its definition (`position`: UNH = 1)."""
    problems: list[SyntaxProblem] = []
    elements = segment.elements
    uses = found.elements
    if len(elements) > len(uses) and not found.open:
        for index in range(len(uses) + 1, len(elements) + 1):
            if any(elements[index - 1]):
                problems.append(
                    _element_problem(
                        TOO_MANY_CONSTITUENTS, f"element {index} is not defined", segment, position, index, None
                    )
                )
                break
    repeats = segment.repeats
    for index, use in enumerate(uses, start=1):
        parts = elements[index - 1] if index <= len(elements) else None
        if repeats and index in repeats:
            problems.append(
                _element_problem(
                    TOO_MANY_REPETITIONS, f"element {index} ({use.ref}) is repeated", segment, position, index, None
                )
            )
        if not parts or not any(parts):
            if use.mandatory:
                problems.append(
                    _element_problem(MISSING, f"element {index} ({use.ref}) is missing", segment, position, index, None)
                )
            continue
        if use.components:
            problems.extend(_composite(use, parts, segment, position, index))
            continue
        if len(parts) > 1 and any(parts[1:]):
            problems.append(
                _element_problem(
                    TOO_MANY_CONSTITUENTS,
                    f"element {index} ({use.ref}) is simple but has components",
                    segment,
                    position,
                    index,
                    2,
                )
            )
        if use.element is not None:
            code = check_value(use.element, parts[0])
            if code is not None:
                problems.append(_value_problem(code, use.element, parts[0], segment, position, index, None))
    return problems


def _composite(use: ElementUse, parts: list[str], segment: Segment, position: int, index: int) -> list[SyntaxProblem]:
    problems: list[SyntaxProblem] = []
    components = use.components
    if len(parts) > len(components) and any(parts[len(components) :]):
        problems.append(
            _element_problem(
                TOO_MANY_CONSTITUENTS,
                f"composite {use.ref} has more than {len(components)} components",
                segment,
                position,
                index,
                len(components) + 1,
            )
        )
    for number, part in enumerate(components, start=1):
        value = parts[number - 1] if number <= len(parts) else ""
        if not value:
            if part.mandatory:
                problems.append(
                    _element_problem(
                        MISSING,
                        f"{use.ref} component {number} ({part.ref}) is missing",
                        segment,
                        position,
                        index,
                        number,
                    )
                )
            continue
        if part.element is not None:
            code = check_value(part.element, value)
            if code is not None:
                problems.append(_value_problem(code, part.element, value, segment, position, index, number))
    return problems


_VALUE_TEXT = {
    DATA_ELEMENT_TOO_LONG: "is too long",
    DATA_ELEMENT_TOO_SHORT: "is too short",
    INVALID_TYPE_OF_CHARACTERS: "has characters its type does not allow",
    INVALID_VALUE: "is not a valid code",
    MISSING_DIGIT_BEFORE_DECIMAL: "has no digit before the decimal mark",
    INVALID_DECIMAL_NOTATION: "is not a valid decimal number",
}


def _value_problem(
    code: str, element: ElementDef, value: str, segment: Segment, position: int, index: int, component: int | None
) -> SyntaxProblem:
    kind = f"{element.kind}{'..' if element.min == 0 else ''}{element.max}"
    return _element_problem(
        code,
        f"{element.ref} ({element.name}, {kind}) value {value!r} {_VALUE_TEXT[code]}",
        segment,
        position,
        index,
        component,
        value,
    )


def check_value(element: ElementDef, value: str) -> str | None:
    """The 0085 code of what is wrong with a non-empty value of `element`, or None when it is fine."""
    if element.kind == "n":
        if value.isascii() and value.isdigit():
            length = len(value)
        else:
            code, length = _numeric(value)
            if code is not None:
                return code
    else:
        length = len(value)
        if element.kind == "a" and any(char.isdigit() for char in value):
            return INVALID_TYPE_OF_CHARACTERS
    if length > element.max:
        return DATA_ELEMENT_TOO_LONG
    if length < element.min:
        return DATA_ELEMENT_TOO_SHORT
    if element.codes is not None and value not in element.codes:
        return INVALID_VALUE
    return None


def _numeric(value: str) -> tuple[str | None, int]:
    """(error code or None, significant length) of a numeric value: digits, one decimal mark, leading minus."""
    body = value[1:] if value.startswith("-") else value
    marks = sum(body.count(mark) for mark in _MARKS)
    digits = len(body) - marks
    if not body or any(not (char.isdigit() or char in _MARKS) for char in body) or not body.isascii():
        return INVALID_TYPE_OF_CHARACTERS, digits
    if marks > 1 or body[-1] in _MARKS:
        return INVALID_DECIMAL_NOTATION, digits
    if body[0] in _MARKS:
        return MISSING_DIGIT_BEFORE_DECIMAL, digits
    return None, digits
