"""X12 delimiters and segments: the shapes the tokenizer yields and everything else reads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The separators of one interchange, read from its ISA (or chosen by the hub when it writes)."""

    element: str = "*"
    component: str = ">"
    repetition: str | None = "^"  # ISA11 from 00402 on; None when ISA11 is the U standards identifier
    segment: str = "~"
    suffix: str = "\n"  # what follows a segment terminator when the hub writes (read side: ignored)


@dataclass(slots=True)
class Segment:
    """One segment: its tag and its elements as text, element 01 first (the tag is not an element).

    `position` is the 1-based ordinal of the segment in its interchange (ISA is 1), the
    number an acknowledgment or an error report cites after converting it to the
    position within the transaction set where the standard wants that (AK3-02 counts from ST = 1).
    `offset` is the byte offset of the segment's first byte in the input.
    """

    tag: str
    elements: list[str]
    position: int = 0
    offset: int = 0
    delimiters: Delimiters | None = None

    def get(self, index: int, default: str = "") -> str:
        """Element `index` (1-based, as X12 numbers them: BEG03 is get(3)); `default` when absent."""
        if 1 <= index <= len(self.elements):
            return self.elements[index - 1]
        return default

    def components(self, index: int) -> list[str]:
        """Element `index` split on the component separator (a one-item list for a simple element)."""
        value = self.get(index)
        separator = self.delimiters.component if self.delimiters else ">"
        return value.split(separator) if value else []

    def repeats(self, index: int) -> list[str]:
        """Element `index` split on the repetition separator (when the interchange has one)."""
        value = self.get(index)
        separator = self.delimiters.repetition if self.delimiters else None
        if not value:
            return []
        return value.split(separator) if separator else [value]

    def __repr__(self) -> str:
        return f"Segment({self.tag}*{'*'.join(self.elements)} @{self.position})"
