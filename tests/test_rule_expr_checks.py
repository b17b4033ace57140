"""Rule expressions: type errors with columns, did-you-mean, budgets, run-time errors and explanations."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from hub.errors import RecordError
from hub.rules.expr import (
    BudgetExceeded,
    DivisionByZero,
    EvaluationError,
    ExpressionError,
    ExpressionTooComplex,
    Limits,
    RuntimeTypeError,
    SchemaError,
    compile_expression,
    parse_type,
)
from tests.test_rule_expr import NODE, SCHEMA, make_order


def error_of(text: str, **kw: Any) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, SCHEMA, **kw)
    return info.value


# -- type checking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ('order.total == "50"', 1, 'cannot compare order.total (decimal) and "50" (string)'),
        ("order.channel < 5", 1, "cannot compare order.channel (string) and 5 (int) with '<'"),
        ("order.total and true", 1, "'and' needs conditions"),
        ("true or order.channel", 9, "'or' needs conditions"),
        ("not order.total", 1, "'not' needs a condition"),
        ("-order.channel", 1, "'-' needs a number"),
        ("order.channel * 2", 1, "'*' needs numbers"),
        ("order.channel + 2 == 'x'", 1, "'+' needs numbers"),
        ("order.total + null == 1", 1, "with null is always null"),
        ("order.total < null", 1, "test '== null' instead"),
        ("order.total in ['a']", 1, "in a list of string"),
        ("order.total in order.total", 1, "needs a list or a string on the right"),
        ("5 in order.channel", 1, "needs a string on the left"),
        ("[1, 'a'] == []", 5, "list items must share one type"),
        ("order.lines.sku == 'x'", 13, "order.lines is a list"),
        ("order.total.amount == 1", 13, "has no field 'amount'"),
        ("order.placed_at.hours == 1", 17, "did you mean 'hour'?"),
        ("order.tags['x'] == 'a'", 12, "a list position must be an int"),
        ("order.lines[0].attributes[1]", 27, "a map key must be a string"),
        ("order.total[0] == 1", 1, "cannot be indexed"),
        ("order.total", 1, "must be a condition (true/false), but it is decimal"),
        ("len(order.total) == 1", 5, "len(): argument 1 must be a string or a list, not decimal"),
        ("len(order.tags, 1) == 1", 1, "len() takes 1 argument, got 2"),
        ("startswith(order.id) ", 1, "startswith() takes 2 arguments, got 1"),
        ("startswith(order.id, 5)", 22, "argument 2 must be a string or a list of strings"),
        ("any(order.lines)", 1, "any() takes 2 arguments, got 1"),
        ("any(order.lines, l -> l.quantity)", 18, "argument 2 must be a condition"),
        ("any(order.lines, true)", 18, "must be a lambda"),
        ("any(order.total, x -> true)", 5, "argument 1 must be a list"),
        ("len(x -> x) == 1", 5, "takes no lambda here"),
        ("any(order.lines, order -> true)", 18, "hides the name 'order'"),
        ("any(order.lines, len -> true)", 18, "is the name of a function"),
        ("sum(order.tags) == 1", 5, "argument 1 must be numbers"),
        ("min(order.lines) == null", 5, "numbers, strings, dates or datetimes"),
        ("max(1, 'a') == 1", 8, "like int"),
        ("round(order.total, 'x') == 1", 20, "an integer"),
        ("hour(order.promised) == 1", 6, "must be a datetime"),
        ("date('2025-13-01') == order.promised", 6, "not an ISO date"),
        ("datetime('yesterday') < order.placed_at", 10, "not an ISO datetime"),
        ("coalesce(order.total, 'x') == 1", 23, "like argument 1"),
        ("contains(order.tags, 5)", 22, "comparable with the list items"),
        ("order.placed_at < order.promised", 1, "cannot compare"),
        ("len == 1", 1, "'len' is a function"),
    ],
)
def test_type_errors_have_columns(text: str, column: int, fragment: str) -> None:
    error = error_of(text)
    assert fragment in error.reason
    assert error.column == column
    assert error.code == "expression_type_error"


@pytest.mark.parametrize(
    ("text", "suggestion", "column"),
    [
        ('order.ship_to.contry_code == "DE"', "did you mean 'country_code'?", 15),
        ("ordr.total > 1", "did you mean 'order'?", 1),
        ("order.totl > 1", "did you mean 'total'?", 7),
        ("startwith(order.id, 'x')", "did you mean 'startswith'?", 1),
        ("any(order.lines, l -> l.quantty > 1)", "did you mean 'quantity'?", 25),
        ("order['totl'] == 1", "did you mean 'total'?", 7),
    ],
)
def test_did_you_mean(text: str, suggestion: str, column: int) -> None:
    error = error_of(text)
    assert suggestion in error.reason
    assert error.column == column


def test_unknown_field_without_a_close_match_lists_the_fields() -> None:
    error = error_of("order.ship_to.xyz == 1")
    assert "(fields: country_code, postal_code, zone)" in error.reason


def test_schema_declarations() -> None:
    assert str(parse_type("list[map[decimal]]")) == "list[map[decimal]]"
    assert str(parse_type([{"a": "int"}])) == "list[object{a}]"
    assert str(parse_type("number")) == "decimal"
    with pytest.raises(SchemaError):
        parse_type("money")
    with pytest.raises(SchemaError):
        parse_type({"_private": "int"})
    with pytest.raises(SchemaError):
        parse_type(["int", "string"])


# -- evaluation errors --------------------------------------------------------------------------------


def evaluate(text: str, order: dict[str, Any], limits: Limits | None = None) -> Any:
    compiled = compile_expression(text, SCHEMA, expect=None, limits=limits or Limits())
    return compiled.evaluate({"order": order, "node": NODE})


def test_division_by_zero_is_a_typed_evaluation_error() -> None:
    with pytest.raises(DivisionByZero) as info:
        evaluate("order.total / order.fraud_score > 1", make_order(fraud_score=0))
    assert info.value.code == "division_by_zero"
    assert isinstance(info.value, EvaluationError) and isinstance(info.value, RecordError)
    assert "order.total / order.fraud_score" in str(info.value)
    with pytest.raises(DivisionByZero):
        evaluate("1 / 0.0", make_order())


def test_data_of_the_wrong_type_is_a_runtime_type_error() -> None:
    with pytest.raises(RuntimeTypeError):
        evaluate("order.total > 5", make_order(total="lots"))
    with pytest.raises(RuntimeTypeError):
        evaluate("order.total + 1", make_order(total="lots"))
    with pytest.raises(RuntimeTypeError):
        evaluate("lower(order.channel)", make_order(channel=5))
    with pytest.raises(RuntimeTypeError):
        evaluate("order.placed_at < datetime('2025-01-01T00:00:00')", make_order())  # aware vs naive


def test_round_places_are_bounded_at_run_time() -> None:
    with pytest.raises(EvaluationError, match="0 to 20 decimal places"):
        evaluate("round(order.total, order.fraud_score)", make_order(fraud_score=99))


# -- budgets -------------------------------------------------------------------------------------------


def test_too_many_nodes_is_refused() -> None:
    text = " + ".join(["1"] * 400) + " == 1"
    with pytest.raises(ExpressionTooComplex) as info:
        compile_expression(text, SCHEMA)
    assert "more than 500 parts" in info.value.reason
    assert isinstance(info.value, ExpressionError)


def test_long_flat_conditions_are_fine() -> None:
    text = " or ".join(f"order.ship_to.zone == {n}" for n in range(80))
    assert compile_expression(text, SCHEMA).evaluate({"order": make_order(), "node": NODE}) is True


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    for text in ["(" * 5000 + "1" + ")" * 5000 + " == 1", "-" * 5000 + "1 == 1", "not " * 5000 + "true"]:
        with pytest.raises(ExpressionTooComplex) as info:
            compile_expression(text, SCHEMA, limits=Limits(max_length=100_000))
        assert "nested more than" in info.value.reason


def test_deep_left_chain_is_refused() -> None:
    text = " + ".join(["1"] * 60) + " == 60"
    with pytest.raises(ExpressionTooComplex, match="nested more than 32"):
        compile_expression(text, SCHEMA)
    assert compile_expression(text, SCHEMA, limits=Limits(max_depth=80)).evaluate({"order": {}, "node": NODE})


def test_too_long_source_is_refused() -> None:
    with pytest.raises(ExpressionTooComplex, match="characters long"):
        compile_expression("'" + "x" * 20_000 + "' == 'x'", SCHEMA)


def test_step_budget_stops_nested_quantifiers() -> None:
    schema = {"order": {"lines": [{"n": "int"}]}}
    text = "any(order.lines, a -> any(order.lines, b -> any(order.lines, c -> a.n + b.n + c.n < 0)))"
    compiled = compile_expression(text, schema, limits=Limits(max_steps=50_000))
    lines = [{"n": i} for i in range(200)]  # 8 million combinations
    with pytest.raises(BudgetExceeded, match="more than 50000 steps"):
        compiled.evaluate({"order": {"lines": lines}})


def test_list_length_budget() -> None:
    compiled = compile_expression("'x' in order.tags", SCHEMA, limits=Limits(max_list_items=100))
    assert not compiled.evaluate({"order": {"tags": ["a"] * 100}, "node": NODE})
    with pytest.raises(BudgetExceeded, match="has 101 items; the limit is 100"):
        compiled.evaluate({"order": {"tags": ["a"] * 101}, "node": NODE})
    with pytest.raises(BudgetExceeded):
        compile_expression("len(order.tags) > 0", SCHEMA, limits=Limits(max_list_items=10)).evaluate(
            {"order": {"tags": ["a"] * 11}, "node": NODE}
        )


def test_integer_and_string_growth_is_bounded() -> None:
    big = "9" * 30
    with pytest.raises(BudgetExceeded, match="more than 40 digits"):
        evaluate(f"{big} * {big} > 0", make_order())
    with pytest.raises(BudgetExceeded, match="string longer than"):
        evaluate("order.id + order.id", make_order(id="x" * 60_000))


# -- explanations ----------------------------------------------------------------------------------------


def explain(text: str, order: dict[str, Any]) -> tuple[Any, Any]:
    compiled = compile_expression(text, SCHEMA)
    value, trace = compiled.evaluate_explained({"order": order, "node": NODE})
    assert value == compiled.evaluate({"order": order, "node": NODE})
    return value, trace


def test_explanation_of_a_failed_and() -> None:
    value, trace = explain('order.ship_to.country_code in ["DE", "AT"] and order.total >= 50.00', make_order())
    assert value is False
    assert trace.text == "condition 1 of 2 does not hold"
    assert [c.text for c in trace.children] == ["order.ship_to.country_code = 'FR' is not in ['DE', 'AT']"]
    assert trace.render() == (
        "[false] condition 1 of 2 does not hold\n  [false] order.ship_to.country_code = 'FR' is not in ['DE', 'AT']"
    )


def test_explanation_of_a_passed_and_lists_every_condition() -> None:
    order = make_order(ship_to={"country_code": "AT"}, total=Decimal("62.00"))
    value, trace = explain('order.ship_to.country_code in ["DE", "AT"] and order.total >= 50.00', order)
    assert value is True
    assert [c.text for c in trace.children] == [
        "order.ship_to.country_code = 'AT' is in ['DE', 'AT']",
        "order.total = 62.00 is at least 50.00",
    ]


def test_explanation_of_or_and_functions() -> None:
    value, trace = explain('startswith(order.ship_to.postal_code, "BT") or order.channel == "amazon:eu"', make_order())
    assert value is True
    assert trace.text == "condition 1 of 2 holds"
    assert trace.children[0].text == "order.ship_to.postal_code = 'BT7 1AA' starts with 'BT'"
    order = make_order(ship_to={"postal_code": "SW1"}, channel="shopify")
    value, trace = explain('startswith(order.ship_to.postal_code, ["BT", "IM"]) or order.channel == "amazon:eu"', order)
    assert value is False
    assert trace.text == "none of the 2 conditions holds"
    assert [c.text for c in trace.children] == [
        "order.ship_to.postal_code = 'SW1' does not start with any of ['BT', 'IM']",
        "order.channel = 'shopify' does not equal 'amazon:eu'",
    ]


def test_explanation_of_quantifiers_names_the_item() -> None:
    value, trace = explain("any(order.lines, l -> l.attributes.hazmat) == false", make_order())
    assert value is False
    assert trace.text == "any(order.lines, l -> l.attributes.hazmat) = true does not equal false"
    assert trace.children[0].text == "order.lines[1] matches l -> l.attributes.hazmat"
    assert trace.children[0].children[0].text == "l.attributes.hazmat is true"
    value, trace = explain("all(order.lines, l -> l.quantity > 1)", make_order())
    assert trace.text == "order.lines[1] does not match l -> l.quantity > 1"
    assert trace.children[0].text == "l.quantity = 1 is not above 1"
    value, trace = explain("not any(order.lines, l -> l.quantity > 5)", make_order())
    assert value is True
    assert trace.children[0].text == "no item of order.lines (2 items) matches l -> l.quantity > 5"


def test_explanation_of_nulls_and_times() -> None:
    value, trace = explain("order.ship_to.postal_code == null", make_order(ship_to={}))
    assert (value, trace.text) == (True, "order.ship_to.postal_code = null is null")
    value, trace = explain("order.total >= 50", make_order(total=None))
    assert value is False
    assert "order.total = null is below 50 (null is never" in trace.text
    order = make_order(placed_at=datetime(2025, 1, 6, 15, 30, tzinfo=UTC))
    value, trace = explain('order.service_level == "express" and order.placed_at.hour < 14', order)
    assert trace.children[0].text == "order.placed_at.hour = 15 is not below 14"
    value, trace = explain("order.gift", make_order(gift=None))
    assert value is None
    assert trace.text == "order.gift is null (counts as false)"


def test_explanation_as_dict_is_json_friendly() -> None:
    import json

    _, trace = explain("order.total * 2 > node.min_value and not order.gift", make_order())
    data = trace.as_dict()
    json.dumps(data)
    assert data["value"] is True
    assert data["children"][0]["text"] == "order.total * 2 = 84.20 is above node.min_value = 20"
    assert data["children"][1]["text"] == "not: the condition below does not hold"
    assert data["children"][1]["children"][0]["text"] == "order.gift is false"


def test_explanation_shares_the_step_budget() -> None:
    schema = {"order": {"lines": [{"n": "int"}]}}
    compiled = compile_expression(
        "any(order.lines, a -> any(order.lines, b -> a.n < 0))", schema, limits=Limits(max_steps=10_000)
    )
    with pytest.raises(BudgetExceeded):
        compiled.evaluate_explained({"order": {"lines": [{"n": i} for i in range(500)]}})
