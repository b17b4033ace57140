"""The tokenizer: expression text to a list of typed tokens with their character offsets."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from hub.rules.expr.errors import ExpressionError, ExpressionTooComplex
from hub.rules.expr.limits import DEFAULT_LIMITS, Limits


class Kind(Enum):
    """What a token is."""

    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    KEYWORD = "keyword"
    OP = "operator"
    END = "end of expression"


KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})

# Longest first, so that `<=` wins over `<` and `->` over `-`.
OPERATORS = ("==", "!=", "<=", ">=", "->", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",", ".")

ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r", "0": "\0"}

HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True)
class Token:
    """One token: `value` is the decoded literal (int, Decimal or str) or the operator/keyword/name text."""

    kind: Kind
    value: int | Decimal | str | None
    start: int
    end: int

    def is_op(self, *ops: str) -> bool:
        return self.kind is Kind.OP and self.value in ops

    def is_keyword(self, *words: str) -> bool:
        return self.kind is Kind.KEYWORD and self.value in words

    def describe(self) -> str:
        if self.kind is Kind.END:
            return "end of expression"
        if self.kind is Kind.STRING:
            return "a string"
        if self.kind is Kind.NUMBER:
            return f"number {self.value}"
        return f"'{self.value}'"


def _is_name_start(ch: str) -> bool:
    return ch == "_" or ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def _is_name_char(ch: str) -> bool:
    return _is_name_start(ch) or ("0" <= ch <= "9")


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


class Tokenizer:
    """Reads one expression; `tokens()` returns all tokens, ending with a `Kind.END` token."""

    def __init__(self, source: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.source = source
        self.limits = limits
        self.pos = 0

    def error(self, reason: str, start: int, end: int | None = None) -> ExpressionError:
        return ExpressionError(reason, self.source, start, end, code="expression_syntax_error")

    def tokens(self) -> list[Token]:
        if len(self.source) > self.limits.max_length:
            raise ExpressionTooComplex(
                f"expression is {len(self.source)} characters long; the limit is {self.limits.max_length}",
                self.source,
                self.limits.max_length,
            )
        out: list[Token] = []
        while True:
            token = self.next_token()
            out.append(token)
            if token.kind is Kind.END:
                return out

    def skip_blank(self) -> None:
        src = self.source
        while self.pos < len(src):
            ch = src[self.pos]
            if ch in " \t\r\n":
                self.pos += 1
            elif ch == "#":
                newline = src.find("\n", self.pos)
                self.pos = len(src) if newline < 0 else newline
            else:
                return

    def next_token(self) -> Token:
        self.skip_blank()
        src, start = self.source, self.pos
        if start >= len(src):
            return Token(Kind.END, None, start, start)
        ch = src[start]
        if _is_digit(ch):
            return self.number()
        if ch in "\"'":
            return self.string()
        if _is_name_start(ch):
            while self.pos < len(src) and _is_name_char(src[self.pos]):
                self.pos += 1
            word = src[start : self.pos]
            return Token(Kind.KEYWORD if word in KEYWORDS else Kind.NAME, word, start, self.pos)
        for op in OPERATORS:
            if src.startswith(op, start):
                self.pos += len(op)
                return Token(Kind.OP, op, start, self.pos)
        hints = {"=": "use '==' to compare", "!": "use 'not' for negation", "&": "use 'and'", "|": "use 'or'"}
        hint = hints.get(ch)
        raise self.error(f"unexpected character {ch!r}" + (f"; {hint}" if hint else ""), start)

    def number(self) -> Token:
        src, start = self.source, self.pos
        while self.pos < len(src) and _is_digit(src[self.pos]):
            self.pos += 1
        is_decimal = False
        if self.pos < len(src) and src[self.pos] == ".":
            if self.pos + 1 < len(src) and _is_digit(src[self.pos + 1]):
                is_decimal = True
                self.pos += 1
                while self.pos < len(src) and _is_digit(src[self.pos]):
                    self.pos += 1
            else:
                raise self.error("a decimal point must be followed by digits, as in 1.0", start, self.pos + 1)
        if self.pos < len(src) and (_is_name_char(src[self.pos]) or src[self.pos] == "."):
            end = self.pos
            while end < len(src) and (_is_name_char(src[end]) or src[end] == "."):
                end += 1
            raise self.error(f"invalid number {src[start:end]!r}", start, end)
        text = src[start : self.pos]
        value: int | Decimal = Decimal(text) if is_decimal else int(text)
        return Token(Kind.NUMBER, value, start, self.pos)

    def string(self) -> Token:
        src, start = self.source, self.pos
        quote = src[start]
        self.pos += 1
        parts: list[str] = []
        while True:
            if self.pos >= len(src) or src[self.pos] == "\n":
                raise self.error("unterminated string", start, self.pos)
            ch = src[self.pos]
            if ch == quote:
                self.pos += 1
                return Token(Kind.STRING, "".join(parts), start, self.pos)
            if ch != "\\":
                parts.append(ch)
                self.pos += 1
                continue
            escape_at = self.pos
            code = src[self.pos + 1] if self.pos + 1 < len(src) else ""
            if code in ESCAPES:
                parts.append(ESCAPES[code])
                self.pos += 2
            elif code == "u":
                digits = src[self.pos + 2 : self.pos + 6]
                if len(digits) != 4 or not set(digits) <= HEX_DIGITS:
                    raise self.error("\\u must be followed by 4 hex digits", escape_at, self.pos + 6)
                parts.append(chr(int(digits, 16)))
                self.pos += 6
            else:
                raise self.error(f"unknown escape '\\{code}' in string", escape_at, self.pos + 2)


def tokenize(source: str, limits: Limits = DEFAULT_LIMITS) -> list[Token]:
    """All tokens of `source`, the last one of kind `Kind.END`; raises `ExpressionError` with the column."""
    return Tokenizer(source, limits).tokens()
