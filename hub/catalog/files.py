"""Product files: CSV (one SKU a line, extra columns are attributes) or a YAML list, checked whole before import."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from hub.catalog.rows import (
    COLUMNS,
    MEASURES,
    AttributeValue,
    ProductRow,
    attribute_name,
    parse_attribute,
    parse_measure,
    parse_sku,
    row_error,
)
from hub.yamlio import DataLoader, parse_yaml

YAML_KEYS = (*COLUMNS, "attributes")


def _checked(source: str, line: int | None, column: str, parse: Callable[[], Any]) -> Any:
    try:
        return parse()
    except ValueError as exc:
        raise row_error(source, line, column, str(exc)) from None


def _no_repeats(rows: list[ProductRow], source: str) -> list[ProductRow]:
    first: dict[str, int | None] = {}
    for row in rows:
        if row.sku in first:
            where = f"line {first[row.sku]}" if first[row.sku] else "an earlier row"
            raise row_error(source, row.line, "sku", f"{row.sku!r} is already on {where}")
        first[row.sku] = row.line
    return rows


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise row_error(str(path), None, None, f"is not UTF-8 text: {exc.reason}") from None
    except OSError as exc:
        raise row_error(str(path), None, None, f"cannot be read: {exc.strerror}") from None


def read_products_csv(path: Path) -> list[ProductRow]:
    """Rows of a CSV with a `sku` column; `description`, `weight_kg`, `length_cm`, `width_cm` and `height_cm`
    are optional; every other column is an attribute (see `parse_attribute`)."""
    source = str(path)
    reader = csv.DictReader(io.StringIO(_read_text(path)))
    header = [(h or "").strip() for h in reader.fieldnames or []]
    if "sku" not in header:
        raise row_error(source, 1, "sku", "missing column; the header must name at least sku")
    names: dict[str, str] = {}
    for column in header:
        if column in COLUMNS:
            continue
        name = _checked(source, 1, column or "(blank)", lambda c=column: attribute_name(c))
        if name in names.values() or name in COLUMNS:
            raise row_error(source, 1, column, f"the attribute {name!r} is named by two columns")
        names[column] = name
    reader.fieldnames = header
    rows: list[ProductRow] = []
    for raw in reader:
        line = reader.line_num
        if None in raw:
            raise row_error(source, line, None, f"{len(header) + len(raw[None])} values for {len(header)} columns")
        values = {k: (v or "") for k, v in raw.items()}
        if not any(v.strip() for v in values.values()):
            continue
        sku = _checked(source, line, "sku", lambda v=values: parse_sku(v["sku"]))
        measures = {m: _checked(source, line, m, lambda m=m, v=values: parse_measure(m, v.get(m))) for m in MEASURES}
        attributes: dict[str, AttributeValue] = {}
        for column, name in names.items():
            value = _checked(source, line, column, lambda c=column, v=values: parse_attribute(v[c]))
            if value is not None:
                attributes[name] = value
        description = values.get("description", "").strip() or None
        rows.append(ProductRow(sku, description, **measures, attributes=attributes, line=line))
    return _no_repeats(rows, source)


def _item_lines(text: str) -> list[tuple[int, dict[str, int]]]:
    """For each item of a top-level YAML list: its line and the line of each of its keys (1-based)."""
    root = yaml.compose(text, Loader=DataLoader)  # DataLoader derives from SafeLoader
    if not isinstance(root, yaml.SequenceNode):
        return []
    found: list[tuple[int, dict[str, int]]] = []
    for item in root.value:
        keys: dict[str, int] = {}
        if isinstance(item, yaml.MappingNode):
            for key, _ in item.value:
                if isinstance(key, yaml.ScalarNode):
                    keys[str(key.value)] = key.start_mark.line + 1
        found.append((item.start_mark.line + 1, keys))
    return found


def read_products_yaml(path: Path) -> list[ProductRow]:
    """Rows of a YAML list of mappings with the CSV's keys and an optional `attributes` mapping."""
    source = str(path)
    text = _read_text(path)
    try:
        data = parse_yaml(text)
        lines = _item_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise row_error(source, mark.line + 1 if mark else None, None, f"invalid YAML: {problem}") from None
    if not isinstance(data, list):
        raise row_error(source, 1, None, "expected a list of products (- sku: ...)")
    rows: list[ProductRow] = []
    for index, item in enumerate(data):
        line, key_lines = lines[index]
        if not isinstance(item, dict):
            raise row_error(source, line, f"[{index}]", "expected a mapping with at least sku")
        unknown = [k for k in item if k not in YAML_KEYS]
        if unknown:
            key = str(unknown[0])
            raise row_error(source, key_lines.get(key, line), key, f"unknown key; known: {', '.join(YAML_KEYS)}")
        if "sku" not in item:
            raise row_error(source, line, "sku", "required key is missing")

        def at(key: str, ln: int = line, kl: dict[str, int] = key_lines) -> int:
            return kl.get(key, ln)

        sku = _checked(source, at("sku"), "sku", lambda i=item: parse_sku(i["sku"]))
        measures = {m: _checked(source, at(m), m, lambda m=m, i=item: parse_measure(m, i.get(m))) for m in MEASURES}
        description = item.get("description")
        if description is not None and not isinstance(description, str):
            raise row_error(source, at("description"), "description", "must be text")
        attributes: dict[str, AttributeValue] = {}
        raw_attributes = item.get("attributes") or {}
        if not isinstance(raw_attributes, dict):
            raise row_error(source, at("attributes"), "attributes", "must be a mapping such as {hazmat: true}")
        for key, raw in raw_attributes.items():
            column = f"attributes.{key}"
            name = _checked(source, at("attributes"), column, lambda k=key: attribute_name(k))
            if name in attributes:
                raise row_error(source, at("attributes"), column, f"the attribute {name!r} is given twice")
            value = _checked(source, at("attributes"), column, lambda r=raw: parse_attribute(r))
            if value is not None:
                attributes[name] = value
        text_description = description.strip() or None if isinstance(description, str) else None
        rows.append(ProductRow(sku, text_description, **measures, attributes=attributes, line=line))
    return _no_repeats(rows, source)


def read_products(path: Path) -> list[ProductRow]:
    """Every row of a product file (`.csv`, `.yaml` or `.yml`); the first problem raises ProductFileError."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_products_csv(path)
    if suffix in {".yaml", ".yml"}:
        return read_products_yaml(path)
    raise row_error(str(path), None, None, "expected a .csv, .yaml or .yml product file")
