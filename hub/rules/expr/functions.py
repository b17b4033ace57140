"""The closed set of built-in functions: each one's declared signature, type rule and implementation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from hub.rules.expr.errors import EvaluationError, RuntimeTypeError
from hub.rules.expr.types import BOOL, DATE, DATETIME, DECIMAL, INT, STRING, Type, orderable, unify
from hub.rules.expr.values import truthy

Checker = Callable[[list[Type]], Type]
Runner = Callable[[list[Any]], Any]


class ArgumentTypeError(Exception):
    """Raised by a type rule: argument `index` has the wrong type (the checker adds the column)."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.message = message


@dataclass(frozen=True)
class Function:
    """A built-in function.

    `lambda_arg` is the position where a lambda `x -> ...` may stand (its parameter is bound to
    the item type of the list in argument 0); `words` phrase a true/false result of a two-argument
    predicate for explanations ("starts with" / "does not start with").
    """

    name: str
    signature: str
    summary: str
    min_args: int
    max_args: int | None
    check: Checker
    run: Runner
    lambda_arg: int | None = None
    literal_check: Callable[[int, Any], str | None] | None = None
    words: tuple[str, str] | None = None

    def arity_text(self) -> str:
        if self.max_args == self.min_args:
            return f"{self.min_args} argument{'s' if self.min_args != 1 else ''}"
        if self.max_args is None:
            return f"at least {self.min_args} arguments"
        return f"{self.min_args} to {self.max_args} arguments"


# -- type rules ------------------------------------------------------------------------------------


def _need(types: list[Type], index: int, ok: bool, wanted: str) -> None:
    if not ok:
        raise ArgumentTypeError(index, f"argument {index + 1} must be {wanted}, not {types[index]}")


def _is(t: Type, *kinds: str) -> bool:
    return t.is_null or t.kind in kinds


def _list_item(types: list[Type], index: int = 0) -> Type:
    _need(types, index, _is(types[index], "list"), "a list")
    element = types[index].element
    return element if element is not None else Type("null")


def _check_len(types: list[Type]) -> Type:
    _need(types, 0, _is(types[0], "string", "list"), "a string or a list")
    return INT


def _check_string_to_string(types: list[Type]) -> Type:
    _need(types, 0, _is(types[0], "string"), "a string")
    return STRING


def _check_affix(types: list[Type]) -> Type:
    _need(types, 0, _is(types[0], "string"), "a string")
    second = types[1]
    ok = _is(second, "string") or (
        second.kind == "list" and second.element is not None and _is(second.element, "string")
    )
    _need(types, 1, ok, "a string or a list of strings")
    return BOOL


def _check_contains(types: list[Type]) -> Type:
    haystack, needle = types
    if haystack.kind == "list":
        element = haystack.element or Type("null")
        _need(types, 1, unify(element, needle) is not None, f"comparable with the list items ({element})")
        return BOOL
    _need(types, 0, _is(haystack, "string"), "a string or a list")
    _need(types, 1, _is(needle, "string"), "a string")
    return BOOL


def _check_quantifier(result: Type) -> Checker:
    def check(types: list[Type]) -> Type:
        _list_item(types)
        _need(types, 1, _is(types[1], "bool"), "a condition (true/false)")
        return result

    return check


def _check_count(types: list[Type]) -> Type:
    _list_item(types)
    if len(types) == 2:
        _need(types, 1, _is(types[1], "bool"), "a condition (true/false)")
    return INT


def _check_sum(types: list[Type]) -> Type:
    item = types[1] if len(types) == 2 else _list_item(types)
    if len(types) == 2:
        _list_item(types)
    index = len(types) - 1
    _need(types, index, item.is_numeric or item.is_null, "numbers" if index == 0 else "a number")
    return INT if item.kind == "int" else DECIMAL


def _check_extreme(types: list[Type]) -> Type:
    if types[0].kind == "list" and len(types) <= 2:
        item = types[1] if len(types) == 2 else _list_item(types)
        ok = item.is_null or orderable(item, item)
        _need(types, len(types) - 1, ok, "numbers, strings, dates or datetimes")
        return item
    if len(types) < 2:
        raise ArgumentTypeError(0, f"argument 1 must be a list (or give two or more values), not {types[0]}")
    common = types[0]
    for index, t in enumerate(types):
        merged = unify(common, t)
        _need(types, index, merged is not None and (merged.is_null or orderable(merged, merged)), f"like {common}")
        common = merged if merged is not None else common
    return common


def _check_round(types: list[Type]) -> Type:
    _need(types, 0, types[0].is_numeric or types[0].is_null, "a number")
    if len(types) == 2:
        _need(types, 1, _is(types[1], "int"), "an integer (decimal places)")
    return INT if types[0].kind == "int" and len(types) == 1 else DECIMAL


def _check_abs(types: list[Type]) -> Type:
    _need(types, 0, types[0].is_numeric or types[0].is_null, "a number")
    return types[0]


def _check_clock(types: list[Type]) -> Type:
    _need(types, 0, _is(types[0], "datetime"), "a datetime")
    return INT


def _check_weekday(types: list[Type]) -> Type:
    _need(types, 0, _is(types[0], "datetime", "date"), "a datetime or a date")
    return INT


def _check_date(types: list[Type]) -> Type:
    _need(types, 0, _is(types[0], "datetime", "date", "string"), "a datetime, a date or an ISO date string")
    return DATE


def _check_datetime(types: list[Type]) -> Type:
    _need(types, 0, _is(types[0], "string", "datetime"), "an ISO datetime string")
    return DATETIME


def _check_coalesce(types: list[Type]) -> Type:
    common = types[0]
    for index, t in enumerate(types[1:], start=1):
        merged = unify(common, t)
        _need(types, index, merged is not None, f"like argument 1 ({common})")
        common = merged if merged is not None else common
    return common


# -- implementations -------------------------------------------------------------------------------


def _items(value: Any) -> Sequence[Any]:
    return () if value is None else value


def _run_len(args: list[Any]) -> int:
    return 0 if args[0] is None else len(args[0])


def _string_op(op: Callable[[str], str]) -> Runner:
    def run(args: list[Any]) -> Any:
        return None if args[0] is None else op(args[0])

    return run


def _affix(method: str) -> Runner:
    def run(args: list[Any]) -> bool:
        text, affix = args
        if text is None or affix is None:
            return False
        options = tuple(a for a in affix if isinstance(a, str)) if isinstance(affix, list) else (affix,)
        return bool(getattr(text, method)(options))

    return run


def _run_contains(args: list[Any]) -> bool:
    haystack, needle = args
    if haystack is None:
        return False
    if isinstance(haystack, str):
        return needle is not None and needle in haystack
    return any(item == needle for item in haystack)


def _run_any(args: list[Any]) -> bool:
    items, test = args
    return any(truthy(test(item)) for item in _items(items))


def _run_all(args: list[Any]) -> bool:
    items, test = args
    return all(truthy(test(item)) for item in _items(items))


def _run_count(args: list[Any]) -> int:
    if len(args) == 1:
        return len(_items(args[0]))
    items, test = args
    return sum(1 for item in _items(items) if truthy(test(item)))


def _mapped(args: list[Any]) -> list[Any]:
    items = _items(args[0])
    values = [args[1](item) for item in items] if len(args) == 2 else list(items)
    return [v for v in values if v is not None]


def _run_sum(args: list[Any]) -> Any:
    values = _mapped(args)
    total: int | Decimal = 0
    for value in values:
        total = total + value
    return total


def _extreme(pick: Callable[..., Any]) -> Runner:
    def run(args: list[Any]) -> Any:
        over_list = len(args) == 1 or (len(args) == 2 and callable(args[1]))
        values = _mapped(args) if over_list else args
        values = [v for v in values if v is not None]
        if not values:
            return None
        try:
            return pick(values)
        except TypeError as exc:
            raise RuntimeTypeError(f"cannot compare the values: {exc}") from None

    return run


def _run_round(args: list[Any]) -> Any:
    value = args[0]
    places = args[1] if len(args) == 2 else 0
    if value is None or places is None:
        return None
    if not 0 <= places <= 20:
        raise EvaluationError(f"round() takes 0 to 20 decimal places, not {places}")
    if isinstance(value, int) and len(args) == 1:
        return value
    try:
        return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise EvaluationError(f"cannot round {value} to {places} places") from None


def _run_abs(args: list[Any]) -> Any:
    return None if args[0] is None else abs(args[0])


def _clock(name: str) -> Runner:
    def run(args: list[Any]) -> Any:
        value = args[0]
        if value is None:
            return None
        if name == "weekday":
            return value.isoweekday()
        return getattr(value, name)

    return run


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise EvaluationError(f"{text!r} is not an ISO date (YYYY-MM-DD)") from None


def _parse_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise EvaluationError(f"{text!r} is not an ISO datetime (YYYY-MM-DDTHH:MM[:SS][+HH:MM])") from None


def _run_date(args: list[Any]) -> Any:
    value = args[0]
    if value is None:
        return None
    if isinstance(value, str):
        return _parse_date(value)
    return value.date() if isinstance(value, datetime) else value


def _run_datetime(args: list[Any]) -> Any:
    value = args[0]
    return _parse_datetime(value) if isinstance(value, str) else value


def _literal_date(index: int, value: Any) -> str | None:
    try:
        if isinstance(value, str):
            date.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not an ISO date (YYYY-MM-DD)"
    return None


def _literal_datetime(index: int, value: Any) -> str | None:
    try:
        if isinstance(value, str):
            datetime.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not an ISO datetime (YYYY-MM-DDTHH:MM[:SS][+HH:MM])"
    return None


def _run_coalesce(args: list[Any]) -> Any:
    return next((a for a in args if a is not None), None)


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function(
            "len",
            "len(x: string | list) -> int",
            "characters of a string or items of a list",
            1,
            1,
            _check_len,
            _run_len,
        ),
        Function(
            "lower", "lower(s: string) -> string", "lower-case", 1, 1, _check_string_to_string, _string_op(str.lower)
        ),
        Function(
            "upper", "upper(s: string) -> string", "upper-case", 1, 1, _check_string_to_string, _string_op(str.upper)
        ),
        Function(
            "trim",
            "trim(s: string) -> string",
            "without leading and trailing blanks",
            1,
            1,
            _check_string_to_string,
            _string_op(str.strip),
        ),
        Function(
            "startswith",
            "startswith(s: string, prefix: string | list[string]) -> bool",
            "s begins with the prefix (or one of the prefixes)",
            2,
            2,
            _check_affix,
            _affix("startswith"),
            words=("starts with", "does not start with"),
        ),
        Function(
            "endswith",
            "endswith(s: string, suffix: string | list[string]) -> bool",
            "s ends with the suffix (or one of the suffixes)",
            2,
            2,
            _check_affix,
            _affix("endswith"),
            words=("ends with", "does not end with"),
        ),
        Function(
            "contains",
            "contains(s: string, part: string) | contains(items: list[T], item: T) -> bool",
            "substring or list membership",
            2,
            2,
            _check_contains,
            _run_contains,
            words=("contains", "does not contain"),
        ),
        Function(
            "any",
            "any(items: list[T], x -> bool) -> bool",
            "some item matches (false for an empty list)",
            2,
            2,
            _check_quantifier(BOOL),
            _run_any,
            lambda_arg=1,
        ),
        Function(
            "all",
            "all(items: list[T], x -> bool) -> bool",
            "every item matches (true for an empty list)",
            2,
            2,
            _check_quantifier(BOOL),
            _run_all,
            lambda_arg=1,
        ),
        Function(
            "count",
            "count(items: list[T][, x -> bool]) -> int",
            "how many items (match)",
            1,
            2,
            _check_count,
            _run_count,
            lambda_arg=1,
        ),
        Function(
            "sum",
            "sum(items: list[number][, x -> number]) -> number",
            "total; nulls skipped; 0 when empty",
            1,
            2,
            _check_sum,
            _run_sum,
            lambda_arg=1,
        ),
        Function(
            "min",
            "min(items: list[T][, x -> U]) | min(a: T, b: T, ...) -> T",
            "smallest value; nulls skipped; null when empty",
            1,
            None,
            _check_extreme,
            _extreme(min),
            lambda_arg=1,
        ),
        Function(
            "max",
            "max(items: list[T][, x -> U]) | max(a: T, b: T, ...) -> T",
            "largest value; nulls skipped; null when empty",
            1,
            None,
            _check_extreme,
            _extreme(max),
            lambda_arg=1,
        ),
        Function(
            "round",
            "round(x: number[, places: int]) -> number",
            "half-up rounding to places (0..20)",
            1,
            2,
            _check_round,
            _run_round,
        ),
        Function("abs", "abs(x: number) -> number", "absolute value", 1, 1, _check_abs, _run_abs),
        Function(
            "hour",
            "hour(t: datetime) -> int",
            "hour of the day, 0..23, in t's own time zone",
            1,
            1,
            _check_clock,
            _clock("hour"),
        ),
        Function(
            "minute", "minute(t: datetime) -> int", "minute of the hour, 0..59", 1, 1, _check_clock, _clock("minute")
        ),
        Function(
            "weekday",
            "weekday(t: datetime | date) -> int",
            "ISO weekday: Monday 1 .. Sunday 7",
            1,
            1,
            _check_weekday,
            _clock("weekday"),
        ),
        Function(
            "date",
            "date(x: datetime | date | string) -> date",
            "calendar date of a datetime or ISO text",
            1,
            1,
            _check_date,
            _run_date,
            literal_check=_literal_date,
        ),
        Function(
            "datetime",
            "datetime(s: string) -> datetime",
            "an ISO datetime, e.g. '2025-11-28T14:00:00+01:00'",
            1,
            1,
            _check_datetime,
            _run_datetime,
            literal_check=_literal_datetime,
        ),
        Function(
            "coalesce",
            "coalesce(a: T, b: T, ...) -> T",
            "the first argument that is not null",
            2,
            None,
            _check_coalesce,
            _run_coalesce,
        ),
    )
}
