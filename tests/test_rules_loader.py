"""Reading rule set files: what `hub rules check` reports, each error naming the file and the key."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from textwrap import dedent

import pytest

from hub.errors import ConfigError
from hub.rules.loader import RuleSetError, load_rule_set_text, parse_rule_set, read_rule_set_file
from hub.rules.ruleset import BUILT_IN, DEFAULT_SETTINGS

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
HEAD = "rule_set: acme\nversion: 2\n"


def problem(body: str, source: str = "rules.yaml") -> RuleSetError:
    with pytest.raises(RuleSetError) as caught:
        load_rule_set_text(HEAD + dedent(body), source)
    return caught.value


def test_the_example_in_the_documentation_loads() -> None:
    text = re.search(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert text is not None
    rule_set = load_rule_set_text(text.group(1), "docs/rules.md")
    assert (rule_set.label, rule_set.version) == ("acme-eu v3", 3)
    assert rule_set.settings.select == "cost" and rule_set.settings.min_shipment_value == Decimal("15.00")
    assert [r.name for r in rule_set.holds] == ["fraud-review", "payment-pending", "address-check"]
    assert [r.name for r in rule_set.routes] == ["uk-from-uk", "alps-from-munich", "everything-else"]
    assert [r.name for r in rule_set.line_exclusions] == ["no-hazmat-at-3pl"]
    assert [r.name for r in rule_set.order_exclusions] == ["no-far-nodes-for-express"]
    assert [r.name for r in rule_set.policies] == ["amazon-ships-whole", "b2b-edi-waits"]
    assert rule_set.node_codes() == {"LDS", "LON", "AMS", "MUC", "BER"}


def test_settings_fill_in_from_the_defaults_and_a_version_can_be_given() -> None:
    rule_set = load_rule_set_text(HEAD + "settings: {split: allow}\n", version=9)
    assert rule_set.version == 9 and rule_set.label == "acme v9"
    assert rule_set.settings.split == "allow"
    assert rule_set.settings.on_shortage == DEFAULT_SETTINGS.on_shortage == "backorder"
    assert rule_set.settings.max_shipments == 3
    assert (BUILT_IN.version, BUILT_IN.label, BUILT_IN.settings.split) == (None, "default (built-in)", "forbid")


@pytest.mark.parametrize(
    ("body", "key", "says"),
    [
        ("settings:\n  splitt: allow\n", "settings.splitt", "unknown key"),
        ("holds:\n  - {name: a, when: 'true', because: x}\n", "holds[0].because", "unknown key"),
        ("routes:\n  - {name: a, nodez: [BER]}\n", "routes[0].nodez", "unknown key"),
        ("colour: red\n", "colour", "unknown key"),
        ("settings:\n  split: maybe\n", "settings.split", "expected 'allow' or 'forbid'"),
        ("settings:\n  on_shortage: wait\n", "settings.on_shortage", "'backorder', 'ship_partial' or 'hold'"),
        ("settings:\n  select: random\n", "settings.select", "'priority', 'nearest' or 'cost'"),
        ("exclusions:\n  - {name: a, scope: shipment, when: 'true'}\n", "exclusions[0].scope", "'order' or 'line'"),
        ("policies:\n  - {name: a, when: 'true', split: never}\n", "policies[0].split", "'allow' or 'forbid'"),
        ("settings:\n  service_level: fast\n", "settings.service_level", "economy, standard, express, not 'fast'"),
        ("settings:\n  max_shipments: 0\n", "settings.max_shipments", "greater than or equal to 1"),
        ("settings:\n  split_lines: sometimes\n", "settings.split_lines", "valid boolean"),
        ("priorities:\n  - {name: a, when: 'true', priority: 5000}\n", "priorities[0].priority", "less than or equal"),
        ("routes:\n  - {name: a, nodes: []}\n", "routes[0].nodes", "at least one node"),
        ("routes:\n  - {name: a, nodes: [BER, BER]}\n", "routes[0].nodes", "a node is listed twice"),
        ("routes:\n  - {name: a, nodes: some}\n", "routes[0].nodes", "valid list or expected 'all'"),
        ("holds:\n  - {name: a}\n", "holds[0].when", "required key is missing"),
        ("safety_stock:\n  - {skus: [A], sku_prefix: B, quantity: 1}\n", "safety_stock[0]", "not both"),
        ("safety_stock:\n  - {quantity: -1}\n", "safety_stock[0].quantity", "greater than or equal to 0"),
    ],
)
def test_shape_errors_name_the_file_and_the_key(body: str, key: str, says: str) -> None:
    error = problem(body)
    assert error.message.startswith(f"rules.yaml: {key}: ")
    assert says in error.message
    assert (error.location.file, error.location.field) == ("rules.yaml", key)
    assert isinstance(error, ConfigError) and error.code == "rule_set_invalid"


def test_a_missing_name_or_version_is_named() -> None:
    with pytest.raises(RuleSetError, match=r"^r\.yaml: rule_set: required key is missing"):
        load_rule_set_text("version: 1\n", "r.yaml")
    with pytest.raises(RuleSetError, match=r"^r\.yaml: version: "):
        load_rule_set_text("rule_set: x\nversion: first\n", "r.yaml")


def test_several_problems_are_counted() -> None:
    error = problem("settings:\n  split: maybe\n  select: random\nroutes:\n  - {name: a, nodez: [X]}\n")
    assert error.message.endswith("(and 2 more problems)")


@pytest.mark.parametrize(
    ("body", "key", "first"),
    [
        ("holds:\n  - {name: a, when: 'true'}\n  - {name: a, when: 'false'}\n", "holds[1].name", "holds[0]"),
        (
            "routes:\n  - {name: uk, nodes: [LDS]}\n  - {name: de, nodes: [BER]}\n  - {name: uk, nodes: all}\n",
            "routes[2].name",
            "routes[0]",
        ),
        (
            "exclusions:\n  - {name: x, scope: line, when: 'true'}\n  - {name: x, scope: order, when: 'true'}\n",
            "exclusions[1].name",
            "exclusions[0]",
        ),
    ],
)
def test_a_rule_name_used_twice_in_a_section_names_the_second_one(body: str, key: str, first: str) -> None:
    error = problem(body)
    assert error.location.field == key
    assert error.message.startswith(f"rules.yaml: {key}: the name ")
    assert error.message.endswith(f"is used twice (first at {first})")


def test_the_same_name_in_different_sections_is_fine() -> None:
    rule_set = load_rule_set_text(
        HEAD + "holds:\n  - {name: uk, when: 'false'}\nroutes:\n  - {name: uk, nodes: [LDS]}\n"
    )
    assert [r.name for r in rule_set.holds] == [r.name for r in rule_set.routes] == ["uk"]


def test_a_bad_expression_names_the_key_the_rule_the_column_and_marks_it() -> None:
    error = problem(
        """
        routes:
          - {name: uk, when: 'order.ship_to.country_code == "GB"', nodes: [LDS]}
          - name: de
            when: order.ship_to.contry_code == "DE"
            nodes: [BER]
        """
    )
    assert error.location.field == "routes[1].when"
    assert error.location.position == 15
    first_line, source_line, carets = error.message.split("\n")
    assert first_line == (
        "rules.yaml: routes[1].when (rule de): unknown field 'contry_code' on order.ship_to; "
        "did you mean 'country_code'? (at column 15)"
    )
    assert source_line == '  order.ship_to.contry_code == "DE"'
    assert carets == "  " + " " * 14 + "^" * len("contry_code")


@pytest.mark.parametrize(
    ("body", "key", "says"),
    [
        (
            "holds:\n  - {name: odd, when: 'order.total == \"x\"'}\n",
            "holds[0].when",
            "cannot compare order.total (decimal) and \"x\" (string) with '=='",
        ),
        (
            "priorities:\n  - {name: p, when: 'order.total', priority: 1}\n",
            "priorities[0].when",
            "must be a condition (true/false), but it is decimal",
        ),
        ("policies:\n  - {name: p, when: 'order.channel ==', split: forbid}\n", "policies[0].when", "(at column"),
        (
            "exclusions:\n  - {name: hazmat, scope: order, when: 'line.product.hazmat'}\n",
            "exclusions[0].when",
            "unknown name 'line' (known: node, order)",
        ),
        (
            "routes:\n  - {name: r, when: 'node.country == \"DE\"', nodes: all}\n",
            "routes[0].when",
            "unknown name 'node'",
        ),
        (
            "holds:\n  - {name: h, when: 'startswith(order.total, \"1\")'}\n",
            "holds[0].when",
            "startswith",
        ),
    ],
)
def test_a_condition_that_does_not_type_check_is_an_error(body: str, key: str, says: str) -> None:
    error = problem(body)
    assert error.location.field == key
    assert error.message.startswith(f"rules.yaml: {key} (rule ")
    assert says in error.message
    assert "^" in error.message.splitlines()[-1]


def test_a_line_scope_exclusion_may_read_the_line_the_node_and_the_order() -> None:
    rule_set = load_rule_set_text(
        HEAD
        + "exclusions:\n"
        + "  - name: heavy-line\n"
        + "    scope: line\n"
        + "    when: line.quantity * coalesce(line.product.weight_kg, 0) > 30 and node.flags.small"
        + " and order.channel != 'b2b'\n"
    )
    assert [r.name for r in rule_set.line_exclusions] == ["heavy-line"]


def test_a_multi_line_condition_reports_its_line_within_the_condition() -> None:
    error = problem(
        """
        holds:
          - name: long
            when: >-
              order.total > 100
              and order.shipto.country_code == "DE"
        """
    )
    assert error.location.field == "holds[0].when"
    assert "unknown field 'shipto' on order" in error.message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (HEAD + "holds:\n  - name: a\n   when: 'true'\n", 5),
        (HEAD + "routes: [\n", 4),
        (HEAD + "version: 3\n", 3),
        ("rule_set: acme\nversion: 2\nsettings:\n\tsplit: allow\n", 4),
    ],
)
def test_yaml_syntax_errors_name_the_file_and_the_line(text: str, line: int) -> None:
    with pytest.raises(RuleSetError) as caught:
        load_rule_set_text(text, "rules.yaml")
    assert caught.value.message.startswith("rules.yaml: not valid YAML: ")
    assert caught.value.location.file == "rules.yaml"
    assert caught.value.location.line == line
    assert f"line {line}" in caught.value.message


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    for data in (["a"], "text", None):
        with pytest.raises(RuleSetError, match=r"^x\.yaml: a rule set is a mapping"):
            parse_rule_set(data, "x.yaml")


def test_returns_are_checked_by_the_return_flow() -> None:
    error = problem("returns:\n  - {name: damaged, when: 'true', action: burn}\n")
    assert error.message.startswith("rules.yaml: returns: ")
    assert error.location.field == "returns"


def test_a_rule_set_file_is_read_and_its_errors_name_its_path(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(HEAD + "routes:\n  - {name: all, nodes: all}\n", encoding="utf-8")
    text, rule_set = read_rule_set_file(good)
    assert text.startswith("rule_set: acme") and rule_set.label == "acme v2"
    bad = tmp_path / "bad.yaml"
    bad.write_text(HEAD + "routes:\n  - {name: x, when: 'order.nope', nodes: all}\n", encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        read_rule_set_file(bad)
    assert caught.value.message.startswith(f"{bad}: routes[0].when (rule x): unknown field 'nope'")
    assert caught.value.location.file == str(bad)
    with pytest.raises(RuleSetError, match="cannot be read"):
        read_rule_set_file(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"rule_set: caf\xe9\nversion: 1\n")
    with pytest.raises(RuleSetError, match="cannot be read"):
        read_rule_set_file(latin)
