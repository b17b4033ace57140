"""The path syntax of the mapping language: `$.a.b`, `$.items[0]`, `$.items[*]`, `$['odd key']`, `$$`/`$root`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal


class PathSyntaxError(ValueError):
    """A path string that does not follow the grammar."""


class _Wildcard:
    def __repr__(self) -> str:
        return "*"


WILDCARD = _Wildcard()
Step = str | int | _Wildcard

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
_INDEX = re.compile(r"-?\d+")


def render_step(step: Step) -> str:
    """The text of one step, as it appears in a concrete path like `$.rows[1].sku`."""
    if isinstance(step, _Wildcard):
        return "[*]"
    if isinstance(step, int):
        return f"[{step}]"
    if _PLAIN.match(step):
        return f".{step}"
    escaped = step.replace("\\", "\\\\").replace("'", "\\'")
    return f"['{escaped}']"


@dataclass(frozen=True)
class Path:
    """A parsed path. `anchor` is `item` for `$` (the current `each` item) or `root` for `$$`/`$root`."""

    text: str
    anchor: Literal["item", "root"]
    steps: tuple[Step, ...]

    @property
    def multi(self) -> bool:
        """True when the path has a wildcard, so it yields a list of matches."""
        return any(isinstance(s, _Wildcard) for s in self.steps)

    def render(self, base: str) -> str:
        """The concrete path this path stands for when its anchor sits at `base`."""
        return base + "".join(render_step(s) for s in self.steps)

    def find(self, base: Any, base_path: str) -> list[tuple[Any, str]]:
        """Every match under `base` as `(value, concrete path)`; an empty list when nothing matches."""
        current: list[tuple[Any, str]] = [(base, base_path)]
        for step in self.steps:
            following: list[tuple[Any, str]] = []
            for value, where in current:
                following.extend(_step(value, where, step))
            current = following
        return current


def _step(value: Any, where: str, step: Step) -> list[tuple[Any, str]]:
    if isinstance(step, _Wildcard):
        if isinstance(value, Mapping):
            return [(v, where + render_step(str(k))) for k, v in value.items()]
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):
            return [(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return []
    if isinstance(step, int):
        if isinstance(value, Sequence) and not isinstance(value, str | bytes) and -len(value) <= step < len(value):
            index = step % len(value)
            return [(value[index], f"{where}[{index}]")]
        return []
    if isinstance(value, Mapping) and step in value:
        return [(value[step], where + render_step(step))]
    return []


def parse_path(text: str) -> Path:
    """Parse a path string; raises PathSyntaxError with the position of the problem."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise PathSyntaxError(f"path {text!r} must start with '$' (write {{const: ...}} for a literal)")
    if text.startswith("$root") and (len(text) == 5 or text[5] in ".["):
        anchor: Literal["item", "root"] = "root"
        pos = 5
    elif text.startswith("$$"):
        anchor, pos = "root", 2
    else:
        anchor, pos = "item", 1
    steps: list[Step] = []
    while pos < len(text):
        char = text[pos]
        if char == ".":
            match = _NAME.match(text, pos + 1)
            if text.startswith("*", pos + 1):
                steps.append(WILDCARD)
                pos += 2
                continue
            if not match:
                raise PathSyntaxError(f"path {text!r}: expected a name after '.' at position {pos}")
            steps.append(match.group(0))
            pos = match.end()
        elif char == "[":
            step, pos = _bracket(text, pos)
            steps.append(step)
        else:
            raise PathSyntaxError(f"path {text!r}: unexpected {char!r} at position {pos}")
    return Path(text=text, anchor=anchor, steps=tuple(steps))


def _bracket(text: str, pos: int) -> tuple[Step, int]:
    """Parse `[n]`, `[*]` or `['key']` starting at the `[`; return the step and the position after `]`."""
    inner = pos + 1
    if text.startswith("*]", inner):
        return WILDCARD, inner + 2
    match = _INDEX.match(text, inner)
    if match and text.startswith("]", match.end()):
        return int(match.group(0)), match.end() + 1
    if inner < len(text) and text[inner] in "'\"":
        quote = text[inner]
        chars: list[str] = []
        i = inner + 1
        while i < len(text):
            char = text[i]
            if char == "\\" and i + 1 < len(text):
                chars.append(text[i + 1])
                i += 2
                continue
            if char == quote:
                if not text.startswith("]", i + 1):
                    raise PathSyntaxError(f"path {text!r}: expected ']' after the quoted key at position {i + 1}")
                return "".join(chars), i + 2
            chars.append(char)
            i += 1
        raise PathSyntaxError(f"path {text!r}: unterminated quoted key starting at position {inner}")
    raise PathSyntaxError(f"path {text!r}: expected [n], [*] or ['key'] at position {pos}")
