"""Rule expressions agree with Python on random integer arithmetic and boolean expressions (seeded)."""

from __future__ import annotations

import operator
import random

from hub.rules.expr import compile_expression

SCHEMA = {"v": {"a": "int", "b": "int", "c": "int", "p": "bool", "q": "bool"}}
VARIABLES = {"a": 7, "b": -3, "c": 0, "p": True, "q": False}
INT_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul}
CMP_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def gen_int(rng: random.Random, depth: int) -> tuple[str, int]:
    """Text of a random integer expression and its value by the independent oracle `python_value` (no eval)."""
    text = int_text(rng, depth)
    return text, python_value(text)


def int_text(rng: random.Random, depth: int) -> str:
    choice = rng.random()
    if depth <= 0 or choice < 0.25:
        return f"v.{rng.choice('abc')}" if rng.random() < 0.5 else str(rng.randint(0, 20))
    if choice < 0.35:
        inner = int_text(rng, depth - 1)
        atomic = inner.isdigit() or (inner.startswith("v.") and len(inner) == 3)
        return f"-{inner}" if atomic else f"-({inner})"
    op = rng.choice(list(INT_OPS))
    text = f"{int_text(rng, depth - 1)} {op} {int_text(rng, depth - 1)}"
    # Parentheses at random: unparenthesised chains exercise the precedence of + - * and unary minus.
    return f"({text})" if rng.random() < 0.5 else text


def python_value(text: str) -> int:
    """Value of an unparenthesised chain by the usual precedence, computed with a tiny shunting-yard."""
    tokens = tokenize_ints(text)
    output: list[int] = []
    ops: list[str] = []
    prec = {"+": 1, "-": 1, "*": 2, "neg": 3}

    def reduce() -> None:
        op = ops.pop()
        if op == "neg":
            output.append(-output.pop())
        else:
            right, left = output.pop(), output.pop()
            output.append(INT_OPS[op](left, right))

    expect_operand = True
    for token in tokens:
        if isinstance(token, int):
            output.append(token)
            expect_operand = False
        elif token == "(":
            ops.append(token)
            expect_operand = True
        elif token == ")":
            while ops[-1] != "(":
                reduce()
            ops.pop()
            expect_operand = False
        elif token == "-" and expect_operand:
            ops.append("neg")
        else:
            while ops and ops[-1] != "(" and prec[ops[-1]] >= prec[token]:
                reduce()
            ops.append(token)
            expect_operand = True
    while ops:
        reduce()
    return output[0]


def tokenize_ints(text: str) -> list[int | str]:
    out: list[int | str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == " ":
            i += 1
        elif ch.isdigit():
            j = i
            while j < len(text) and text[j].isdigit():
                j += 1
            out.append(int(text[i:j]))
            i = j
        elif text.startswith("v.", i):
            out.append(VARIABLES[text[i + 2]])
            i += 3
        else:
            out.append(ch)
            i += 1
    return out


def gen_bool(rng: random.Random, depth: int) -> tuple[str, bool]:
    choice = rng.random()
    if depth <= 0 or choice < 0.2:
        pick = rng.random()
        if pick < 0.3:
            name = rng.choice("pq")
            return f"v.{name}", bool(VARIABLES[name])
        if pick < 0.4:
            value = rng.random() < 0.5
            return ("true" if value else "false"), value
        op = rng.choice(list(CMP_OPS))
        left, lv = gen_int(rng, 2)
        right, rv = gen_int(rng, 2)
        return f"{left} {op} {right}", CMP_OPS[op](lv, rv)
    if choice < 0.35:
        text, value = gen_bool(rng, depth - 1)
        return f"not ({text})", not value
    left, lv = gen_bool(rng, depth - 1)
    right, rv = gen_bool(rng, depth - 1)
    if rng.random() < 0.5:
        return f"({left} and {right})", lv and rv
    return f"({left} or {right})", lv or rv


def test_integer_arithmetic_matches_python() -> None:
    rng = random.Random(20250106)
    for _ in range(400):
        text, expected = gen_int(rng, 4)
        compiled = compile_expression(text, SCHEMA, expect="int")
        assert compiled.evaluate({"v": VARIABLES}) == expected, text


def test_boolean_logic_matches_python() -> None:
    rng = random.Random(4)
    for _ in range(400):
        text, expected = gen_bool(rng, 4)
        compiled = compile_expression(text, SCHEMA)
        assert compiled.evaluate({"v": VARIABLES}) is expected, text
        value, trace = compiled.evaluate_explained({"v": VARIABLES})
        assert value is expected and trace.value is expected, text


def test_the_shunting_yard_oracle_itself() -> None:
    assert python_value("2 + 3 * 4 - -5") == 2 + 3 * 4 - -5
    assert python_value("-(2 - 3) * 4") == -(2 - 3) * 4
    assert python_value("20 + 7 * -0 + (2 - 7) * 3 + 7") == 20 + 7 * -0 + (2 - 7) * 3 + 7
    assert python_value("1 - -2 * 3 - 4") == 1 - -2 * 3 - 4


def test_random_token_soup_only_raises_expression_errors() -> None:
    from hub.rules.expr import ExpressionError

    pieces = [
        "v.a",
        "v.p",
        "(",
        ")",
        "[",
        "]",
        ",",
        "+",
        "-",
        "*",
        "/",
        "==",
        "<",
        "and",
        "or",
        "not",
        "in",
        "1",
        "2.5",
        "'s'",
        "null",
        "true",
        "len(",
        "any(",
        "x ->",
        "x",
        ".",
        "v",
        '"',
        "\\",
        "min(",
        "v.q",
    ]
    rng = random.Random(99)
    compiled = 0
    for _ in range(3000):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        try:
            expression = compile_expression(text, SCHEMA, expect=None)
        except ExpressionError:
            continue
        compiled += 1
        try:
            expression.evaluate({"v": VARIABLES})
        except Exception as exc:  # only the typed evaluation errors may escape
            from hub.rules.expr import EvaluationError

            assert isinstance(exc, EvaluationError), (text, exc)
    assert compiled > 50
