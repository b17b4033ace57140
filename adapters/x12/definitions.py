"""X12 definitions as data: the set tables and the segment/element dictionary read from mappings/x12/*.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from hub.errors import ConfigError
from hub.yamlio import parse_yaml

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings" / "x12"
UNBOUNDED = 1 << 30
_RULE = re.compile(r"^([PRECL])((?:\d\d){2,})$")
_USE = re.compile(r"^([A-Z][A-Z0-9]{1,2}) ([MO]) (>1|\d+)$")


@dataclass(frozen=True, slots=True)
class ElementDef:
    """A data element: reference number, type (AN ID DT TM R N0..N9), lengths, name, closed code list."""

    ref: str
    type: str
    min: int
    max: int
    name: str
    codes: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class ElementUse:
    """An element (or a composite's components) at one position of a segment."""

    ref: str
    usage: str  # M mandatory, O optional, X relational
    element: ElementDef | None = None
    components: tuple[ElementUse, ...] = ()  # set for a composite

    @property
    def mandatory(self) -> bool:
        return self.usage == "M"


@dataclass(frozen=True, slots=True)
class Rule:
    """A syntax note: P paired, R at least one, E at most one, C if first then all, L if first then one more."""

    kind: str
    positions: tuple[int, ...]  # 1-based element positions


@dataclass(frozen=True, slots=True)
class SegmentDef:
    tag: str
    name: str
    elements: tuple[ElementUse, ...]
    rules: tuple[Rule, ...] = ()
    open: bool = False  # elements after the listed ones are not checked


@dataclass(frozen=True, slots=True)
class SegmentUse:
    """A segment's place in a set table."""

    tag: str
    mandatory: bool
    max_use: int


@dataclass(frozen=True, slots=True)
class LoopDef:
    """A loop of a set table; its first child is the segment that opens each repetition."""

    loop_id: str
    mandatory: bool
    max_repeat: int
    children: tuple[SegmentUse | LoopDef, ...]

    @property
    def trigger(self) -> str:
        first = self.children[0]
        return first.tag if isinstance(first, SegmentUse) else first.trigger


@dataclass(frozen=True, slots=True)
class SetDefinition:
    set_id: str
    name: str
    functional_id: str
    root: LoopDef
    tags: frozenset[str] = field(default_factory=frozenset)


def _max(text: Any) -> int:
    return UNBOUNDED if str(text) == ">1" else int(text)


def _entry(raw: Any, where: str) -> SegmentUse | LoopDef:
    if isinstance(raw, str):
        match = _USE.match(raw.strip())
        if not match:
            raise ConfigError(f"{where}: {raw!r} is not '<segment> <M|O> <max>'")
        return SegmentUse(match.group(1), match.group(2) == "M", _max(match.group(3)))
    if isinstance(raw, dict) and "loop" in raw:
        children = tuple(_entry(child, f"{where}/{raw['loop']}") for child in raw.get("segments") or [])
        if not children or not isinstance(children[0], SegmentUse):
            raise ConfigError(f"{where}: loop {raw['loop']!r} must start with a segment")
        return LoopDef(str(raw["loop"]), raw.get("usage", "O") == "M", _max(raw.get("max", 1)), children)
    raise ConfigError(f"{where}: {raw!r} is neither a segment use nor a loop")


def _tags(loop: LoopDef) -> set[str]:
    found: set[str] = set()
    for child in loop.children:
        found |= {child.tag} if isinstance(child, SegmentUse) else _tags(child)
    return found


@cache
def set_definitions() -> dict[str, SetDefinition]:
    """Every transaction set table in mappings/x12, by set id."""
    found: dict[str, SetDefinition] = {}
    for path in sorted(MAPPINGS.glob("*.yaml")):
        if path.stem in ("elements", "segments"):
            continue
        data = parse_yaml(path.read_text(encoding="utf-8"))
        if data.get("segment_only"):
            continue
        root = LoopDef("", True, 1, tuple(_entry(raw, path.name) for raw in data["structure"]))
        set_id = str(data["set"])
        name, functional_id = str(data["name"]), str(data["functional_id"])
        found[set_id] = SetDefinition(set_id, name, functional_id, root, frozenset(_tags(root)))
    return found


@cache
def _dictionary() -> tuple[dict[str, Any], dict[str, Any]]:
    elements = parse_yaml((MAPPINGS / "elements.yaml").read_text(encoding="utf-8"))
    segments = parse_yaml((MAPPINGS / "segments.yaml").read_text(encoding="utf-8"))
    return elements, segments


def release(version: str) -> str:
    """The dictionary release a GS08 version reads with: "005010" from 005010 on, else "004010"."""
    return "005010" if version[:6] >= "005010" else "004010"


@cache
def element_def(ref: str, version: str) -> ElementDef | None:
    """Element `ref` as release `version` ("004010"/"005010") defines it; None when the dictionary lacks it."""
    data, _ = _dictionary()
    raw = data["elements"].get(ref)
    for since, overrides in (data.get("versions") or {}).items():
        if version >= since and ref in overrides:
            raw = overrides[ref]
    if raw is None:
        return None
    codes = (data.get("codes") or {}).get(ref)
    kind, low, high, name = raw
    return ElementDef(ref, str(kind), int(low), int(high), str(name), frozenset(map(str, codes)) if codes else None)


def _use(text: str, version: str, where: str) -> ElementUse:
    ref, _, usage = text.partition(" ")
    if usage not in ("M", "O", "X"):
        raise ConfigError(f"{where}: {text!r} is not '<ref> <M|O|X>'")
    if ref.startswith("C") and ref[1:].isdecimal():
        data, _ = _dictionary()
        composite = data["composites"].get(ref)
        if composite is None:
            raise ConfigError(f"{where}: composite {ref} is not in elements.yaml")
        parts = tuple(_use(part, version, f"{where}/{ref}") for part in composite["components"])
        return ElementUse(ref, usage, None, parts)
    return ElementUse(ref, usage, element_def(ref, version))


@cache
def segment_def(tag: str, version: str) -> SegmentDef | None:
    """Segment `tag` in release `version`, or None when the dictionary does not describe it."""
    _, data = _dictionary()
    raw = data.get(tag)
    if raw is None:
        return None
    texts = list(raw["elements"])
    for since, extra in (raw.get("since") or {}).items():
        if version >= since:
            texts += extra
    rules = []
    for note in raw.get("rules") or []:
        match = _RULE.match(str(note))
        if not match:
            raise ConfigError(f"segments.yaml {tag}: {note!r} is not a syntax note like P0304")
        digits = match.group(2)
        rules.append(Rule(match.group(1), tuple(int(digits[i : i + 2]) for i in range(0, len(digits), 2))))
    uses = tuple(_use(text, version, f"segments.yaml {tag}") for text in texts)
    return SegmentDef(tag, str(raw["name"]), uses, tuple(rules), bool(raw.get("open")))
