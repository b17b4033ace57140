"""Turn the expression nodes of a mapping file into compiled expressions, with errors naming the key."""

from __future__ import annotations

import difflib
from typing import Any

from hub.errors import Location
from hub.mapping.errors import MappingFileError
from hub.mapping.expressions import Call, CompileInfo, ConstExpr, Expr, Function, PathExpr
from hub.mapping.functions import FUNCTIONS
from hub.mapping.paths import PathSyntaxError, parse_path


class Compiler:
    """Compiles expressions of one mapping file; every error names the file and the key."""

    def __init__(self, file: str, lookups: frozenset[str]) -> None:
        self.file = file
        self.lookups = lookups

    def error(self, key: str, message: str) -> MappingFileError:
        return MappingFileError(f"mapping {self.file}: {key}: {message}", location=Location(file=self.file, field=key))

    def path(self, text: Any, key: str) -> PathExpr:
        try:
            return PathExpr(parse_path(text))
        except PathSyntaxError as exc:
            raise self.error(key, str(exc)) from None

    def expr(self, node: Any, key: str, *, in_each: bool) -> Expr:
        """A string is a path, a mapping is a function call, any other scalar a literal."""
        if isinstance(node, str):
            return self.path(node, key)
        if isinstance(node, dict):
            return self.call(node, key, in_each=in_each)
        if isinstance(node, list):
            raise self.error(key, "a list is not an expression; use {first: [...]} or {concat: [...]}")
        return ConstExpr(node)

    def call(self, node: dict[str, Any], key: str, *, in_each: bool) -> Call:
        function = self._identify(node, key)
        where = f"{key}.{function.name}"
        arg = self._arg(function, node[function.name], where, in_each=in_each)
        options: dict[str, Any] = {}
        for name, spec in function.options.items():
            if name not in node:
                if spec.required:
                    raise self.error(key, f"{function.name} needs the option {name!r}")
                continue
            value = node[name]
            if spec.kind == "expr":
                options[name] = self.expr(value, f"{key}.{name}", in_each=in_each)
            elif spec.types != (object,) and (isinstance(value, bool) or not isinstance(value, spec.types)):
                wanted = " or ".join(t.__name__ for t in spec.types)
                raise self.error(f"{key}.{name}", f"{function.name} option {name!r} must be {wanted}")
            else:
                options[name] = value
        if function.prepare is not None:
            try:
                arg, options = function.prepare(arg, options, CompileInfo(self.lookups, in_each))
            except ValueError as exc:
                raise self.error(where, str(exc)) from None
        return Call(function, arg, options)

    def _identify(self, node: dict[str, Any], key: str) -> Function:
        """The node's function: the key naming a function whose options cover all the other keys."""
        names = [k for k in node if k in FUNCTIONS and set(node) - {k} <= set(FUNCTIONS[k].options)]
        if len(names) == 1:
            return FUNCTIONS[names[0]]
        if len(names) > 1:
            raise self.error(key, f"ambiguous node: {', '.join(names)} could each be the function")
        known = [k for k in node if k in FUNCTIONS]
        if known:
            extra = sorted(set(node) - {known[0]} - set(FUNCTIONS[known[0]].options))
            allowed = ", ".join(FUNCTIONS[known[0]].options) or "none"
            hint = _did_you_mean(extra[0], list(FUNCTIONS[known[0]].options))
            raise self.error(key, f"{known[0]} does not take {', '.join(extra)}{hint} (options: {allowed})")
        unknown = next(iter(node), "")
        hint = _did_you_mean(str(unknown), list(FUNCTIONS))
        raise self.error(
            key,
            f"unknown function {unknown!r}{hint}; functions: {', '.join(FUNCTIONS)} "
            "(a nested target object is written {fields: {...}})",
        )

    def _arg(self, function: Function, value: Any, key: str, *, in_each: bool) -> Any:
        if function.arg == "expr":
            return self.expr(value, key, in_each=in_each)
        if function.arg == "exprs":
            if not isinstance(value, list) or not value:
                raise self.error(key, f"{function.name} takes a non-empty list of expressions")
            return tuple(self.expr(v, f"{key}[{i}]", in_each=in_each) for i, v in enumerate(value))
        if function.arg == "name":
            if not isinstance(value, str) or not value:
                raise self.error(key, f"{function.name} takes a table name")
            return value
        if function.arg == "true":
            if value is not True:
                raise self.error(key, f"write {{{function.name}: true}}")
            return True
        return value


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
