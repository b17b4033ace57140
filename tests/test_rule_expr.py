"""Rule expression language: tokenizer, parser, operators, functions, null semantics, Decimal exactness."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from pydantic import BaseModel

from hub.errors import ConfigError
from hub.rules.expr import (
    FUNCTIONS,
    CompiledExpression,
    ExpressionError,
    Schema,
    compile_expression,
)
from hub.rules.expr.nodes import Binary, Logical, Unary
from hub.rules.expr.parser import parse
from hub.rules.expr.tokens import Kind, tokenize

SCHEMA: dict[str, Any] = {
    "order": {
        "id": "string",
        "total": "decimal",
        "channel": "string",
        "service_level": "string",
        "placed_at": "datetime",
        "promised": "date",
        "fraud_score": "int",
        "gift": "bool",
        "tags": "list[string]",
        "ship_to": {"country_code": "string", "postal_code": "string", "zone": "int"},
        "lines": [
            {
                "sku": "string",
                "quantity": "int",
                "price": "decimal",
                "weight": "decimal",
                "attributes": "map[bool]",
            }
        ],
    },
    "node": {"code": "string", "countries": "list[string]", "min_value": "decimal"},
}


def make_order(**changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "id": "SO-1",
        "total": Decimal("42.10"),
        "channel": "amazon:eu",
        "service_level": "express",
        "placed_at": datetime(2025, 1, 6, 13, 5, 9, tzinfo=UTC),  # a Monday
        "promised": date(2025, 1, 8),
        "fraud_score": 12,
        "gift": False,
        "tags": ["vip", "b2c"],
        "ship_to": {"country_code": "FR", "postal_code": "BT7 1AA", "zone": 2},
        "lines": [
            {"sku": "A-1", "quantity": 2, "price": Decimal("10.05"), "weight": Decimal("1.5"), "attributes": {}},
            {
                "sku": "B-2",
                "quantity": 1,
                "price": Decimal("22.00"),
                "weight": Decimal("0.25"),
                "attributes": {"hazmat": True},
            },
        ],
    }
    order.update(changes)
    return order


NODE = {"code": "DE1", "countries": ["DE", "AT"], "min_value": Decimal("20")}


def run(text: str, order: dict[str, Any] | None = None, expect: str | None = None) -> Any:
    compiled = compile_expression(text, SCHEMA, expect=expect)
    return compiled.evaluate({"order": order if order is not None else make_order(), "node": NODE})


# -- tokenizer -------------------------------------------------------------------------------------


def test_tokenizer_kinds_and_offsets() -> None:
    tokens = tokenize('a.b[0] >= 50.00 and "x\\"y" not in [1, -2]')
    kinds = [t.kind for t in tokens]
    assert kinds[-1] is Kind.END
    values = [t.value for t in tokens]
    assert values[:6] == ["a", ".", "b", "[", 0, "]"]
    assert Decimal("50.00") in values and isinstance(values[values.index(Decimal("50.00"))], Decimal)
    assert 'x"y' in values
    assert tokens[6].start == 7 and tokens[6].end == 9  # >=


def test_tokenizer_numbers_are_int_or_decimal_never_float() -> None:
    tokens = tokenize("7 0.1 12.500 007")
    assert [type(t.value) for t in tokens[:4]] == [int, Decimal, Decimal, int]
    assert tokens[2].value == Decimal("12.500") and str(tokens[2].value) == "12.500"


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        (r'"a\nb"', "a\nb"),
        (r"'it\'s'", "it's"),
        (r'"tab\tx"', "tab\tx"),
        (r'"back\\slash"', "back\\slash"),
        (r'"\u00e9t\u00E9"', "été"),
        ("'say \"hi\"'", 'say "hi"'),
        ('""', ""),
        ('"ünï"', "ünï"),
    ],
)
def test_tokenizer_string_escapes(text: str, decoded: str) -> None:
    assert tokenize(text)[0].value == decoded


def test_tokenizer_comments_and_newlines() -> None:
    tokens = tokenize("a # the first\n  and b # trailing")
    assert [t.value for t in tokens if t.kind is not Kind.END] == ["a", "and", "b"]


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ('"abc', 1, "unterminated string"),
        ("x == 'abc", 6, "unterminated string"),
        ('"a\\qb"', 3, "unknown escape"),
        ('"\\u12"', 2, "4 hex digits"),
        ("1.", 1, "decimal point"),
        ("12abc", 1, "invalid number"),
        ("1.2.3", 1, "invalid number"),
        ("a = 1", 3, "use '=='"),
        ("!a", 1, "use 'not'"),
        ("a && b", 3, "use 'and'"),
        ("a || b", 3, "use 'or'"),
        ("a $ b", 3, "unexpected character '$'"),
        ('"line\nbreak"', 1, "unterminated string"),
    ],
)
def test_tokenizer_errors_have_columns(text: str, column: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        tokenize(text)
    assert info.value.column == column
    assert fragment in info.value.reason
    assert "^" in str(info.value)


# -- parser and precedence -------------------------------------------------------------------------


def test_precedence_arithmetic() -> None:
    assert run("1 + 2 * 3 == 7")
    assert run("(1 + 2) * 3 == 9")
    assert run("10 - 4 - 3 == 3")  # left associative
    assert run("-2 * 3 == -6")
    assert run("- -2 == 2")
    assert run("2 * -3 == -6")
    assert run("8 / 4 / 2 == 1")


def test_precedence_logic() -> None:
    # `and` binds tighter than `or`; `not` looser than comparisons.
    tree = parse("a or b and c")
    assert isinstance(tree, Logical) and tree.op == "or"
    assert isinstance(tree.operands[1], Logical) and tree.operands[1].op == "and"
    tree = parse("not a == b")
    assert isinstance(tree, Unary) and isinstance(tree.operand, Binary)
    assert run("true or false and false")
    assert not run("(true or false) and false")
    assert run("not 1 == 2")
    assert run("not not true")


def test_logical_chains_are_flattened() -> None:
    tree = parse("a and b and c and d")
    assert isinstance(tree, Logical) and len(tree.operands) == 4


def test_parentheses_are_part_of_the_span() -> None:
    source = "(1 + 2) * 3"
    tree = parse(source)
    assert source[tree.start : tree.end] == source


def test_multiline_expression() -> None:
    text = """order.ship_to.country_code in ["DE", "AT"]   # DACH only
        and order.total >= 20"""
    assert compile_expression(text, SCHEMA).evaluate({"order": make_order(ship_to={"country_code": "AT"})})


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("order.total >", 14, "unexpected end of expression"),
        ("(order.total > 1", 17, "')' to close the '(' at column 1"),
        ("[1, 2", 6, "',' or ']'"),
        ("len(order.tags", 15, "',' or ')'"),
        ("1 < 2 < 3", 7, "cannot be chained"),
        ("order.total 5", 13, "unexpected number 5"),
        ("order.", 7, "a field name after '.'"),
        ("order.id.lower()", 10, "methods are not supported"),
        ("x -> x", 3, "lambda"),
        ("1 == not true", 6, "parentheses"),
        ("", 1, "unexpected end of expression"),
        ("and", 1, "unexpected 'and'"),
        ("order.tags[0", 13, "']' to close the '['"),
    ],
)
def test_syntax_errors_have_columns(text: str, column: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, SCHEMA)
    assert fragment in info.value.reason
    assert info.value.column == column
    assert info.value.code == "expression_syntax_error"


def test_error_caret_points_at_the_column() -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression('order.ship_to.contry_code == "DE"', SCHEMA)
    rendered = str(info.value).splitlines()
    assert rendered[1] == '  order.ship_to.contry_code == "DE"'
    assert rendered[2] == "  " + " " * 14 + "^" * len("contry_code")
    assert info.value.location.position == 15


def test_error_on_a_later_line_reports_line_and_column() -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression("order.total > 1\n  and order.chanel == 'x'", SCHEMA)
    assert (info.value.line, info.value.column) == (2, 13)
    assert "line 2, column 13" in info.value.message
    assert str(info.value).splitlines()[1] == "    and order.chanel == 'x'"


def test_expression_error_is_a_config_error() -> None:
    assert issubclass(ExpressionError, ConfigError)
    with pytest.raises(ConfigError):
        compile_expression("order.nope", SCHEMA)


# -- operators -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("order.total == 42.10", True),
        ("order.total == 42.1", True),
        ("order.total != 42.10", False),
        ("order.total < 50", True),
        ("order.total <= 42.10", True),
        ("order.total > 42.10", False),
        ("order.total >= 42.10", True),
        ("order.channel == 'amazon:eu'", True),
        ("order.channel < 'b'", True),
        ("order.ship_to.country_code in ['DE', 'AT']", False),
        ("order.ship_to.country_code not in ['DE', 'AT']", True),
        ("order.ship_to.country_code in node.countries", False),
        ("'vip' in order.tags", True),
        ("'BT7' in order.ship_to.postal_code", True),
        ("'XX' not in order.ship_to.postal_code", True),
        ("order.gift == false", True),
        ("not order.gift", True),
        ("order.gift or order.fraud_score > 10", True),
        ("order.gift and order.fraud_score > 10", False),
        ("order.placed_at.hour < 14", True),
        ("order.placed_at.weekday == 1", True),
        ("order.placed_at.date == order.promised", False),
        ("order.promised.weekday == 3", True),
        ("order.placed_at < datetime('2025-01-07T00:00:00+00:00')", True),
        ("order.promised >= date('2025-01-08')", True),
        ("[1, 2] == [1, 2]", True),
        ("[1, 2.0] == [1, 2]", True),
        ("order.lines[0].sku == 'A-1'", True),
        ("order.lines[-1].sku == 'B-2'", True),
        ("order.lines[1].attributes.hazmat", True),
        ("order.lines[1].attributes['hazmat']", True),
        ("order['total'] == 42.10", True),
        ("order.total + 7.90 == 50", True),
        ("order.total - 2.10 == 40", True),
        ("order.total * 2 == 84.20", True),
        ("order.total / 2 == 21.05", True),
        ("order.fraud_score / 5 == 2.4", True),
        ("order.id + '-x' == 'SO-1-x'", True),
        ("-order.fraud_score == -12", True),
        ("order.lines[0].quantity * order.lines[0].price == 20.10", True),
    ],
)
def test_every_operator(text: str, expected: bool) -> None:
    assert run(text) is expected


def test_decimal_exactness() -> None:
    assert run("0.1 + 0.2 == 0.3")
    value = run("0.1 + 0.2", expect=None)
    assert value == Decimal("0.3") and isinstance(value, Decimal)
    assert run("1.10 * 3", expect=None) == Decimal("3.30")
    assert run("1 / 3", expect=None) == Decimal("0.3333333333333333333333333333")
    assert run("10 / 4", expect=None) == Decimal("2.5")
    assert isinstance(run("2 + 3", expect=None), int)
    assert isinstance(run("2 + 3.0", expect=None), Decimal)


def test_floats_in_data_become_exact_decimals() -> None:
    assert run("order.total + 0.2 == 0.3", make_order(total=0.1))


def test_pydantic_models_and_enums_are_read() -> None:
    class Channel(Enum):
        AMAZON = "amazon:eu"

    class Address(BaseModel):
        country_code: str
        postal_code: str | None = None

    class Order(BaseModel):
        channel: Channel
        total: Decimal
        ship_to: Address

    order = Order(channel=Channel.AMAZON, total=Decimal("60"), ship_to=Address(country_code="DE"))
    compiled = compile_expression(
        "order.channel == 'amazon:eu' and order.ship_to.country_code in node.countries and order.total >= 50"
        " and order.ship_to.postal_code == null",
        SCHEMA,
    )
    assert compiled.evaluate({"order": order, "node": NODE}) is True


# -- null semantics ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("order.ship_to.postal_code == null", True),
        ("order.ship_to.postal_code != null", False),
        ("order.ship_to.postal_code == 'X'", False),
        ("order.ship_to.postal_code != 'X'", True),
        ("order.total < 50", False),
        ("order.total >= 50", False),
        ("order.total + 1 == null", True),
        ("order.ship_to.postal_code in ['X']", False),
        ("order.ship_to.postal_code not in ['X']", True),
        ("'X' in order.tags", False),
        ("order.gift", None),
        ("not order.gift", True),
        ("order.gift or true", True),
        ("order.gift and true", False),
        ("len(order.tags) == 0", True),
        ("lower(order.channel) == null", True),
        ("startswith(order.ship_to.postal_code, 'BT')", False),
        ("any(order.lines, l -> l.sku == 'A')", False),
        ("all(order.lines, l -> l.sku == 'A')", True),
        ("sum(order.lines, l -> l.price) == 0", True),
        ("order.placed_at.hour == null", True),
        ("order.ship_to.country_code == null", True),
        ("coalesce(order.total, 0) == 0", True),
    ],
)
def test_null_semantics(text: str, expected: bool | None) -> None:
    order = {"ship_to": None, "channel": None, "lines": None, "tags": None}
    compiled = compile_expression(text, SCHEMA)
    assert compiled.evaluate({"order": order, "node": NODE}) is expected
    assert compiled.matches({"order": order, "node": NODE}) is (expected is True)


def test_missing_list_items_and_index_out_of_range_are_null() -> None:
    assert run("order.lines[5].sku == null")
    assert run("order.lines[0].attributes.fragile == null")
    assert run("order.lines[0].attributes['no such'] == null")


def test_missing_variable_is_an_evaluation_error() -> None:
    from hub.rules.expr import EvaluationError

    compiled = compile_expression("node.code == 'x'", SCHEMA)
    with pytest.raises(EvaluationError, match="variable 'node' was not provided"):
        compiled.evaluate({"order": {}})


# -- functions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("len(order.tags)", 2),
        ("len(order.id)", 4),
        ("lower('AbC')", "abc"),
        ("upper(order.ship_to.country_code)", "FR"),
        ("trim('  x ')", "x"),
        ("startswith(order.ship_to.postal_code, 'BT')", True),
        ("startswith(order.ship_to.postal_code, ['IM', 'BT'])", True),
        ("startswith(order.ship_to.postal_code, ['IM', 'JE'])", False),
        ("endswith(order.ship_to.postal_code, '1AA')", True),
        ("endswith(order.ship_to.postal_code, ['X'])", False),
        ("contains(order.channel, 'amazon')", True),
        ("contains(order.tags, 'b2c')", True),
        ("contains(order.tags, 'b2b')", False),
        ("any(order.lines, l -> l.attributes.hazmat)", True),
        ("any(order.lines, l -> l.quantity > 5)", False),
        ("all(order.lines, l -> l.quantity >= 1)", True),
        ("all(order.lines, l -> l.attributes.hazmat)", False),
        ("count(order.lines)", 2),
        ("count(order.lines, l -> l.quantity > 1)", 1),
        ("sum(order.lines, l -> l.quantity)", 3),
        ("sum(order.lines, l -> l.price * l.quantity)", Decimal("42.10")),
        ("sum([1, 2, 3])", 6),
        ("sum([0.1, 0.2])", Decimal("0.3")),
        ("min(order.lines, l -> l.weight)", Decimal("0.25")),
        ("max(order.lines, l -> l.weight)", Decimal("1.5")),
        ("min([3, 1, 2])", 1),
        ("max(order.tags)", "vip"),
        ("min(3, 1.5, 2)", Decimal("1.5")),
        ("max(order.total, 50)", 50),
        ("min([])", None),
        ("round(2.345, 2)", Decimal("2.35")),
        ("round(2.5)", Decimal("3")),
        ("round(7)", 7),
        ("round(-2.345, 2)", Decimal("-2.35")),
        ("abs(-3)", 3),
        ("abs(-0.5)", Decimal("0.5")),
        ("hour(order.placed_at)", 13),
        ("minute(order.placed_at)", 5),
        ("weekday(order.placed_at)", 1),
        ("weekday(order.promised)", 3),
        ("date(order.placed_at)", date(2025, 1, 6)),
        ("date('2025-12-24')", date(2025, 12, 24)),
        ("datetime('2025-01-06T13:00:00Z')", datetime(2025, 1, 6, 13, tzinfo=UTC)),
        ("coalesce(order.ship_to.postal_code, 'none')", "BT7 1AA"),
        ("any(order.lines, l -> startswith(l.sku, 'B'))", True),
    ],
)
def test_every_function(text: str, expected: Any) -> None:
    assert run(text, expect=None) == expected


def test_every_function_is_tested_and_documented() -> None:
    import pathlib

    tested = set()
    source = pathlib.Path(__file__).read_text()
    docs = (pathlib.Path(__file__).parents[1] / "docs" / "rule-expressions.md").read_text()
    for name in FUNCTIONS:
        if f"{name}(" in source:
            tested.add(name)
        assert f"`{name}(" in docs, name
    assert tested == set(FUNCTIONS)


def test_nested_quantifiers_bind_their_own_parameters() -> None:
    schema = {"order": {"boxes": [{"items": [{"sku": "string"}]}]}}
    compiled = compile_expression("any(order.boxes, b -> all(b.items, i -> startswith(i.sku, 'A')))", schema)
    assert compiled.evaluate({"order": {"boxes": [{"items": [{"sku": "B"}]}, {"items": [{"sku": "A1"}]}]}})
    assert not compiled.evaluate({"order": {"boxes": [{"items": [{"sku": "B"}]}]}})


def test_references_lists_the_fields_read() -> None:
    compiled = compile_expression(
        "order.ship_to.country_code in node.countries and any(order.lines, l -> l.attributes.hazmat)", SCHEMA
    )
    assert compiled.references == frozenset(
        {"order.ship_to.country_code", "node.countries", "order.lines[].attributes.hazmat"}
    )


def test_compiled_expression_reports_its_shape() -> None:
    compiled = compile_expression("order.total >= 50.00", Schema.from_dict(SCHEMA))
    assert isinstance(compiled, CompiledExpression)
    assert str(compiled.type) == "bool"
    assert compiled.node_count == 4
    assert "order.total >= 50.00" in repr(compiled)
    assert compile_expression("order.total * 2", SCHEMA, expect="decimal").type.kind == "decimal"
    assert compile_expression("order.fraud_score * 2", SCHEMA, expect="decimal").type.kind == "int"
