"""The type checker: every name, field, operator and call of a syntax tree against the declared schema."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any

from hub.rules.expr.errors import ExpressionError
from hub.rules.expr.functions import FUNCTIONS, ArgumentTypeError, Function
from hub.rules.expr.nodes import (
    EQUALITY,
    MEMBERSHIP,
    ORDERING,
    Attribute,
    Binary,
    Call,
    Index,
    Lambda,
    ListLiteral,
    Literal,
    Logical,
    Name,
    Node,
    Unary,
)
from hub.rules.expr.types import (
    BOOL,
    DATE,
    DECIMAL,
    INT,
    NULL,
    STRING,
    Schema,
    Type,
    comparable,
    list_of,
    orderable,
    unify,
)
from hub.rules.expr.values import DATE_PARTS, DATETIME_PARTS


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'x'?` for the closest candidate, or an empty string."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _literal_type(value: object) -> Type:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, str):
        return STRING
    return DECIMAL


class TypeChecker:
    """Checks one syntax tree; `check(root)` returns its type or raises `ExpressionError` at the culprit."""

    def __init__(self, source: str, schema: Schema, functions: dict[str, Function] | None = None) -> None:
        self.source = source
        self.schema = schema
        self.functions = FUNCTIONS if functions is None else functions
        self.scope: dict[str, Type] = dict(schema.variables)
        self.lambda_paths: dict[str, str | None] = {}
        self.paths: set[str] = set()
        self.dispatch: dict[type, Callable[[Any], Type]] = {
            Literal: self.literal,
            ListLiteral: self.list_literal,
            Name: self.name,
            Attribute: self.attribute,
            Index: self.index,
            Unary: self.unary,
            Binary: self.binary,
            Logical: self.logical,
            Call: self.call,
            Lambda: self.stray_lambda,
        }

    def error(self, reason: str, node: Node, start: int | None = None) -> ExpressionError:
        begin = node.start if start is None else start
        return ExpressionError(reason, self.source, begin, node.end, code="expression_type_error")

    def text(self, node: Node) -> str:
        return self.source[node.start : node.end]

    def check(self, node: Node) -> Type:
        return self.dispatch[type(node)](node)

    def references(self) -> frozenset[str]:
        """The dotted field paths the expression reads (`order.lines[].sku`), without their prefixes."""
        return frozenset(
            p for p in self.paths if not any(o != p and o.startswith((p + ".", p + "[")) for o in self.paths)
        )

    def path_of(self, node: Node) -> str | None:
        if isinstance(node, Name):
            return self.lambda_paths.get(node.name, node.name)
        if isinstance(node, Attribute):
            base = self.path_of(node.target)
            return None if base is None else f"{base}.{node.name}"
        if isinstance(node, Index):
            base = self.path_of(node.target)
            return None if base is None else f"{base}[]"
        return None

    def note_path(self, node: Node) -> None:
        path = self.path_of(node)
        if path is not None:
            self.paths.add(path)

    # -- values ------------------------------------------------------------------------------------

    def literal(self, node: Literal) -> Type:
        return _literal_type(node.value)

    def list_literal(self, node: ListLiteral) -> Type:
        element = NULL
        for item in node.items:
            item_type = self.check(item)
            merged = unify(element, item_type)
            if merged is None:
                raise self.error(f"list items must share one type: found {element} and then {item_type}", item)
            element = merged
        return list_of(element)

    def name(self, node: Name) -> Type:
        found = self.scope.get(node.name)
        if found is not None:
            self.note_path(node)
            return found
        if node.name in self.functions:
            raise self.error(f"'{node.name}' is a function; call it as {node.name}(...)", node)
        known = sorted(self.scope)
        hint = did_you_mean(node.name, known) or (f" (known: {', '.join(known)})" if known else "")
        raise self.error(f"unknown name '{node.name}'{hint}", node)

    def attribute(self, node: Attribute) -> Type:
        target = self.check(node.target)
        owner = self.text(node.target)
        if target.kind == "object":
            found = target.field(node.name)
            if found is None:
                names = target.field_names
                hint = did_you_mean(node.name, names) or f" (fields: {', '.join(names)})"
                raise self.error(f"unknown field '{node.name}' on {owner}{hint}", node, node.name_start)
            self.note_path(node)
            return found
        if target.kind == "map" and target.element is not None:
            self.note_path(node)
            return target.element
        parts = DATETIME_PARTS if target.kind == "datetime" else DATE_PARTS if target.kind == "date" else None
        if parts is not None:
            if node.name not in parts:
                hint = did_you_mean(node.name, parts) or f" (parts: {', '.join(parts)})"
                raise self.error(
                    f"{owner} is a {target.kind} and has no part '{node.name}'{hint}", node, node.name_start
                )
            return DATE if node.name == "date" else INT
        if target.kind == "list":
            raise self.error(
                f"{owner} is a list; use {owner}[0].{node.name} or any({owner}, x -> x.{node.name} ...)",
                node,
                node.name_start,
            )
        raise self.error(f"{owner} is {target} and has no field '{node.name}'", node, node.name_start)

    def index(self, node: Index) -> Type:
        target = self.check(node.target)
        key = self.check(node.index)
        owner = self.text(node.target)
        if target.kind == "list" and target.element is not None:
            if key.kind not in ("int", "null"):
                raise self.error(f"a list position must be an int, not {key}", node.index)
            self.note_path(node)
            return target.element
        if target.kind == "map" and target.element is not None:
            if key.kind not in ("string", "null"):
                raise self.error(f"a map key must be a string, not {key}", node.index)
            self.note_path(node)
            return target.element
        if target.kind == "object" and isinstance(node.index, Literal) and isinstance(node.index.value, str):
            found = target.field(node.index.value)
            if found is None:
                hint = did_you_mean(node.index.value, target.field_names)
                raise self.error(f"unknown field {node.index.value!r} on {owner}{hint}", node.index)
            return found
        raise self.error(f"{owner} is {target} and cannot be indexed with [...]", node)

    # -- operators ---------------------------------------------------------------------------------

    def unary(self, node: Unary) -> Type:
        operand = self.check(node.operand)
        if node.op == "not":
            if operand.kind not in ("bool", "null"):
                raise self.error(
                    f"'not' needs a condition (true/false), but {self.text(node.operand)} is {operand}", node
                )
            return BOOL
        if not operand.is_numeric:
            raise self.error(f"'-' needs a number, but {self.text(node.operand)} is {operand}", node)
        return operand

    def logical(self, node: Logical) -> Type:
        for operand in node.operands:
            operand_type = self.check(operand)
            if operand_type.kind not in ("bool", "null"):
                raise self.error(
                    f"'{node.op}' needs conditions (true/false) on both sides, but {self.text(operand)} is "
                    f"{operand_type}",
                    operand,
                )
        return BOOL

    def binary(self, node: Binary) -> Type:
        left, right = self.check(node.left), self.check(node.right)
        described = f"{self.text(node.left)} ({left}) and {self.text(node.right)} ({right})"
        if node.op in EQUALITY:
            if not comparable(left, right):
                raise self.error(f"cannot compare {described} with '{node.op}': the types differ", node)
            return BOOL
        if node.op in ORDERING:
            if left.is_null or right.is_null:
                raise self.error(f"'{node.op}' with null is always false; test '== null' instead", node)
            if not orderable(left, right):
                raise self.error(f"cannot compare {described} with '{node.op}'", node)
            return BOOL
        if node.op in MEMBERSHIP:
            return self.membership(node, left, right)
        return self.arithmetic(node, left, right, described)

    def membership(self, node: Binary, left: Type, right: Type) -> Type:
        if right.kind == "list":
            element = right.element or NULL
            if unify(left, element) is None:
                raise self.error(
                    f"'{node.op}' looks for {self.text(node.left)} ({left}) in a list of {element}: the types differ",
                    node,
                )
            return BOOL
        if right.kind == "string":
            if left.kind not in ("string", "null"):
                raise self.error(f"'{node.op}' on a string needs a string on the left, not {left}", node.left)
            return BOOL
        raise self.error(
            f"'{node.op}' needs a list or a string on the right, but {self.text(node.right)} is {right}", node
        )

    def arithmetic(self, node: Binary, left: Type, right: Type, described: str) -> Type:
        if left.is_null or right.is_null:
            raise self.error(f"'{node.op}' with null is always null; use coalesce(x, 0)", node)
        if node.op == "+" and left.kind == right.kind == "string":
            return STRING
        if not (left.is_numeric and right.is_numeric):
            raise self.error(f"'{node.op}' needs numbers, but got {described}", node)
        if node.op == "/":
            return DECIMAL
        return INT if left.kind == right.kind == "int" else DECIMAL

    # -- calls -------------------------------------------------------------------------------------

    def stray_lambda(self, node: Lambda) -> Type:
        raise self.error("a lambda (x -> ...) is only allowed as an argument of any, all, count, sum, min or max", node)

    def call(self, node: Call) -> Type:
        function = self.functions.get(node.name)
        if function is None:
            hint = did_you_mean(node.name, self.functions) or f" (functions: {', '.join(sorted(self.functions))})"
            raise self.error(f"unknown function '{node.name}'{hint}", node, node.start)
        count = len(node.args)
        if count < function.min_args or (function.max_args is not None and count > function.max_args):
            raise self.error(
                f"{node.name}() takes {function.arity_text()}, got {count}; signature: {function.signature}", node
            )
        types: list[Type] = []
        for position, arg in enumerate(node.args):
            if isinstance(arg, Lambda):
                types.append(self.lambda_arg(node, function, position, arg, types))
            else:
                types.append(self.check(arg))
                if function.literal_check is not None and isinstance(arg, Literal):
                    problem = function.literal_check(position, arg.value)
                    if problem:
                        raise self.error(f"{node.name}(): {problem}", arg)
        lambda_at = function.lambda_arg
        if (
            lambda_at is not None
            and count > lambda_at
            and types[0].kind == "list"
            and not isinstance(node.args[lambda_at], Lambda)
        ):
            raise self.error(
                f"argument {lambda_at + 1} of {node.name}() must be a lambda such as x -> x.quantity; "
                f"signature: {function.signature}",
                node.args[lambda_at],
            )
        try:
            return function.check(types)
        except ArgumentTypeError as exc:
            raise self.error(
                f"{node.name}(): {exc.message}; signature: {function.signature}", node.args[exc.index]
            ) from None

    def lambda_arg(self, call: Call, function: Function, position: int, arg: Lambda, types: list[Type]) -> Type:
        if function.lambda_arg != position or not types:
            raise self.error(f"{call.name}() takes no lambda here; signature: {function.signature}", arg)
        if types[0].kind != "list":
            raise self.error(
                f"{call.name}(): argument 1 must be a list, not {types[0]}; signature: {function.signature}",
                call.args[0],
            )
        if arg.param in self.scope:
            raise self.error(f"lambda parameter '{arg.param}' hides the name '{arg.param}'; pick another name", arg)
        if arg.param in self.functions:
            raise self.error(f"lambda parameter '{arg.param}' is the name of a function; pick another name", arg)
        base = self.path_of(call.args[0])
        self.scope[arg.param] = types[0].element or NULL
        self.lambda_paths[arg.param] = None if base is None else f"{base}[]"
        try:
            return self.check(arg.body)
        finally:
            del self.scope[arg.param]
            del self.lambda_paths[arg.param]
