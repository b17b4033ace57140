"""Errors of the rule expression language: a bad expression is configuration, a failed evaluation is data."""

from __future__ import annotations

from hub.errors import ConfigError, Location, RecordError


def line_and_column(source: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a 0-based character offset in `source`."""
    offset = max(0, min(offset, len(source)))
    line = source.count("\n", 0, offset) + 1
    line_start = source.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


def caret_excerpt(source: str, start: int, end: int | None = None) -> str:
    """The source line holding `start` and a `^^^` line under the characters `start..end`."""
    start = max(0, min(start, len(source)))
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", start)
    if line_end < 0:
        line_end = len(source)
    stop = line_end if end is None else max(start + 1, min(end, line_end))
    text = source[line_start:line_end]
    width = max(1, stop - start)
    return f"  {text}\n  {' ' * (start - line_start)}{'^' * width}"


class ExpressionError(ConfigError):
    """A rule expression cannot be used (syntax, unknown field, type mismatch, too large): fix the rule.

    `column` (1-based, on line `line`) points at the offending text; `str(error)` shows the
    source line with a caret under it; `reason` is the message without the position.
    """

    code = "expression_error"

    def __init__(
        self, reason: str, source: str, start: int, end: int | None = None, *, code: str | None = None
    ) -> None:
        self.reason = reason
        self.source = source
        self.offset = max(0, min(start, len(source)))
        self.line, self.column = line_and_column(source, self.offset)
        where = f"column {self.column}" if "\n" not in source else f"line {self.line}, column {self.column}"
        super().__init__(f"{reason} (at {where})", code=code, location=Location(line=self.line, position=self.column))
        self.excerpt = caret_excerpt(source, self.offset, end)

    def __str__(self) -> str:
        return f"{self.message}\n{self.excerpt}"


class ExpressionTooComplex(ExpressionError):
    """The expression is longer, larger or deeper than the configured limits allow."""

    code = "expression_too_complex"


class EvaluationError(RecordError):
    """Evaluating a valid expression against one document failed: this document cannot be decided by the rule."""

    code = "expression_evaluation_error"

    def __init__(self, reason: str, *, expression: str | None = None, code: str | None = None) -> None:
        self.reason = reason
        self.expression = expression
        message = f"{reason} in `{expression}`" if expression else reason
        super().__init__(message, code=code)


class DivisionByZero(EvaluationError):
    """A `/` had zero on its right-hand side."""

    code = "division_by_zero"


class BudgetExceeded(EvaluationError):
    """The evaluation would take more steps, list items or memory than the limits allow."""

    code = "evaluation_budget_exceeded"


class RuntimeTypeError(EvaluationError):
    """The document holds a value of another type than the schema declares."""

    code = "runtime_type_error"
