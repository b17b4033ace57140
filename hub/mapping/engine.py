"""A compiled mapping: the target field tree and `Mapping.apply`, a pure function of the source document."""

from __future__ import annotations

import copy
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from typing import Any

from hub.errors import Location, MappingError
from hub.mapping.compiler import Compiler
from hub.mapping.expressions import EvalContext, Expr, PathExpr


@dataclass(frozen=True)
class ValueField:
    name: str
    expr: Expr


@dataclass(frozen=True)
class ObjectField:
    name: str
    children: tuple[FieldNode, ...]


@dataclass(frozen=True)
class ListField:
    name: str
    each: PathExpr
    children: tuple[FieldNode, ...]


FieldNode = ValueField | ObjectField | ListField


def compile_fields(tree: Any, key: str, compiler: Compiler, *, in_each: bool = False) -> tuple[FieldNode, ...]:
    """Compile a `fields:` tree; `key` is where it sits in the file (for error messages)."""
    if not isinstance(tree, dict) or not tree:
        raise compiler.error(key, "fields must be a non-empty mapping of target field -> expression")
    nodes: list[FieldNode] = []
    for name, node in tree.items():
        where = f"{key}.{name}"
        if not isinstance(name, str) or not name:
            raise compiler.error(where, "a target field name must be non-empty text")
        if isinstance(node, dict) and "each" in node:
            extra = set(node) - {"each", "fields"}
            if extra or "fields" not in node:
                raise compiler.error(where, "a list target is written {each: <path>, fields: {...}} and nothing else")
            each = compiler.path(node["each"], f"{where}.each")
            nodes.append(
                ListField(name, each, compile_fields(node["fields"], f"{where}.fields", compiler, in_each=True))
            )
        elif isinstance(node, dict) and set(node) == {"fields"}:
            nodes.append(
                ObjectField(name, compile_fields(node["fields"], f"{where}.fields", compiler, in_each=in_each))
            )
        else:
            nodes.append(ValueField(name, compiler.expr(node, where, in_each=in_each)))
    return tuple(nodes)


@dataclass(frozen=True)
class Mapping:
    """One loaded mapping file, ready to apply to source documents."""

    name: str
    version: int
    document: str
    fields: tuple[FieldNode, ...]
    lookups: AbcMapping[str, AbcMapping[str, Any]] = field(default_factory=dict)
    description: str | None = None
    origin: str | None = None

    def apply(self, source: AbcMapping[str, Any]) -> dict[str, Any]:
        """Map one source document to a target dict. Missing values leave their target field out."""
        if not isinstance(source, AbcMapping):
            raise MappingError(
                f"mapping {self.name}: the source document must be an object, not a {type(source).__name__}",
                location=Location(segment="$"),
            )
        ctx = EvalContext(root=source, item=source, lookups=self.lookups)
        return _build(self.fields, ctx, "")


def _build(nodes: tuple[FieldNode, ...], ctx: EvalContext, prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for node in nodes:
        target = f"{prefix}.{node.name}" if prefix else node.name
        if isinstance(node, ValueField):
            value, _ = node.expr.evaluate(ctx.at_field(target))
            if value is not None:
                out[node.name] = copy.deepcopy(value) if isinstance(value, dict | list) else value
        elif isinstance(node, ObjectField):
            sub = _build(node.children, ctx, target)
            if sub:
                out[node.name] = sub
        else:
            out[node.name] = [
                _build(node.children, ctx.at_item(item, where, i + 1), f"{target}[{i}]")
                for i, (item, where) in enumerate(_items(node.each, ctx))
            ]
    return out


def _items(each: PathExpr, ctx: EvalContext) -> list[tuple[Any, str]]:
    """The items an `each` walks: every match, with a single matched list expanded into its elements."""
    base, base_path = (ctx.root, "$") if each.path.anchor == "root" else (ctx.item, ctx.item_path)
    matches = each.path.find(base, base_path)
    if not each.path.multi and len(matches) == 1:
        value, where = matches[0]
        if isinstance(value, list | tuple):
            return [(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if value is None:
            return []
    return matches
