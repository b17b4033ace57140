"""Read CSV and JSON(-lines) order files into canonical orders through the configured mappings."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import PurePath
from typing import Any, ClassVar

from pydantic import ValidationError

from adapters.order_files.config import OrderFilesConfig
from hub.errors import DecodeError, Location, MappingError, ValidationFailed
from hub.mapping import Mapping, load_named_mapping
from hub.model import Order
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import ParseResult, RawMessage

SUFFIX_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
_LINE_FIELD = re.compile(r"^lines\[(\d+)\]")


@dataclass
class SourceRecord:
    """One order as read from the file, before mapping, with where it came from."""

    data: dict[str, Any]
    line: int | None = None
    position: int | None = None
    line_of_item: list[int] = field(default_factory=list)  # CSV: the file line of each row, in order

    def line_for(self, target_field: str | None) -> int | None:
        """The file line to blame for a problem at `target_field` (a CSV row when it names an order line)."""
        match = _LINE_FIELD.match(target_field or "")
        if match and int(match.group(1)) < len(self.line_of_item):
            return self.line_of_item[int(match.group(1))]
        return self.line


class OrderFileParser:
    """FILE_PARSER: one file (CSV, JSON lines or JSON) in, the orders it holds out."""

    capability: ClassVar[Capability] = Capability.FILE_PARSER

    def __init__(self, config: OrderFilesConfig, context: ConnectionContext) -> None:
        self.config = config
        self.context = context
        self.csv_mapping = load_named_mapping(config.csv_mapping)
        self.jsonl_mapping = load_named_mapping(config.jsonl_mapping)

    def parse(self, message: RawMessage) -> ParseResult:
        name = message.filename or message.transport_id or "(unnamed)"
        text = _decode(message.body, name)
        fmt = sniff(name, message.content_type, text)
        if fmt == "csv":
            records, mapping = list(self._csv(text, name)), self.csv_mapping
        elif fmt == "jsonl":
            records, mapping = list(_jsonl(text, name)), self.jsonl_mapping
        else:
            records, mapping = list(_json(text, name)), self.jsonl_mapping
        if not records:
            raise DecodeError(f"{name}: holds no orders", location=Location(file=name))
        result = ParseResult(format=fmt)
        for record in records:
            try:
                result.documents.append(self._order(record, mapping, name))
            except (MappingError, ValidationFailed) as exc:
                if self.config.on_bad_record == "fail":
                    raise
                result.errors.append(exc)
        return result

    def _order(self, record: SourceRecord, mapping: Mapping, name: str) -> Order:
        try:
            mapped = mapping.apply(record.data)
        except MappingError as exc:
            where = replace(exc.location, file=name, line=record.line_for(exc.location.field), position=record.position)
            raise MappingError(f"{name}: {exc.message}", location=where) from None
        mapped.setdefault("currency", self.config.default_currency)
        mapped["source"] = self.context.channel
        mapped["tenant"] = self.context.tenant
        try:
            return Order.model_validate(mapped)
        except ValidationError as exc:
            raise _validation_failed(exc, record, name, mapped.get("external_id")) from None

    def _csv(self, text: str, name: str) -> Iterator[SourceRecord]:
        """Rows grouped by the order key (in order of first appearance); header fields from the first row."""
        key = self.config.order_key
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.config.csv_delimiter, strict=True)
        try:
            header = [h.strip() for h in next(reader, [])]
            if not any(header):
                raise DecodeError(f"{name}: empty CSV file, no header", location=Location(file=name, line=1))
            _check_header(header, [key, *self.config.csv_required_columns], name)
            groups: dict[str, SourceRecord] = {}
            previous = reader.line_num
            for values in reader:
                line, previous = previous + 1, reader.line_num
                if not values or not any(v.strip() for v in values):
                    continue
                if len(values) > len(header) and any(v.strip() for v in values[len(header) :]):
                    raise DecodeError(
                        f"{name}: line {line} has {len(values)} values but the header has {len(header)} columns",
                        location=Location(file=name, line=line),
                    )
                row: dict[str, Any] = {h: (values[i] if i < len(values) else None) for i, h in enumerate(header)}
                order_id = (row.get(key) or "").strip()
                if not order_id:
                    raise DecodeError(f"{name}: line {line} has no {key}", location=Location(file=name, line=line))
                group = groups.get(order_id)
                if group is None:
                    group = groups[order_id] = SourceRecord({**row, "order_id": order_id, "rows": []}, line=line)
                group.data["rows"].append(row)
                group.line_of_item.append(line)
        except csv.Error as exc:
            raise DecodeError(
                f"{name}: not valid CSV at line {reader.line_num}: {exc}",
                location=Location(file=name, line=reader.line_num),
            ) from None
        yield from groups.values()


def _check_header(header: list[str], required: list[str], name: str) -> None:
    duplicates = sorted({h for h in header if h and header.count(h) > 1})
    if duplicates:
        raise DecodeError(f"{name}: duplicate column(s) {', '.join(duplicates)}", location=Location(file=name, line=1))
    missing = [c for c in dict.fromkeys(required) if c not in header]
    if missing:
        raise DecodeError(
            f"{name}: missing required column(s) {', '.join(missing)}",
            location=Location(file=name, line=1, field=missing[0]),
        )


def _jsonl(text: str, name: str) -> Iterator[SourceRecord]:
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise DecodeError(
                f"{name}: line {number} is not valid JSON: {exc.msg} (column {exc.colno})",
                location=Location(file=name, line=number),
            ) from None
        if not isinstance(data, dict):
            raise DecodeError(
                f"{name}: line {number} holds a {type(data).__name__}, not an order object",
                location=Location(file=name, line=number),
            )
        yield SourceRecord(data, line=number)


def _json(text: str, name: str) -> Iterator[SourceRecord]:
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise DecodeError(
            f"{name}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            location=Location(file=name, line=exc.lineno),
        ) from None
    if isinstance(data, dict):
        yield SourceRecord(data, line=1)
        return
    if not isinstance(data, list):
        raise DecodeError(f"{name}: expected an order object or an array of them", location=Location(file=name))
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise DecodeError(
                f"{name}: item {index} of the array is not an order object",
                location=Location(file=name, position=index),
            )
        yield SourceRecord(item, position=index)


def _decode(body: bytes, name: str) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        raise DecodeError(
            f"{name}: not valid UTF-8 at byte {exc.start} (line {line})", location=Location(file=name, line=line)
        ) from None


def sniff(name: str, content_type: str | None, text: str) -> str:
    """The file's format: from the file suffix, else the content type, else the first character."""
    by_suffix = SUFFIX_FORMATS.get(PurePath(name).suffix.lower())
    if by_suffix:
        return by_suffix
    kind = (content_type or "").lower()
    for marker, fmt in (("ndjson", "jsonl"), ("jsonl", "jsonl"), ("json", "json"), ("csv", "csv")):
        if marker in kind:
            return fmt
    start = text.lstrip()[:1]
    if start == "[":
        return "json"
    if start == "{":
        try:
            json.loads(text)
        except json.JSONDecodeError:
            return "jsonl"
        return "json"
    return "csv"


def _validation_failed(exc: ValidationError, record: SourceRecord, name: str, external_id: Any) -> ValidationFailed:
    """A pydantic error as ValidationFailed: file, line (CSV row for a line field), field; input values left out."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    target = render_loc(first["loc"])
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    order = f"order {external_id}: " if external_id else ""
    return ValidationFailed(
        f"{name}: {order}{target or 'order'}: {first['msg']}{more}",
        location=Location(file=name, line=record.line_for(target), position=record.position, field=target or None),
    )


def render_loc(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location like ('lines', 1, 'quantity') as `lines[1].quantity`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
