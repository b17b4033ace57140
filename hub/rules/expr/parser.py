"""The parser: tokens to a syntax tree by precedence climbing, refusing trees over the size budgets."""

from __future__ import annotations

from dataclasses import replace

from hub.rules.expr.errors import ExpressionError, ExpressionTooComplex
from hub.rules.expr.limits import DEFAULT_LIMITS, Limits
from hub.rules.expr.nodes import (
    COMPARISON,
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
    children,
)
from hub.rules.expr.tokens import Kind, Token, tokenize

# Binding strength of binary operators: higher binds tighter. `not` sits between `and` and comparisons.
PRECEDENCE = {
    "or": 1,
    "and": 2,
    "==": 4,
    "!=": 4,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "in": 4,
    "not in": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
}
NOT_PRECEDENCE = 3
KEYWORD_LITERALS = {"true": True, "false": False, "null": None}


class Parser:
    """Parses one expression; `parse()` returns the root node or raises `ExpressionError`."""

    def __init__(self, source: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.source = source
        self.limits = limits
        self.tokens = tokenize(source, limits)
        self.index = 0
        self.nodes = 0
        self.nesting = 0

    # -- helpers -----------------------------------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.current
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def error(self, reason: str, start: int, end: int | None = None) -> ExpressionError:
        return ExpressionError(reason, self.source, start, end, code="expression_syntax_error")

    def unexpected(self, token: Token, expected: str | None = None) -> ExpressionError:
        reason = f"unexpected {token.describe()}"
        if expected:
            reason += f", expected {expected}"
        if token.is_op("->"):
            reason += "; a lambda (x -> ...) is only allowed as an argument of any, all, count, sum, min or max"
        return self.error(reason, token.start, token.end)

    def expect_op(self, op: str, opener: Token | None = None) -> Token:
        token = self.current
        if not token.is_op(op):
            expected = f"'{op}'"
            if opener is not None:
                expected += f" to close the '{opener.value}' at column {opener.start + 1}"
            raise self.unexpected(token, expected)
        return self.advance()

    def made(self, node: Node) -> Node:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise ExpressionTooComplex(
                f"expression has more than {self.limits.max_nodes} parts; split the rule", self.source, node.start
            )
        return node

    def enter(self, token: Token) -> None:
        self.nesting += 1
        if self.nesting > self.limits.max_depth:
            raise ExpressionTooComplex(
                f"expression is nested more than {self.limits.max_depth} levels deep", self.source, token.start
            )

    def peek_binary(self) -> tuple[str | None, int]:
        """The binary operator at the current position and how many tokens it spans."""
        token = self.current
        if token.kind is Kind.OP and token.value in PRECEDENCE:
            return str(token.value), 1
        if token.is_keyword("and", "or", "in"):
            return str(token.value), 1
        if token.is_keyword("not") and self.peek().is_keyword("in"):
            return "not in", 2
        return None, 0

    # -- grammar -----------------------------------------------------------------------------------

    def parse(self) -> Node:
        root = self.expression(1)
        if self.current.kind is not Kind.END:
            raise self.unexpected(self.current, "an operator or the end of the expression")
        check_depth(root, self.source, self.limits)
        return root

    def expression(self, min_precedence: int) -> Node:
        self.enter(self.current)
        left = self.prefix(min_precedence)
        while True:
            op, width = self.peek_binary()
            if op is None or PRECEDENCE[op] < min_precedence:
                break
            precedence = PRECEDENCE[op]
            if op in ("and", "or"):
                operands = [left]
                while self.peek_binary()[0] == op:
                    for _ in range(width):
                        self.advance()
                    operands.append(self.expression(precedence + 1))
                left = self.made(Logical(left.start, operands[-1].end, op, tuple(operands)))
                continue
            op_token = self.current
            for _ in range(width):
                self.advance()
            right = self.expression(precedence + 1)
            left = self.made(Binary(left.start, right.end, op, left, right, op_token.start))
            if op in COMPARISON:
                following, _ = self.peek_binary()
                if following in COMPARISON:
                    token = self.current
                    raise self.error(
                        "comparisons cannot be chained (a < b < c); join them with 'and'", token.start, token.end
                    )
        self.nesting -= 1
        return left

    def prefix(self, min_precedence: int) -> Node:
        token = self.current
        if token.is_keyword("not") and not self.peek().is_keyword("in"):
            if min_precedence > NOT_PRECEDENCE:
                raise self.error("put 'not ...' in parentheses here", token.start, token.end)
            self.advance()
            operand = self.expression(NOT_PRECEDENCE)
            return self.made(Unary(token.start, operand.end, "not", operand))
        return self.unary()

    def unary(self) -> Node:
        token = self.current
        if token.is_op("-"):
            self.advance()
            self.enter(token)
            operand = self.unary()
            self.nesting -= 1
            return self.made(Unary(token.start, operand.end, "-", operand))
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            token = self.current
            if token.is_op("."):
                self.advance()
                name = self.current
                if name.kind is not Kind.NAME:
                    raise self.unexpected(name, "a field name after '.'")
                self.advance()
                if self.current.is_op("("):
                    raise self.error(
                        f"methods are not supported; call the function instead, as in {name.value}(...)",
                        name.start,
                        name.end,
                    )
                node = self.made(Attribute(node.start, name.end, node, str(name.value), name.start))
            elif token.is_op("["):
                self.advance()
                index = self.expression(1)
                close = self.expect_op("]", token)
                node = self.made(Index(node.start, close.end, node, index))
            else:
                return node

    def primary(self) -> Node:
        token = self.current
        if token.kind in (Kind.NUMBER, Kind.STRING):
            self.advance()
            return self.made(Literal(token.start, token.end, token.value))
        if token.kind is Kind.KEYWORD and token.value in KEYWORD_LITERALS:
            self.advance()
            return self.made(Literal(token.start, token.end, KEYWORD_LITERALS[str(token.value)]))
        if token.kind is Kind.NAME:
            self.advance()
            if self.current.is_op("("):
                return self.call(token)
            return self.made(Name(token.start, token.end, str(token.value)))
        if token.is_op("("):
            self.advance()
            inner = self.expression(1)
            close = self.expect_op(")", token)
            return replace(inner, start=token.start, end=close.end)
        if token.is_op("["):
            return self.list_literal()
        raise self.unexpected(token, "a value, a name, '(' or '['")

    def list_literal(self) -> Node:
        opener = self.advance()
        items: list[Node] = []
        while not self.current.is_op("]"):
            items.append(self.expression(1))
            if self.current.is_op(","):
                self.advance()
            elif not self.current.is_op("]"):
                raise self.unexpected(self.current, f"',' or ']' to close the '[' at column {opener.start + 1}")
        close = self.advance()
        return self.made(ListLiteral(opener.start, close.end, tuple(items)))

    def call(self, name: Token) -> Node:
        opener = self.advance()
        args: list[Node] = []
        while not self.current.is_op(")"):
            args.append(self.argument())
            if self.current.is_op(","):
                self.advance()
            elif not self.current.is_op(")"):
                raise self.unexpected(self.current, f"',' or ')' to close the '(' at column {opener.start + 1}")
        close = self.advance()
        return self.made(Call(name.start, close.end, str(name.value), tuple(args)))

    def argument(self) -> Node:
        token = self.current
        if token.kind is Kind.NAME and self.peek().is_op("->"):
            self.advance()
            self.advance()
            body = self.expression(1)
            return self.made(Lambda(token.start, body.end, str(token.value), body))
        return self.expression(1)


def check_depth(root: Node, source: str, limits: Limits) -> None:
    """Refuse trees deeper than `limits.max_depth` (a chain `a + b + c` nests one level per operator)."""
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.max_depth:
            raise ExpressionTooComplex(
                f"expression is nested more than {limits.max_depth} levels deep", source, node.start, node.end
            )
        stack.extend((child, depth + 1) for child in children(node))


def parse(source: str, limits: Limits = DEFAULT_LIMITS) -> Node:
    """The syntax tree of `source`; raises `ExpressionError` (syntax) or `ExpressionTooComplex` (budgets)."""
    return Parser(source, limits).parse()
