"""`compile_expression`: parse and type-check once, then evaluate (and explain) many times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.rules.expr.checker import TypeChecker
from hub.rules.expr.errors import ExpressionError
from hub.rules.expr.evaluator import Evaluator
from hub.rules.expr.explain import Explainer, Trace
from hub.rules.expr.limits import DEFAULT_LIMITS, Limits
from hub.rules.expr.nodes import Node, count_nodes
from hub.rules.expr.parser import parse
from hub.rules.expr.types import BOOL, Schema, Type, parse_type
from hub.rules.expr.values import truthy


@dataclass(frozen=True, eq=False)
class CompiledExpression:
    """A parsed, type-checked expression, safe to evaluate against documents of its schema."""

    source: str
    tree: Node
    type: Type
    schema: Schema
    limits: Limits
    node_count: int
    references: frozenset[str]

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        """The value of the expression; raises `EvaluationError` (division by zero, budgets, bad data)."""
        return Evaluator(self.source, self.limits, variables).eval(self.tree)

    def matches(self, variables: Mapping[str, Any]) -> bool:
        """For conditions: true only when the value is `true` (null counts as false)."""
        return truthy(self.evaluate(variables))

    def evaluate_explained(self, variables: Mapping[str, Any]) -> tuple[Any, Trace]:
        """The value and a `Trace` saying which sub-conditions held, with their values."""
        trace = Explainer(Evaluator(self.source, self.limits, variables)).explain(self.tree)
        return trace.value, trace

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r}: {self.type})"


def compile_expression(
    text: str,
    schema: Schema | Mapping[str, Any],
    *,
    expect: Type | str | None = BOOL,
    limits: Limits = DEFAULT_LIMITS,
) -> CompiledExpression:
    """Parse and type-check `text` against `schema`; by default the result must be a condition (bool).

    Pass `expect=None` to accept a value of any type (or a type such as `"decimal"` to require it).
    Raises `ExpressionError` (a `ConfigError`) with the column and a caret excerpt.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, not {type(text).__name__}", "", 0)
    resolved = schema if isinstance(schema, Schema) else Schema.from_dict(schema)
    tree = parse(text, limits)
    checker = TypeChecker(text, resolved)
    result = checker.check(tree)
    if expect is not None:
        wanted = parse_type(expect)
        numeric_ok = wanted.kind == "decimal" and result.is_numeric
        if result != wanted and not numeric_ok:
            what = "a condition (true/false)" if wanted == BOOL else str(wanted)
            raise ExpressionError(
                f"the expression must be {what}, but it is {result}",
                text,
                tree.start,
                tree.end,
                code="expression_type_error",
            )
    return CompiledExpression(text, tree, result, resolved, limits, count_nodes(tree), checker.references())
