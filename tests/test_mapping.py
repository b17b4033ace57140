"""The mapping language: paths, every function, error locations, and bad mapping files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hub.errors import ConfigError, MappingError
from hub.mapping import (
    FUNCTIONS,
    MappingFileError,
    PathSyntaxError,
    find_mapping,
    load_mapping,
    load_mapping_text,
    parse_path,
)

HEAD = "name: t\nversion: 1\ndocument: order\n"


def run(fields: str, source: dict[str, Any], lookups: str = "") -> dict[str, Any]:
    """Map `source` with a mapping whose `fields:` block is `fields` (YAML, indented by the caller)."""
    return load_mapping_text(f"{HEAD}{lookups}fields:\n{fields}", "t.yaml").apply(source)


def value(expr: str, source: dict[str, Any], lookups: str = "") -> Any:
    return run(f"  out: {expr}\n", source, lookups).get("out")


# -- paths ---------------------------------------------------------------------------------------------

DOC = {"a": {"b": 1}, "items": [{"sku": "A"}, {"sku": "B"}], "weird key": "w", "it's": 2, "n": None}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.a.b", 1),
        ("$.items[0].sku", "A"),
        ("$.items[-1].sku", "B"),
        ("$.items[*].sku", ["A", "B"]),
        ("$.a.*", [1]),
        ("$['weird key']", "w"),
        ('$["weird key"]', "w"),
        ("$['it\\'s']", 2),
        ("$.missing.deeper", None),
        ("$.items[5].sku", None),
        ("$.a.b.c", None),
    ],
)
def test_paths_find_values(path: str, expected: Any) -> None:
    parsed = parse_path(path)
    matches = parsed.find(DOC, "$")
    got = [v for v, _ in matches] if parsed.multi else (matches[0][0] if matches else None)
    assert got == expected


def test_path_anchors_and_concrete_paths() -> None:
    assert parse_path("$$.x").anchor == "root"
    assert parse_path("$root.x").anchor == "root"
    assert parse_path("$.x").anchor == "item"
    assert parse_path("$.rootx").steps == ("rootx",)
    assert parse_path("$.items[*].sku").find(DOC, "$")[1][1] == "$.items[1].sku"
    assert parse_path("$['weird key']").render("$.x[2]") == "$.x[2]['weird key']"


@pytest.mark.parametrize("bad", ["a.b", "$.", "$..a", "$.a[", "$.a[x]", "$['open", "$.a b", "$rooty", "$[1"])
def test_bad_path_syntax(bad: str) -> None:
    with pytest.raises(PathSyntaxError):
        parse_path(bad)


# -- functions -------------------------------------------------------------------------------------


def test_const_and_bare_scalars_are_literals() -> None:
    assert value("{const: abc}", {}) == "abc"
    assert value("{const: 0.10}", {}) == Decimal("0.10")  # YAML numbers load as Decimal, never float
    assert value("7", {}) == 7
    assert value("true", {}) is True


def test_first_skips_missing_and_blank() -> None:
    assert value("{first: [$.a, $.b, $.c]}", {"a": None, "b": "  ", "c": "x"}) == "x"
    assert value("{first: [$.a, $.b]}", {}) is None


def test_concat_with_and_without_separator() -> None:
    src = {"a": "A", "b": Decimal("1.50"), "c": None}
    assert value("{concat: [$.a, $.b]}", src) == "A1.50"
    assert value("{concat: [$.a, $.c, $.b], sep: '-'}", src) == "A-1.50"


@pytest.mark.parametrize(
    ("expr", "expected"), [("{upper: $.s}", " ZOË "), ("{lower: $.s}", " zoë "), ("{trim: $.s}", "Zoë")]
)
def test_text_functions(expr: str, expected: str) -> None:
    assert value(expr, {"s": " Zoë "}) == expected
    assert value(expr.replace("$.s", "$.none"), {}) is None


def test_text_functions_map_over_wildcard_lists() -> None:
    assert value("{upper: '$.t[*]'}", {"t": ["a", "b"]}) == ["A", "B"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12.50", Decimal("12.50")), (" 3 ", Decimal("3")), (4, Decimal("4")), (Decimal("0.1"), Decimal("0.1"))],
)
def test_decimal(raw: Any, expected: Decimal) -> None:
    got = value("{decimal: $.v}", {"v": raw})
    assert got == expected and isinstance(got, Decimal)


def test_decimal_goes_through_str_for_floats_and_refuses_junk() -> None:
    assert value("{decimal: $.v}", {"v": 0.1}) == Decimal("0.1")  # not 0.1000000000000000055...
    assert value("{decimal: $.v}", {"v": ""}) is None
    for bad in ("12,50", True, "NaN", [1]):
        with pytest.raises(MappingError):
            value("{decimal: $.v}", {"v": bad})


def test_int() -> None:
    assert value("{int: $.v}", {"v": "3"}) == 3
    assert value("{int: $.v}", {"v": Decimal("4.0")}) == 4
    assert value("{int: $.v}", {"v": ""}) is None
    for bad in ("2.5", "x", True):
        with pytest.raises(MappingError):
            value("{int: $.v}", {"v": bad})


def test_date_iso_default_utc() -> None:
    assert value("{date: $.d}", {"d": "2024-05-01T08:15:00Z"}) == datetime(2024, 5, 1, 8, 15, tzinfo=UTC)
    naive = value("{date: $.d}", {"d": "2024-05-01 08:15"})
    assert naive == datetime(2024, 5, 1, 8, 15, tzinfo=UTC)
    aware = value("{date: $.d, tz: Europe/Berlin}", {"d": "2024-05-01T08:15:00-04:00"})
    assert aware.utcoffset() == timedelta(hours=-4)  # an explicit offset wins over tz


def test_date_with_format_and_zone() -> None:
    got = value("{date: $.d, format: '%Y%m%d', tz: Europe/Berlin}", {"d": "20240501"})
    assert got.tzinfo is not None and got.utcoffset() == timedelta(hours=2)
    with pytest.raises(MappingError, match="does not match format"):
        value("{date: $.d, format: '%Y%m%d'}", {"d": "2024-05-01"})


LOOKUPS = "lookups:\n  uom: {PCS: EA, BOX: CS, NO: norway, 1: one}\n"


def test_lookup() -> None:
    assert value("{lookup: uom, key: $.u}", {"u": "PCS"}, LOOKUPS) == "EA"
    assert value("{lookup: uom, key: $.u}", {"u": "NO"}, LOOKUPS) == "norway"  # YAML `NO` is not false here
    assert value("{lookup: uom, key: $.u}", {"u": 1}, LOOKUPS) == "one"  # keys compare as text
    assert value("{lookup: uom, key: $.u, default: EA}", {"u": "ROLL"}, LOOKUPS) == "EA"
    assert value("{lookup: uom, key: $.u, default: null}", {"u": "ROLL"}, LOOKUPS) is None
    assert value("{lookup: uom, key: $.u}", {}, LOOKUPS) is None
    with pytest.raises(MappingError, match="'ROLL' is not in table 'uom'"):
        value("{lookup: uom, key: $.u}", {"u": "ROLL"}, LOOKUPS)


def test_split() -> None:
    assert value("{split: $.s}", {"s": "a,b"}) == ["a", "b"]
    assert value("{split: $.s, sep: '|', index: 1}", {"s": "a|b"}) == "b"
    assert value("{split: $.s, index: -1}", {"s": "a,b,c"}) == "c"
    assert value("{split: $.s, index: 5}", {"s": "a"}) is None


def test_default() -> None:
    assert value("{default: $.v, value: 1}", {}) == 1
    assert value("{default: $.v, value: 1}", {"v": ""}) == 1
    assert value("{default: $.v, value: 1}", {"v": 0}) == 0


def test_required() -> None:
    assert value("{required: $.v}", {"v": "x"}) == "x"
    for missing in ({}, {"v": " "}, {"v": []}):
        with pytest.raises(MappingError) as caught:
            value("{required: $.v}", missing)
        assert caught.value.location.field == "out"
        assert caught.value.location.segment == "$.v"


def test_index_and_each() -> None:
    fields = "  lines:\n    each: $.rows\n    fields:\n      no: {index: true}\n      sku: $.sku\n      order: $$.id\n"
    got = run(fields, {"id": "O1", "rows": [{"sku": "A"}, {"sku": "B"}]})
    assert got == {"lines": [{"no": 1, "sku": "A", "order": "O1"}, {"no": 2, "sku": "B", "order": "O1"}]}
    assert run(fields, {"id": "O1"}) == {"lines": []}
    assert run(fields, {"rows": {"sku": "only"}})["lines"] == [{"no": 1, "sku": "only"}]  # one object = one item


def test_nested_each_index_is_innermost() -> None:
    fields = (
        "  boxes:\n    each: '$.boxes[*]'\n    fields:\n      no: {index: true}\n"
        "      items:\n        each: $.items\n        fields:\n          no: {index: true}\n          box: $root.name\n"
    )
    got = run(fields, {"name": "N", "boxes": [{"items": [1, 2]}, {"items": [3]}]})
    assert got["boxes"][1] == {"no": 2, "items": [{"no": 1, "box": "N"}]}


def test_every_function_is_documented_and_tested() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "mapping.md").read_text(encoding="utf-8")
    source = Path(__file__).read_text(encoding="utf-8")
    for name in FUNCTIONS:
        assert f"`{name}`" in docs, f"docs/mapping.md does not describe {name}"
        assert f"{{{name}:" in source, f"no test uses {name}"


# -- the output ---------------------------------------------------------------------------------------


def test_missing_values_are_left_out_and_empty_objects_dropped() -> None:
    fields = "  a: $.nope\n  b: $.x\n  ship:\n    fields:\n      name: $.nope\n"
    assert run(fields, {"x": 1}) == {"b": 1}


def test_apply_is_pure() -> None:
    src = {"rows": [{"t": ["x"]}]}
    got = run("  lines:\n    each: $.rows\n    fields:\n      t: $.t\n", src)
    got["lines"][0]["t"].append("y")
    assert src == {"rows": [{"t": ["x"]}]}


def test_error_location_names_target_field_and_concrete_source_path() -> None:
    fields = "  lines:\n    each: $.rows\n    fields:\n      quantity: {decimal: $.qty}\n"
    with pytest.raises(MappingError) as caught:
        run(fields, {"rows": [{"qty": "1"}, {"qty": "1"}, {"qty": "two"}]})
    assert caught.value.location.field == "lines[2].quantity"
    assert caught.value.location.segment == "$.rows[2].qty"


def test_source_must_be_an_object() -> None:
    with pytest.raises(MappingError):
        load_mapping_text(f"{HEAD}fields:\n  a: $.a\n", "t.yaml").apply([1])  # type: ignore[arg-type]


# -- bad mapping files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("  a: {uper: $.x}\n", "fields.a", "unknown function 'uper' (did you mean 'upper'?)"),
        ("  a: {date: $.x, fromat: '%Y'}\n", "fields.a", "did you mean 'format'?"),
        ("  a: {upper: x.y}\n", "fields.a.upper", "must start with '$'"),
        ("  a: {first: [$.x, '$.y[']}\n", "fields.a.first[1]", "expected [n], [*] or ['key']"),
        ("  a: {lookup: nope, key: $.x}\n", "fields.a.lookup", "unknown lookup table 'nope'"),
        ("  a: {lookup: t, default: 1}\n", "fields.a", "needs the option 'key'"),
        ("  a: {index: true}\n", "fields.a.index", "inside an `each`"),
        ("  a: {date: $.x, tz: Mars/Base}\n", "fields.a.date", "unknown time zone"),
        ("  a: {split: $.x, index: '1'}\n", "fields.a.index", "must be int"),
        ("  a: {first: $.x}\n", "fields.a.first", "non-empty list"),
        ("  a: [$.x]\n", "fields.a", "a list is not an expression"),
        ("  l:\n    each: $.x\n", "fields.l", "{each: <path>, fields: {...}}"),
        ("  l:\n    each: rows\n    fields: {a: $.a}\n", "fields.l.each", "must start with '$'"),
        ("  l:\n    each: $.r\n    fields:\n      n: {upper: bad}\n", "fields.l.fields.n.upper", "start with"),
    ],
)
def test_bad_mapping_file_names_file_and_key(text: str, key: str, message: str) -> None:
    with pytest.raises(MappingFileError) as caught:
        load_mapping_text(f"{HEAD}lookups:\n  t: {{a: b}}\nfields:\n{text}", "partner.yaml")
    assert caught.value.location.file == "partner.yaml"
    assert caught.value.location.field == key
    assert message in caught.value.message
    assert isinstance(caught.value, ConfigError)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("name: t\ndocument: order\nfields: {a: $.a}\n", "version"),
        ("name: t\nversion: '1'\ndocument: order\nfields: {a: $.a}\n", "version"),
        ("name: t\nversion: 1\ndocument: order\nfields: {}\n", "fields"),
        (f"{HEAD}fields: {{a: $.a}}\nextra: 1\n", "extra"),
    ],
)
def test_bad_mapping_envelope(text: str, key: str) -> None:
    with pytest.raises(MappingFileError) as caught:
        load_mapping_text(text, "m.yaml")
    assert caught.value.location.field == key


def test_bad_yaml_and_json_report_the_line() -> None:
    with pytest.raises(MappingFileError) as caught:
        load_mapping_text(f"{HEAD}fields:\n  a: $.a\n  a: $.b\n", "dup.yaml")
    assert "duplicate key 'a'" in caught.value.message and caught.value.location.line == 6
    with pytest.raises(MappingFileError) as caught:
        load_mapping_text('{"name": "t",\n "version": }', "m.json")
    assert caught.value.location.line == 2
    with pytest.raises(MappingFileError):
        load_mapping_text("- just a list\n", "list.yaml")


def test_json_mapping_files_work_and_keep_decimals() -> None:
    text = '{"name": "j", "version": 2, "document": "order", "fields": {"p": {"const": 0.10}, "a": "$.a"}}'
    mapping = load_mapping_text(text, "j.json")
    assert mapping.version == 2
    assert mapping.apply({"a": 1}) == {"p": Decimal("0.10"), "a": 1}


def test_find_and_load_mapping_from_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "partner").mkdir()
    (tmp_path / "partner" / "x_v1.yml").write_text(f"{HEAD}fields:\n  a: $.a\n", encoding="utf-8")
    assert find_mapping("partner/x_v1", [tmp_path]) == tmp_path / "partner" / "x_v1.yml"
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(tmp_path))
    path = find_mapping("partner/x_v1")
    assert load_mapping(path).apply({"a": 5}) == {"a": 5}
    assert find_mapping(str(path)) == path  # absolute paths are taken as they are
    assert find_mapping("order_files/csv_v1").name == "csv_v1.yaml"  # the repository's mappings/ comes next
    with pytest.raises(MappingFileError, match="no mapping named 'partner/nope'"):
        find_mapping("partner/nope")
    with pytest.raises(MappingFileError):
        load_mapping(tmp_path / "absent.yaml")
