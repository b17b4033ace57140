"""EDIFACT service characters, segments and syntax problems: the shapes the tokenizer yields and the rest reads.

Segment shape (stable, the mapping helper codes against it):

- `tag`: the segment tag ("UNH", "BGM", ...).
- `elements`: `list[list[str]]`, one entry per data element after the tag, each entry the
  list of its components with release characters already removed. A simple element is a
  one-item list (`BGM+220` -> `[["220"]]`), an empty element is `[""]`.
  Element 1 is `elements[0]`; `get(1)` reads it. Segments of clean blocks come from the tokenizer
  as `LazySegment`s: their elements are split from the segment text on first access.
- `repeats`: for syntax version 4 repetitions (`*` in UNA position 5) only: element index
  (1-based) -> every repetition as a list of components; `elements` then holds the first one.
- `position`: 1-based ordinal of the segment in its interchange (UNB = 1; UNA is not counted,
  it yields a segment with position 0). Acknowledgments count from UNH = 1 within a message:
  use `Message.segments.index(...) + 1` or `Message.position_of(segment)`.
- `offset`: byte offset of the segment's first byte in the input (after a BOM: the BOM counts).
- `bad_characters`: True when the segment holds characters outside the repertoire of the
  interchange's syntax identifier (UNOA/UNOB) or bytes its character set cannot decode:
  CONTRL syntax error 21.
- `unterminated`: True for a final segment with no segment terminator (truncated input).
"""

from __future__ import annotations

from dataclasses import dataclass

# CONTRL 0085 syntax error codes used by this package (ISO 9735-4 annex A, service code list 0085).
SYNTAX_VERSION_NOT_SUPPORTED = "2"
RECIPIENT_NOT_ACTUAL = "7"
INVALID_VALUE = "12"
MISSING = "13"
VALUE_NOT_SUPPORTED_IN_POSITION = "14"
NOT_SUPPORTED_IN_POSITION = "15"
TOO_MANY_CONSTITUENTS = "16"
NO_AGREEMENT = "17"
UNSPECIFIED = "18"
INVALID_DECIMAL_NOTATION = "19"
INVALID_SERVICE_CHARACTER = "20"
INVALID_CHARACTERS = "21"
INVALID_SERVICE_CHARACTERS = "22"
UNKNOWN_SENDER = "23"
TEST_INDICATOR_NOT_SUPPORTED = "25"
DUPLICATE_DETECTED = "26"
REFERENCES_DO_NOT_MATCH = "28"
CONTROL_COUNT_MISMATCH = "29"
GROUPS_AND_MESSAGES_MIXED = "30"
LOWER_LEVEL_EMPTY = "32"
OUTSIDE_MESSAGE = "33"
TOO_MANY_REPETITIONS = "35"  # data element or segment repetitions
TOO_MANY_GROUP_REPETITIONS = "36"  # segment group repetitions
INVALID_TYPE_OF_CHARACTERS = "37"
MISSING_DIGIT_BEFORE_DECIMAL = "38"
DATA_ELEMENT_TOO_LONG = "39"
DATA_ELEMENT_TOO_SHORT = "40"

SYNTAX_ERROR_TEXT = {
    "2": "syntax version or level not supported",
    "7": "interchange recipient not actual recipient",
    "12": "invalid value",
    "13": "missing",
    "14": "value not supported in this position",
    "15": "not supported in this position",
    "16": "too many constituents",
    "17": "no agreement",
    "18": "unspecified error",
    "19": "invalid decimal notation",
    "20": "character invalid as service character",
    "21": "invalid character(s)",
    "22": "invalid service character(s)",
    "23": "unknown interchange sender",
    "25": "test indicator not supported",
    "26": "duplicate detected",
    "28": "references do not match",
    "29": "control count does not match number of instances received",
    "30": "groups and messages mixed",
    "32": "lower level empty",
    "33": "invalid occurrence outside message or group",
    "35": "too many data element or segment repetitions",
    "36": "too many segment group repetitions",
    "37": "invalid type of character(s)",
    "38": "missing digit in front of decimal sign",
    "39": "data element too long",
    "40": "data element too short",
}


@dataclass(frozen=True, slots=True)
class ServiceChars:
    """The service characters of one interchange (from its UNA, or the defaults)."""

    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str | None = "?"
    repetition: str | None = None  # UNA position 5: a space (reserved, syntax 3) means none; '*' in syntax 4
    segment: str = "'"

    @classmethod
    def from_una(cls, advice: str) -> ServiceChars:
        """The six characters after "UNA" (component, element, decimal, release, repetition, segment)."""
        component, element, decimal, release, repetition, segment = advice[:6]
        return cls(
            component=component,
            element=element,
            decimal=decimal,
            release=None if release == " " else release,
            repetition=None if repetition == " " else repetition,
            segment=segment,
        )

    def una(self) -> str:
        """The UNA service string advice that declares these characters."""
        return (
            f"UNA{self.component}{self.element}{self.decimal}{self.release or ' '}"
            f"{self.repetition or ' '}{self.segment}"
        )

    def specials(self) -> tuple[str, ...]:
        """The characters that must be released when they occur in data."""
        chars = [self.component, self.element, self.segment]
        if self.repetition:
            chars.append(self.repetition)
        if self.release:
            chars.append(self.release)
        return tuple(chars)


DEFAULT_SERVICE = ServiceChars()


class ElementReader:
    """Splits a lazily read segment's text (tag included) into its elements with the interchange's separators."""

    __slots__ = ("component", "element")

    def __init__(self, element: str, component: str) -> None:
        self.element, self.component = element, component

    def __call__(self, text: str) -> list[list[str]]:
        component = self.component
        return [value.split(component) for value in text.split(self.element)[1:]]


class Segment:
    """One EDIFACT segment (see the module docstring for the shape)."""

    __slots__ = (
        "_elements",
        "_reader",
        "_text",
        "bad_characters",
        "offset",
        "position",
        "repeats",
        "tag",
        "unterminated",
    )

    def __init__(
        self,
        tag: str,
        elements: list[list[str]],
        position: int = 0,
        offset: int = 0,
        repeats: dict[int, list[list[str]]] | None = None,
        bad_characters: bool = False,
    ) -> None:
        self.tag = tag
        self._elements: list[list[str]] | None = elements
        self._text: str | None = None
        self._reader: ElementReader | None = None
        self.position = position
        self.offset = offset
        self.repeats = repeats
        self.bad_characters = bad_characters
        self.unterminated = False

    @property
    def elements(self) -> list[list[str]]:
        """The data elements (split from the segment's text on first access for lazily read segments)."""
        elements = self._elements
        if elements is None:
            assert self._reader is not None and self._text is not None
            elements = self._elements = self._reader(self._text)
            self._text = self._reader = None
        return elements

    @elements.setter
    def elements(self, value: list[list[str]]) -> None:
        self._elements, self._text, self._reader = value, None, None

    def raw(self) -> tuple[str, str, str] | None:
        """(segment text, element separator, component separator) while a lazy segment is still unsplit."""
        reader = self._reader
        if reader is None or self._text is None:
            return None
        return self._text, reader.element, reader.component

    def get(self, index: int, component: int = 1, default: str = "") -> str:
        """Component `component` of element `index`, both 1-based (`UNH+1+ORDERS:D` -> get(2, 2) == "D")."""
        elements = self._elements
        if elements is None:
            elements = self.elements
        if index > 0 and component > 0:
            try:
                return elements[index - 1][component - 1]
            except IndexError:
                pass
        return default

    def element(self, index: int) -> list[str]:
        """Every component of element `index` (1-based); `[]` when the segment has no such element."""
        if 1 <= index <= len(self.elements):
            return self.elements[index - 1]
        return []

    components = element

    def repetitions(self, index: int) -> list[list[str]]:
        """Every repetition of element `index` (a one-item list unless syntax 4 repetitions occur)."""
        if self.repeats and index in self.repeats:
            return self.repeats[index]
        value = self.element(index)
        return [value] if value else []

    def has(self, index: int, component: int = 1) -> bool:
        """Whether element `index` / component `component` carries a non-empty value."""
        return self.get(index, component) != ""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Segment):
            return NotImplemented
        return self.tag == other.tag and self.elements == other.elements and self.repeats == other.repeats

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        body = "+".join(":".join(parts) for parts in self.elements)
        return f"Segment({self.tag}+{body} @{self.position})"


class LazySegment(Segment):
    """A segment read by the tokenizer's fast path: its elements are split from `text` on first access."""

    __slots__ = ()
    # a clean segment: fixed class-level values (read-only on instances; the tokenizer never flags these)
    repeats = None  # type: ignore[assignment]
    bad_characters = False  # type: ignore[assignment]
    unterminated = False  # type: ignore[assignment]

    def __init__(self, tag: str, text: str, position: int, offset: int, reader: ElementReader) -> None:
        self.tag = tag
        self._elements = None
        self._text = text
        self._reader = reader
        self.position = position
        self.offset = offset


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """A syntax error found while reading or validating, with its CONTRL 0085 code.

    `level` says what it condemns: "interchange" (UCI action 4), "group", "message"
    (UCM action 4) or "segment"/"element" (also reject the message; UCS/UCD point at it).
    `position` is the segment's position in the message (UNH = 1) for message, segment and
    element problems, and its position in the interchange (UNB = 1) for interchange problems.
    `element`/`component` are 1-based positions of the erroneous data element and component.
    """

    code: str
    message: str
    level: str = "message"
    segment: str | None = None
    position: int | None = None
    element: int | None = None
    component: int | None = None
    value: str | None = None

    @property
    def text(self) -> str:
        """The standard's wording of the code."""
        return SYNTAX_ERROR_TEXT.get(self.code, "unspecified error")
