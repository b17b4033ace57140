"""The closed set of mapping functions: each one a small entry in `FUNCTIONS` (no eval, ever)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.mapping.expressions import Call, CompileInfo, EvalContext, Function, Option, Result, is_blank

# -- coalescing and literals -------------------------------------------------------------------------


def _const(call: Call, ctx: EvalContext) -> Result:
    return call.arg, None


def _first(call: Call, ctx: EvalContext) -> Result:
    sources: list[str] = []
    for expr in call.arg:
        value, source = expr.evaluate(ctx)
        if not is_blank(value):
            return value, source
        if source:
            sources.append(source)
    return None, " | ".join(sources) or None


def _default(call: Call, ctx: EvalContext) -> Result:
    value, source = call.arg.evaluate(ctx)
    return (call.options["value"] if is_blank(value) else value), source


def _required(call: Call, ctx: EvalContext) -> Result:
    value, source = call.arg.evaluate(ctx)
    if is_blank(value):
        ctx.fail(f"required value for {ctx.target or 'the document'} is missing or empty", source)
    return value, source


def _index(call: Call, ctx: EvalContext) -> Result:
    return ctx.index, None


# -- text ----------------------------------------------------------------------------------------------


def _text(name: str, op: Callable[[str], str]) -> Callable[[Call, EvalContext], Result]:
    def run(call: Call, ctx: EvalContext) -> Result:
        value, source = call.arg.evaluate(ctx)
        if value is None:
            return None, source
        if isinstance(value, list):
            return [None if v is None else op(_as_text(v, name, ctx, source)) for v in value], source
        return op(_as_text(value, name, ctx, source)), source

    return run


def _as_text(value: Any, name: str, ctx: EvalContext, source: str | None) -> str:
    if isinstance(value, dict | list):
        ctx.fail(f"{name}: expected text, got a {type(value).__name__}", source)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _concat(call: Call, ctx: EvalContext) -> Result:
    parts: list[str] = []
    sources: list[str] = []
    for expr in call.arg:
        value, source = expr.evaluate(ctx)
        if source:
            sources.append(source)
        if value is not None:
            parts.append(_as_text(value, "concat", ctx, source))
    return call.options.get("sep", "").join(parts), " + ".join(sources) or None


def _split(call: Call, ctx: EvalContext) -> Result:
    value, source = call.arg.evaluate(ctx)
    if value is None:
        return None, source
    parts = _as_text(value, "split", ctx, source).split(call.options.get("sep", ","))
    index = call.options.get("index")
    if index is None:
        return parts, source
    return (parts[index] if -len(parts) <= index < len(parts) else None), source


# -- numbers and dates ----------------------------------------------------------------------------


def to_decimal(value: Any) -> Decimal:
    """Decimal from str, int or Decimal; a float goes through its shortest str, never Decimal(float)."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
    else:
        raise ValueError(f"a {type(value).__name__} is not a number")
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


def _decimal(call: Call, ctx: EvalContext) -> Result:
    value, source = call.arg.evaluate(ctx)
    if is_blank(value):
        return None, source
    try:
        return to_decimal(value), source
    except ValueError as exc:
        ctx.fail(f"decimal: {exc}", source)


def _int(call: Call, ctx: EvalContext) -> Result:
    value, source = call.arg.evaluate(ctx)
    if is_blank(value):
        return None, source
    if isinstance(value, int) and not isinstance(value, bool):
        return value, source
    try:
        number = to_decimal(value)
    except ValueError as exc:
        ctx.fail(f"int: {exc}", source)
    if number != number.to_integral_value():
        ctx.fail(f"int: {value!r} is not a whole number", source)
    return int(number), source


def _date(call: Call, ctx: EvalContext) -> Result:
    value, source = call.arg.evaluate(ctx)
    if is_blank(value):
        return None, source
    zone: tzinfo = call.options["tz"]
    fmt: str | None = call.options.get("format")
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.strptime(value.strip(), fmt) if fmt else datetime.fromisoformat(value.strip())
        except ValueError:
            expected = f"format {fmt!r}" if fmt else "ISO 8601"
            ctx.fail(f"date: {value!r} does not match {expected}", source)
    else:
        ctx.fail(f"date: a {type(value).__name__} is not a date", source)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment, source


def _prepare_date(arg: Any, options: dict[str, Any], info: CompileInfo) -> tuple[Any, dict[str, Any]]:
    name = options.get("tz", "UTC")
    try:
        options["tz"] = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like 'UTC' or 'Europe/Berlin')") from None
    return arg, options


# -- tables -----------------------------------------------------------------------------------------


def _lookup(call: Call, ctx: EvalContext) -> Result:
    key, source = call.options["key"].evaluate(ctx)
    if is_blank(key):
        return None, source
    table = ctx.lookups[call.arg]
    text = key if isinstance(key, str) else str(key)
    if text in table:
        return table[text], source
    if "default" in call.options:
        return call.options["default"], source
    ctx.fail(f"lookup: {text!r} is not in table {call.arg!r} and no default is given", source)


def _prepare_lookup(arg: Any, options: dict[str, Any], info: CompileInfo) -> tuple[Any, dict[str, Any]]:
    if arg not in info.lookups:
        known = ", ".join(sorted(info.lookups)) or "none defined"
        raise ValueError(f"unknown lookup table {arg!r} (tables: {known})")
    return arg, options


def _prepare_index(arg: Any, options: dict[str, Any], info: CompileInfo) -> tuple[Any, dict[str, Any]]:
    if not info.in_each:
        raise ValueError("{index: true} only has a meaning inside an `each`")
    return arg, options


_EXPR = Option(kind="expr", required=True)

FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("const", "a literal value", "literal", _const),
        Function("first", "the first value that is not missing or blank (coalesce)", "exprs", _first),
        Function(
            "default",
            "the value, or the literal `value` when missing or blank",
            "expr",
            _default,
            {"value": Option(required=True)},
        ),
        Function(
            "required", "the value; a MappingError naming field and source when missing or blank", "expr", _required
        ),
        Function(
            "index",
            "1-based position of the current item inside the innermost `each`",
            "true",
            _index,
            prepare=_prepare_index,
        ),
        Function(
            "concat",
            "values joined as text (missing ones skipped), with optional `sep`",
            "exprs",
            _concat,
            {"sep": Option(types=(str,))},
        ),
        Function("upper", "text in upper case", "expr", _text("upper", str.upper)),
        Function("lower", "text in lower case", "expr", _text("lower", str.lower)),
        Function("trim", "text without surrounding white space", "expr", _text("trim", str.strip)),
        Function(
            "split",
            "text split on `sep` (default ','); item `index` (0-based) or the list",
            "expr",
            _split,
            {"sep": Option(types=(str,)), "index": Option(types=(int,))},
        ),
        Function("decimal", "an exact Decimal from text or an integer (never via float)", "expr", _decimal),
        Function("int", "a whole number from text, an integer or an integral decimal", "expr", _int),
        Function(
            "date",
            "a time-zone-aware datetime: ISO 8601, or strptime `format`; naive ones get `tz`",
            "expr",
            _date,
            {"format": Option(types=(str,)), "tz": Option(types=(str,))},
            prepare=_prepare_date,
        ),
        Function(
            "lookup",
            "the entry for `key` in a named lookup table; `default` when absent",
            "name",
            _lookup,
            {"key": _EXPR, "default": Option()},
            prepare=_prepare_lookup,
        ),
    )
}
"""The registry: function name -> definition. The language has exactly these functions."""
