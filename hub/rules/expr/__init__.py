"""A small, typed, safe expression language for rule conditions: see docs/rule-expressions.md."""

from __future__ import annotations

from hub.rules.expr.compiled import CompiledExpression, compile_expression
from hub.rules.expr.errors import (
    BudgetExceeded,
    DivisionByZero,
    EvaluationError,
    ExpressionError,
    ExpressionTooComplex,
    RuntimeTypeError,
)
from hub.rules.expr.explain import Trace
from hub.rules.expr.functions import FUNCTIONS, Function
from hub.rules.expr.limits import DEFAULT_LIMITS, Limits
from hub.rules.expr.types import Schema, SchemaError, Type, parse_type

__all__ = [
    "DEFAULT_LIMITS",
    "FUNCTIONS",
    "BudgetExceeded",
    "CompiledExpression",
    "DivisionByZero",
    "EvaluationError",
    "ExpressionError",
    "ExpressionTooComplex",
    "Function",
    "Limits",
    "RuntimeTypeError",
    "Schema",
    "SchemaError",
    "Trace",
    "Type",
    "compile_expression",
    "parse_type",
]
