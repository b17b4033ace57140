"""File layouts described by data (`mappings/.../*.yaml` with `layout:`): CSV with a header, delimited without one,
fixed-width and XML; read into source records for a mapping, and written from a mapping's output."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hub.errors import ConfigError, DecodeError, Location, RecordError
from hub.mapping import find_mapping
from hub.mapping.loader import parse_document


class FixedField(BaseModel):
    """One column of a fixed-width line: 1-based `start`, `width` characters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    start: int = Field(ge=1)
    width: int = Field(ge=1)
    align: Literal["left", "right"] = "left"
    pad: str = Field(default=" ", min_length=1, max_length=1)


class LayoutSpec(BaseModel):
    """The shape of a layout file; see docs/sftp_wms.md."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    layout: Literal["csv", "delimited", "fixed", "xml"]
    mapping: str = Field(min_length=1, description="the mapping applied to each record")
    description: str | None = None
    encoding: str = "utf-8"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    columns: tuple[str, ...] = ()
    fields: tuple[FixedField, ...] = ()
    skip_prefixes: tuple[str, ...] = Field(default=(), description="lines starting with these are not records")
    record: str | None = Field(default=None, description="xml: path of the record elements below the root (a/b)")
    root: str | None = Field(default=None, description="xml when writing: the root element")
    group_by: str | None = Field(default=None, description="records with equal values of this field form one")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        return value

    @model_validator(mode="after")
    def _complete(self) -> LayoutSpec:
        if self.layout == "delimited" and not self.columns:
            raise ValueError("a delimited layout without a header needs `columns`")
        if self.layout == "fixed" and not self.fields:
            raise ValueError("a fixed-width layout needs `fields`")
        if self.layout == "xml" and not (self.record or self.root):
            raise ValueError("an xml layout needs `record` (reading) or `root` (writing)")
        return self


@dataclass
class SourceRecord:
    """One record as read from the file (a group of rows when `group_by` is set), with its first line."""

    data: dict[str, Any]
    line: int | None = None
    lines: list[int] = field(default_factory=list)


@lru_cache(maxsize=128)
def load_layout(ref: str) -> LayoutSpec:
    """Find a layout by name on the mapping search path and check it; problems are ConfigError naming the file."""
    path = find_mapping(ref)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"layout {path}: cannot be read: {exc}", location=Location(file=str(path))) from None
    data = parse_document(text, str(path))
    try:
        return LayoutSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        raise ConfigError(f"layout {path}: {where}: {err['msg']}", location=Location(file=str(path))) from None


# -- reading -----------------------------------------------------------------------------------------------


def read_records(spec: LayoutSpec, body: bytes, name: str) -> list[SourceRecord]:
    """The file's records in order; bytes that do not fit the layout raise DecodeError with file and line."""
    if spec.layout == "xml":
        records = _xml(spec, body, name)
    else:
        text = _decode(body, spec.encoding, name)
        if spec.layout == "csv":
            records = _csv(spec, text, name, header=True)
        elif spec.layout == "delimited":
            records = _csv(spec, text, name, header=False)
        else:
            records = _fixed(spec, text, name)
    if spec.group_by:
        records = _group(records, spec.group_by, name)
    if not records:
        raise DecodeError(f"{name}: holds no records", location=Location(file=name))
    return records


def _decode(body: bytes, encoding: str, name: str) -> str:
    try:
        return body.decode("utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        raise DecodeError(
            f"{name}: not valid {encoding} at byte {exc.start} (line {line})", location=Location(file=name, line=line)
        ) from None


def _skipped(spec: LayoutSpec, line: str) -> bool:
    return not line.strip() or any(line.startswith(p) for p in spec.skip_prefixes)


def _csv(spec: LayoutSpec, text: str, name: str, *, header: bool) -> list[SourceRecord]:
    lines = [(n, raw) for n, raw in enumerate(text.splitlines(), start=1) if not _skipped(spec, raw)]
    reader = csv.reader([raw for _, raw in lines], delimiter=spec.delimiter, strict=True)
    records: list[SourceRecord] = []
    columns: list[str] | None = None if header else list(spec.columns)
    try:
        for (number, _), values in zip(lines, reader, strict=False):
            if columns is None:
                columns = [v.strip() for v in values]
                missing = [c for c in spec.columns if c not in columns]
                if missing:
                    raise DecodeError(
                        f"{name}: header lacks column(s) {', '.join(missing)}",
                        location=Location(file=name, line=number, field=missing[0]),
                    )
                continue
            if len(values) > len(columns) and any(v.strip() for v in values[len(columns) :]):
                raise DecodeError(
                    f"{name}: line {number} has {len(values)} values, the layout has {len(columns)} columns",
                    location=Location(file=name, line=number),
                )
            row = {c: (values[i].strip() if i < len(values) else None) for i, c in enumerate(columns)}
            records.append(SourceRecord(row, number, [number]))
    except csv.Error as exc:
        raise DecodeError(f"{name}: not valid CSV: {exc}", location=Location(file=name, line=reader.line_num)) from None
    return records


def _fixed(spec: LayoutSpec, text: str, name: str) -> list[SourceRecord]:
    needed = max(f.start + f.width - 1 for f in spec.fields)
    records = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if _skipped(spec, raw):
            continue
        line = raw.rstrip("\r")
        if len(line) > needed or len(line) < min(f.start for f in spec.fields):
            raise DecodeError(
                f"{name}: line {number} is {len(line)} characters long; the layout's records are up to {needed}",
                location=Location(file=name, line=number),
            )
        row = {f.name: line[f.start - 1 : f.start - 1 + f.width].strip() or None for f in spec.fields}
        records.append(SourceRecord(row, number, [number]))
    return records


_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _xml(spec: LayoutSpec, body: bytes, name: str) -> list[SourceRecord]:
    try:
        root = etree.fromstring(body, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise DecodeError(f"{name}: not well-formed XML: {exc.msg}", location=Location(file=name, line=line)) from None
    steps = [s for s in (spec.record or "").split("/") if s]
    found = [root]
    for step in steps:
        found = [child for el in found for child in el if etree.QName(child).localname == step]
    return [SourceRecord(_element(el), el.sourceline, [el.sourceline]) for el in found]


def _element(el: Any) -> Any:
    """An element as a dict: attributes as `@name`, children by local name (repeated ones as a list), text leaves."""
    children = [c for c in el if isinstance(c.tag, str)]
    if not children and not el.attrib:
        return (el.text or "").strip() or None
    out: dict[str, Any] = {f"@{etree.QName(k).localname}": v for k, v in el.attrib.items()}
    for child in children:
        key = etree.QName(child).localname
        value = _element(child)
        if key in out:
            out[key] = [*out[key], value] if isinstance(out[key], list) else [out[key], value]
        else:
            out[key] = value
    text = (el.text or "").strip()
    if text:
        out["#text"] = text
    return out


def _group(records: list[SourceRecord], key: str, name: str) -> list[SourceRecord]:
    groups: dict[str, SourceRecord] = {}
    for record in records:
        value = record.data.get(key)
        if value in (None, ""):
            raise DecodeError(
                f"{name}: line {record.line} has no {key}", location=Location(file=name, line=record.line)
            )
        group = groups.get(str(value))
        if group is None:
            group = groups[str(value)] = SourceRecord({**record.data, "rows": []}, record.line)
        group.data["rows"].append(record.data)
        group.lines += record.lines
    return list(groups.values())


# -- writing -----------------------------------------------------------------------------------------------


class LayoutWriteError(RecordError):
    """An outbound record does not fit the layout (a value wider than its fixed-width column, no rows)."""

    code = "layout_write_error"


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
        return text
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_file(spec: LayoutSpec, mapped: dict[str, Any], what: str) -> bytes:
    """The bytes of one outbound file from a mapping's output (`rows` for line layouts, a tree for xml)."""
    if spec.layout == "xml":
        root = etree.Element(spec.root or "Document")
        _fill(root, mapped)
        return etree.tostring(root, xml_declaration=True, encoding=spec.encoding, pretty_print=True)
    rows = mapped.get("rows")
    if not isinstance(rows, list) or not rows:
        raise LayoutWriteError(f"{what}: the mapping {spec.mapping} gave no rows to write")
    if spec.layout == "fixed":
        lines = [_fixed_line(spec, row, what) for row in rows]
        text = "\r\n".join(lines) + "\r\n"
    else:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=spec.delimiter, lineterminator="\r\n")
        columns = list(spec.columns) or list(rows[0])
        if spec.layout == "csv":
            writer.writerow(columns)
        for row in rows:
            writer.writerow([text_of(row.get(c)) for c in columns])
        text = out.getvalue()
    try:
        return text.encode(spec.encoding)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        raise LayoutWriteError(f"{what}: {bad!r} cannot be written in the layout's {spec.encoding}") from None


def _fixed_line(spec: LayoutSpec, row: dict[str, Any], what: str) -> str:
    width = max(f.start + f.width - 1 for f in spec.fields)
    line = [" "] * width
    for f in spec.fields:
        value = text_of(row.get(f.name))
        if len(value) > f.width:
            raise LayoutWriteError(
                f"{what}: {f.name} {value!r} is wider than its {f.width} characters", location=Location(field=f.name)
            )
        cell = value.ljust(f.width, f.pad) if f.align == "left" else value.rjust(f.width, f.pad)
        line[f.start - 1 : f.start - 1 + f.width] = list(cell)
    return "".join(line).rstrip()


def _fill(parent: Any, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key.startswith("@"):
                parent.set(key[1:], text_of(item))
                continue
            for one in item if isinstance(item, list) else [item]:
                _fill(etree.SubElement(parent, key), one)
    else:
        parent.text = text_of(value)
