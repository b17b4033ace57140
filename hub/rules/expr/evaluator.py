"""The evaluator: walks a checked syntax tree over plain data with null-safe semantics and a step budget."""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from hub.rules.expr.errors import BudgetExceeded, DivisionByZero, EvaluationError, RuntimeTypeError
from hub.rules.expr.functions import FUNCTIONS, Function
from hub.rules.expr.limits import Limits
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
from hub.rules.expr.values import get_field, get_item, is_list, normalize, truthy

# Decimal arithmetic: 28 significant digits, banker's rounding for inexact division, errors instead of NaN/Infinity.
DECIMAL_CONTEXT = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=999_999,
    Emin=-999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


def values_equal(left: Any, right: Any) -> bool:
    """`==`: null equals only null, a boolean never equals a number, 1 equals 1.0."""
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    if is_list(left) and is_list(right):
        return len(left) == len(right) and all(
            values_equal(normalize(a), normalize(b)) for a, b in zip(left, right, strict=True)
        )
    return bool(left == right)


def compare(op: str, left: Any, right: Any) -> bool:
    """An ordering comparison; false when either side is null."""
    if left is None or right is None:
        return False
    try:
        if op == "<":
            return bool(left < right)
        if op == "<=":
            return bool(left <= right)
        if op == ">":
            return bool(left > right)
        return bool(left >= right)
    except TypeError:
        raise RuntimeTypeError(f"cannot order {type(left).__name__} and {type(right).__name__} with '{op}'") from None


class Evaluator:
    """Evaluates nodes of one expression against one set of variables, counting steps against the budget."""

    def __init__(self, source: str, limits: Limits, variables: Mapping[str, Any]) -> None:
        self.source = source
        self.limits = limits
        self.scope: dict[str, Any] = {name: normalize(value) for name, value in variables.items()}
        self.steps = 0
        self.int_bound = 10**limits.max_int_digits
        self.dispatch: dict[type, Callable[[Any], Any]] = {
            Literal: self.literal,
            ListLiteral: self.list_literal,
            Name: self.name,
            Attribute: self.attribute,
            Index: self.index,
            Unary: self.unary,
            Binary: self.binary,
            Logical: self.logical,
            Call: self.call,
        }

    def text(self, node: Node) -> str:
        return self.source[node.start : node.end]

    def spend(self, steps: int) -> None:
        self.steps += steps
        if self.steps > self.limits.max_steps:
            raise BudgetExceeded(f"evaluation took more than {self.limits.max_steps} steps", expression=self.source)

    def check_list(self, value: Any, node: Node) -> Any:
        """A list value, normalised, after checking it against `max_list_items`; other values unchanged."""
        if not is_list(value):
            return value
        if len(value) > self.limits.max_list_items:
            raise BudgetExceeded(
                f"{self.text(node)} has {len(value)} items; the limit is {self.limits.max_list_items}",
                expression=self.source,
            )
        self.spend(len(value))
        return [normalize(item) for item in value]

    def eval(self, node: Node) -> Any:
        self.spend(1)
        return self.dispatch[type(node)](node)

    # -- values ------------------------------------------------------------------------------------

    def literal(self, node: Literal) -> Any:
        return node.value

    def list_literal(self, node: ListLiteral) -> list[Any]:
        return [self.eval(item) for item in node.items]

    def name(self, node: Name) -> Any:
        if node.name not in self.scope:
            raise EvaluationError(f"variable '{node.name}' was not provided", expression=self.source)
        return self.scope[node.name]

    def attribute(self, node: Attribute) -> Any:
        return get_field(self.eval(node.target), node.name)

    def index(self, node: Index) -> Any:
        target = self.eval(node.target)
        return get_item(target, self.eval(node.index))

    # -- operators ---------------------------------------------------------------------------------

    def unary(self, node: Unary) -> Any:
        value = self.eval(node.operand)
        if node.op == "not":
            return not truthy(value)
        if value is None:
            return None
        if not isinstance(value, int | Decimal) or isinstance(value, bool):
            raise RuntimeTypeError(f"'-' needs a number, got {type(value).__name__}", expression=self.text(node))
        return -value

    def logical(self, node: Logical) -> bool:
        want = node.op == "or"
        for operand in node.operands:
            if truthy(self.eval(operand)) == want:
                return want
        return not want

    def binary(self, node: Binary) -> Any:
        left = self.eval(node.left)
        right = self.eval(node.right)
        return self.apply(node, left, right)

    def apply(self, node: Binary, left: Any, right: Any) -> Any:
        """The result of `node.op` on already evaluated operands (shared with the explainer)."""
        op = node.op
        if op in EQUALITY:
            equal = values_equal(left, right)
            return equal if op == "==" else not equal
        if op in ORDERING:
            try:
                return compare(op, left, right)
            except RuntimeTypeError as exc:
                raise RuntimeTypeError(exc.reason, expression=self.text(node)) from None
        if op in MEMBERSHIP:
            found = self.contains(node, right, left)
            return found if op == "in" else not found
        return self.arithmetic(node, left, right)

    def contains(self, node: Binary, container: Any, item: Any) -> bool:
        if container is None:
            return False
        if isinstance(container, str):
            if item is None:
                return False
            if not isinstance(item, str):
                raise RuntimeTypeError(f"'in' on a string needs a string, got {type(item).__name__}")
            return item in container
        items = self.check_list(container, node.right)
        return any(values_equal(item, candidate) for candidate in items)

    def arithmetic(self, node: Binary, left: Any, right: Any) -> Any:
        if left is None or right is None:
            return None
        op = node.op
        if op == "+" and isinstance(left, str) and isinstance(right, str):
            if len(left) + len(right) > self.limits.max_string_length:
                raise BudgetExceeded(
                    f"string longer than {self.limits.max_string_length} characters", expression=self.text(node)
                )
            return left + right
        for value in (left, right):
            if not isinstance(value, int | Decimal) or isinstance(value, bool):
                raise RuntimeTypeError(f"'{op}' needs numbers, got {type(value).__name__}", expression=self.text(node))
        if op == "/":
            if right == 0:
                raise DivisionByZero(f"division by zero ({self.text(node.right)} is 0)", expression=self.text(node))
            return self.decimal_op(node, Decimal(left), Decimal(right))
        if isinstance(left, int) and isinstance(right, int):
            result = left + right if op == "+" else left - right if op == "-" else left * right
            if abs(result) >= self.int_bound:
                raise BudgetExceeded(
                    f"integer result has more than {self.limits.max_int_digits} digits", expression=self.text(node)
                )
            return result
        return self.decimal_op(node, Decimal(left), Decimal(right))

    def decimal_op(self, node: Binary, left: Decimal, right: Decimal) -> Decimal:
        op = node.op
        try:
            with decimal.localcontext(DECIMAL_CONTEXT):
                if op == "+":
                    return left + right
                if op == "-":
                    return left - right
                if op == "*":
                    return left * right
                return left / right
        except decimal.DecimalException as exc:
            raise EvaluationError(
                f"decimal arithmetic failed ({type(exc).__name__})", expression=self.text(node)
            ) from None

    # -- calls -------------------------------------------------------------------------------------

    def call(self, node: Call) -> Any:
        function = FUNCTIONS[node.name]
        args: list[Any] = []
        for arg in node.args:
            if isinstance(arg, Lambda):
                args.append(self.bind(arg))
            else:
                args.append(self.check_list(self.eval(arg), arg))
        return self.run(node, function, args)

    def run(self, node: Call, function: Function, args: list[Any]) -> Any:
        """Call `function` on evaluated arguments, turning its failures into evaluation errors of `node`."""
        try:
            with decimal.localcontext(DECIMAL_CONTEXT):
                return function.run(args)
        except EvaluationError as exc:
            if exc.expression is not None:
                raise
            raise type(exc)(exc.reason, expression=self.text(node)) from None
        except (TypeError, AttributeError) as exc:
            raise RuntimeTypeError(
                f"{node.name}() got a value of the wrong type ({exc})", expression=self.text(node)
            ) from None
        except decimal.DecimalException as exc:
            raise EvaluationError(
                f"decimal arithmetic failed ({type(exc).__name__})", expression=self.text(node)
            ) from None

    def bind(self, node: Lambda) -> Callable[[Any], Any]:
        """A Python callable that evaluates the lambda body with its parameter bound to one item."""

        def run(item: Any) -> Any:
            self.scope[node.param] = normalize(item)
            try:
                return self.eval(node.body)
            finally:
                del self.scope[node.param]

        return run
