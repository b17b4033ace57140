"""EDIFACT definitions as data: message tables and the segment/element dictionary read from mappings/edifact/*.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hub.errors import ConfigError
from hub.yamlio import parse_yaml

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings" / "edifact"
UNBOUNDED = 1 << 30
_FORMAT = re.compile(r"^(an|a|n)(\.\.)?(\d+)$")
_SEGMENT_USE = re.compile(r"^([A-Z][A-Z0-9]{2}) ([MC]) (>1|\d+)$")
_DIRECTORY = re.compile(r"^[A-Z](\d\d)([A-Z])$")


@dataclass(frozen=True, slots=True)
class ElementDef:
    """A simple data element: tag, character class (a, n, an), min and max length, name, closed code list."""

    ref: str
    kind: str
    min: int
    max: int
    name: str
    codes: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class ElementUse:
    """A simple element or a composite (with its components) at one position of a segment."""

    ref: str
    mandatory: bool
    element: ElementDef | None = None
    components: tuple[ElementUse, ...] = ()  # set for a composite

    @property
    def composite(self) -> bool:
        return bool(self.components)


@dataclass(frozen=True, slots=True, eq=False)
class SegmentDef:
    tag: str
    name: str
    elements: tuple[ElementUse, ...]
    open: bool = False  # elements after the listed ones are not checked


@dataclass(frozen=True, slots=True)
class SegmentUse:
    """A segment a message allows: mandatory or not, and how often it may occur in the whole message."""

    tag: str
    mandatory: bool
    max_use: int


@dataclass(frozen=True, slots=True, eq=False)
class MessageDefinition:
    message_type: str
    name: str
    segments: dict[str, SegmentUse]
    require: dict[str, tuple[str, ...]]  # segment tag -> element references the hub needs
    codes: dict[tuple[str, str], frozenset[str]]  # (segment tag, element reference) -> allowed values


_KNOWN_DIRECTORY = re.compile(r"^(?:[DS](?:\d\d[A-Z]|\d)|\d\d)$")


def known_directory(directory: str) -> bool:
    """Whether UNH 0052+0054 name a UN/EDIFACT directory ("D96A", "S93A") or a service one ("D3", "41")."""
    return bool(_KNOWN_DIRECTORY.match(directory))


def directory_order(directory: str) -> tuple[int, str]:
    """A sortable key for a directory: "D96A" -> (1996, "A"), "D01B" -> (2001, "B"); unknown -> (0, "")."""
    match = _DIRECTORY.match(directory)
    if not match:
        return (0, "")
    year = int(match.group(1))
    return (1900 + year if year >= 90 else 2000 + year, match.group(2))


def _load(name: str) -> Any:
    path = MAPPINGS / name
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read EDIFACT definitions {path}: {exc}", code="edifact_definitions") from exc


@cache
def _dictionary() -> tuple[dict[str, Any], dict[str, Any]]:
    return _load("elements.yaml"), _load("segments.yaml")


@cache
def element_def(ref: str) -> ElementDef | None:
    """Simple data element `ref`, or None when the dictionary lacks it."""
    data, _ = _dictionary()
    raw = data["elements"].get(ref)
    if raw is None:
        return None
    text, name = str(raw[0]), str(raw[1])
    match = _FORMAT.match(text)
    if not match:
        raise ConfigError(f"elements.yaml {ref}: format {text!r} is not like an..35 or n3", code="edifact_definitions")
    kind, variable, length = match.group(1), match.group(2), int(match.group(3))
    codes = (data.get("codes") or {}).get(ref)
    return ElementDef(ref, kind, 0 if variable else length, length, name, frozenset(map(str, codes)) if codes else None)


def _use(text: str, where: str) -> ElementUse:
    ref, _, usage = str(text).partition(" ")
    if usage not in ("M", "C"):
        raise ConfigError(f"{where}: {text!r} is not '<ref> <M|C>'", code="edifact_definitions")
    if ref[0] in "CSE" and not ref.isdigit():
        data, _ = _dictionary()
        raw = (data.get("composites") or {}).get(ref)
        if raw is None:
            raise ConfigError(f"{where}: composite {ref} is not in elements.yaml", code="edifact_definitions")
        parts = tuple(_use(part, f"{where}/{ref}") for part in raw[1])
        return ElementUse(ref, usage == "M", None, parts)
    return ElementUse(ref, usage == "M", element_def(ref))


@cache
def segment_def(tag: str, directory: str = "D96A") -> SegmentDef | None:
    """Segment `tag` as directory `directory` lays it out, or None when the dictionary does not describe it."""
    _, data = _dictionary()
    raw = data.get(tag)
    if raw is None:
        return None
    texts = list(raw.get("elements") or [])
    order = directory_order(directory)
    for since, replacement in sorted((raw.get("since") or {}).items(), key=lambda item: directory_order(item[0])):
        if order >= directory_order(since):
            texts = list(replacement)
    uses = tuple(_use(text, f"segments.yaml {tag}") for text in texts)
    return SegmentDef(tag, str(raw["name"]), uses, bool(raw.get("open")) or not texts)


@cache
def message_definitions() -> dict[str, MessageDefinition]:
    """Every message table in mappings/edifact, by message type."""
    found: dict[str, MessageDefinition] = {}
    for path in sorted(MAPPINGS.glob("*.yaml")):
        if path.stem in ("elements", "segments"):
            continue
        data = _load(path.name)
        uses: dict[str, SegmentUse] = {}
        for raw in data["segments"]:
            match = _SEGMENT_USE.match(str(raw).strip())
            if not match:
                raise ConfigError(f"{path.name}: {raw!r} is not '<TAG> <M|C> <max>'", code="edifact_definitions")
            tag, usage, most = match.groups()
            uses[tag] = SegmentUse(tag, usage == "M", UNBOUNDED if most == ">1" else int(most))
        require = {str(tag): tuple(map(str, refs)) for tag, refs in (data.get("require") or {}).items()}
        codes: dict[tuple[str, str], frozenset[str]] = {}
        for key, values in (data.get("codes") or {}).items():
            tag, _, ref = str(key).partition(" ")
            codes[(tag, ref)] = frozenset(map(str, values))
        message_type = str(data["message"])
        found[message_type] = MessageDefinition(message_type, str(data["name"]), uses, require, codes)
    return found


def find_element(definition: SegmentDef, ref: str) -> tuple[int, int | None] | None:
    """The (element, component) position of the first use of element `ref` in a segment, both 1-based."""
    for index, use in enumerate(definition.elements, start=1):
        if use.ref == ref:
            return index, None
        for number, part in enumerate(use.components, start=1):
            if part.ref == ref:
                return index, number
    return None
