"""Explanations: evaluate a condition and say, in words, which sub-conditions held and with which values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from hub.rules.expr.evaluator import Evaluator
from hub.rules.expr.functions import FUNCTIONS
from hub.rules.expr.nodes import COMPARISON, ORDERING, Binary, Call, Lambda, ListLiteral, Literal, Logical, Node, Unary
from hub.rules.expr.values import is_list, render, truthy

# Phrases for a comparison that came out (true, false).
COMPARISON_WORDS = {
    "==": ("equals", "does not equal"),
    "!=": ("does not equal", "equals"),
    "<": ("is below", "is not below"),
    "<=": ("is at most", "is above"),
    ">": ("is above", "is not above"),
    ">=": ("is at least", "is below"),
    "in": ("is in", "is not in"),
    "not in": ("is not in", "is in"),
}


def json_value(value: Any) -> Any:
    """A JSON-friendly copy of a language value (Decimals as strings, dates as ISO text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if is_list(value):
        return [json_value(v) for v in value]
    return render(value)


@dataclass(frozen=True)
class Trace:
    """One explained (sub-)expression: its source text, its value, a sentence, and the reasons below it."""

    expression: str
    value: Any
    text: str
    children: tuple[Trace, ...] = ()

    def lines(self, depth: int = 0) -> list[str]:
        """Indented lines: `[true] order.total = 62.00 is at least 50.00`, reasons indented below."""
        verdict = "true" if self.value is True else "false" if self.value is False else render(self.value)
        out = [f"{'  ' * depth}[{verdict}] {self.text}"]
        for child in self.children:
            out.extend(child.lines(depth + 1))
        return out

    def render(self) -> str:
        return "\n".join(self.lines())

    def as_dict(self) -> dict[str, Any]:
        return {
            "expression": self.expression,
            "value": json_value(self.value),
            "text": self.text,
            "children": [child.as_dict() for child in self.children],
        }


def _is_constant(node: Node) -> bool:
    if isinstance(node, Literal):
        return True
    if isinstance(node, ListLiteral):
        return all(_is_constant(item) for item in node.items)
    if isinstance(node, Unary) and node.op == "-":
        return _is_constant(node.operand)
    return False


class Explainer:
    """Evaluates like `Evaluator` (sharing its step budget) but returns a `Trace` for every condition."""

    def __init__(self, evaluator: Evaluator) -> None:
        self.ev = evaluator

    def text(self, node: Node) -> str:
        return self.ev.text(node)

    def describe(self, node: Node, value: Any) -> str:
        """`'FR'` for a constant, `order.ship_to.country_code = 'FR'` for anything computed."""
        if _is_constant(node):
            return render(value)
        return f"{self.text(node)} = {render(value)}"

    def explain(self, node: Node) -> Trace:
        self.ev.spend(1)
        if isinstance(node, Logical):
            return self.logical(node)
        if isinstance(node, Unary) and node.op == "not":
            return self.negation(node)
        if isinstance(node, Binary) and node.op in COMPARISON:
            return self.comparison(node)
        if isinstance(node, Call):
            function = FUNCTIONS[node.name]
            if node.name in ("any", "all") and len(node.args) == 2 and isinstance(node.args[1], Lambda):
                return self.quantifier(node)
            if function.words is not None and len(node.args) == 2:
                return self.predicate(node)
        value = self.ev.eval(node)
        if isinstance(value, bool):
            text = f"{self.text(node)} is {render(value)}"
        elif value is None:
            text = f"{self.text(node)} is null (counts as false)"
        else:
            text = f"{self.text(node)} = {render(value)}"
        return Trace(self.text(node), value, text)

    def logical(self, node: Logical) -> Trace:
        want = node.op == "or"
        seen: list[Trace] = []
        result = not want
        for operand in node.operands:
            trace = self.explain(operand)
            seen.append(trace)
            if truthy(trace.value) == want:
                result = want
                break
        total = len(node.operands)
        if node.op == "and":
            text = f"all {total} conditions hold" if result else f"condition {len(seen)} of {total} does not hold"
            children = tuple(seen) if result else (seen[-1],)
        else:
            text = f"condition {len(seen)} of {total} holds" if result else f"none of the {total} conditions holds"
            children = (seen[-1],) if result else tuple(seen)
        return Trace(self.text(node), result, text, children)

    def negation(self, node: Unary) -> Trace:
        inner = self.explain(node.operand)
        value = not truthy(inner.value)
        text = "not: the condition below does not hold" if value else "not: the condition below holds"
        return Trace(self.text(node), value, text, (inner,))

    def operand(self, node: Node, reasons: list[Trace]) -> Any:
        """The value of a comparison operand; a condition operand (`any(...) == false`) also adds its reasons."""
        explainable = (
            isinstance(node, Logical)
            or (isinstance(node, Unary | Binary) and node.op in COMPARISON | {"not"})
            or (isinstance(node, Call) and (node.name in ("any", "all") or FUNCTIONS[node.name].words is not None))
        )
        if not explainable:
            return self.ev.eval(node)
        trace = self.explain(node)
        reasons.append(trace)
        return trace.value

    def comparison(self, node: Binary) -> Trace:
        reasons: list[Trace] = []
        left = self.operand(node.left, reasons)
        right = self.operand(node.right, reasons)
        value = self.ev.apply(node, left, right)
        expression = self.text(node)
        if node.op in ("==", "!=") and isinstance(node.right, Literal) and node.right.value is None:
            is_null = left is None
            text = f"{self.describe(node.left, left)} {'is' if is_null else 'is not'} null"
            return Trace(expression, value, text, tuple(reasons))
        yes, no = COMPARISON_WORDS[node.op]
        text = f"{self.describe(node.left, left)} {yes if value else no} {self.describe(node.right, right)}"
        if node.op in ORDERING and (left is None or right is None):
            text += " (null is never below, above or equal in an ordering)"
        return Trace(expression, value, text, tuple(reasons))

    def predicate(self, node: Call) -> Trace:
        function = FUNCTIONS[node.name]
        assert function.words is not None
        first, second = node.args
        left = self.ev.check_list(self.ev.eval(first), first)
        right = self.ev.check_list(self.ev.eval(second), second)
        value = self.ev.run(node, function, [left, right])
        yes, no = function.words
        word = yes if value else no
        if node.name != "contains" and isinstance(right, list):
            word += " any of"
        return Trace(self.text(node), value, f"{self.describe(first, left)} {word} {self.describe(second, right)}")

    def quantifier(self, node: Call) -> Trace:
        source, test = node.args
        assert isinstance(test, Lambda)
        items = self.ev.check_list(self.ev.eval(source), source) or []
        where = self.text(source)
        condition = self.text(test)
        want = node.name == "any"
        for position, item in enumerate(items):
            self.ev.scope[test.param] = item
            try:
                reason = self.explain(test.body)
            finally:
                del self.ev.scope[test.param]
            if truthy(reason.value) == want:
                verb = "matches" if want else "does not match"
                text = f"{where}[{position}] {verb} {condition}"
                return Trace(self.text(node), want, text, (reason,))
        if want:
            text = f"no item of {where} ({len(items)} items) matches {condition}"
        else:
            text = f"all {len(items)} items of {where} match {condition}"
        return Trace(self.text(node), not want, text)
