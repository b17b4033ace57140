"""Compiled expressions and the context they are evaluated in: paths, constants and function calls."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NoReturn, Protocol

from hub.errors import Location, MappingError
from hub.mapping.paths import Path

Result = tuple[Any, str | None]
"""What an expression yields: its value (None when missing) and the concrete source path it came from."""


def is_blank(value: Any) -> bool:
    """Missing for the language: None, a blank string, an empty list or object."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return not value
    return False


@dataclass(frozen=True)
class EvalContext:
    """Where an expression is evaluated: the document, the current `each` item, the target field."""

    root: Any
    item: Any
    item_path: str = "$"
    index: int | None = None
    target: str = ""
    lookups: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def at_field(self, target: str) -> EvalContext:
        return replace(self, target=target)

    def at_item(self, item: Any, item_path: str, index: int) -> EvalContext:
        return replace(self, item=item, item_path=item_path, index=index)

    def fail(self, message: str, segment: str | None) -> NoReturn:
        raise MappingError(message, location=Location(field=self.target or None, segment=segment))


class Expr(Protocol):
    """Anything a target field can be computed from."""

    def evaluate(self, ctx: EvalContext) -> Result: ...


@dataclass(frozen=True)
class PathExpr:
    """A path into the source document (relative to the current item, or to the root)."""

    path: Path

    def evaluate(self, ctx: EvalContext) -> Result:
        base, base_path = (ctx.root, "$") if self.path.anchor == "root" else (ctx.item, ctx.item_path)
        matches = self.path.find(base, base_path)
        where = self.path.render(base_path)
        if self.path.multi:
            return [value for value, _ in matches], where
        return (matches[0][0] if matches else None), where


@dataclass(frozen=True)
class ConstExpr:
    """A literal value."""

    value: Any

    def evaluate(self, ctx: EvalContext) -> Result:
        return self.value, None


ArgKind = Literal["expr", "exprs", "literal", "name", "true"]
"""How a function reads the value under its own key: one expression, a list of them, a literal,
a name (a lookup table), or the literal `true` (a flag)."""


@dataclass(frozen=True)
class Option:
    """An extra key a function accepts next to its own, e.g. `format` for `date`."""

    kind: Literal["expr", "literal"] = "literal"
    types: tuple[type, ...] = (object,)
    required: bool = False


@dataclass(frozen=True)
class Call:
    """A function node such as `{upper: $.name}`, compiled: its argument and options are ready to use."""

    function: Function
    arg: Any
    options: Mapping[str, Any]

    def evaluate(self, ctx: EvalContext) -> Result:
        return self.function.run(self, ctx)


@dataclass(frozen=True)
class Function:
    """One entry of the function registry.

    `prepare` runs when the mapping is loaded: it checks and converts the literal options
    (for example a time zone name into a ZoneInfo) and raises ValueError on a bad one.
    """

    name: str
    summary: str
    arg: ArgKind
    run: Callable[[Call, EvalContext], Result]
    options: Mapping[str, Option] = field(default_factory=dict)
    prepare: Callable[[Any, dict[str, Any], CompileInfo], tuple[Any, dict[str, Any]]] | None = None


@dataclass(frozen=True)
class CompileInfo:
    """What a function's `prepare` may check against: lookup table names, whether inside an `each`."""

    lookups: frozenset[str]
    in_each: bool
