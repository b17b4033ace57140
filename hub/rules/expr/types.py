"""Static types of the expression language and the schema that declares the variables a rule may use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SCALAR_KINDS = ("string", "int", "decimal", "bool", "datetime", "date")


@dataclass(frozen=True)
class Type:
    """A type: a scalar kind, `null` (the type of the literal null), `list[T]`, `map[T]` or `object{...}`.

    Every value may also be null at run time (a missing optional field), whatever its type.
    """

    kind: str
    element: Type | None = None
    fields: tuple[tuple[str, Type], ...] = ()

    def __str__(self) -> str:
        if self.kind in ("list", "map"):
            return f"{self.kind}[{self.element}]"
        if self.kind == "object":
            names = [name for name, _ in self.fields]
            shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
            return f"object{{{shown}}}"
        return self.kind

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("int", "decimal")

    @property
    def is_null(self) -> bool:
        return self.kind == "null"

    def field(self, name: str) -> Type | None:
        for field_name, field_type in self.fields:
            if field_name == name:
                return field_type
        return None

    @property
    def field_names(self) -> list[str]:
        return [name for name, _ in self.fields]


STRING = Type("string")
INT = Type("int")
DECIMAL = Type("decimal")
BOOL = Type("bool")
DATETIME = Type("datetime")
DATE = Type("date")
NULL = Type("null")


def list_of(element: Type) -> Type:
    return Type("list", element)


def map_of(element: Type) -> Type:
    return Type("map", element)


def object_of(fields: Mapping[str, Type]) -> Type:
    return Type("object", fields=tuple(fields.items()))


_SCALARS = {t.kind: t for t in (STRING, INT, DECIMAL, BOOL, DATETIME, DATE)}
_ALIASES = {"str": "string", "integer": "int", "number": "decimal", "boolean": "bool", "timestamp": "datetime"}


class SchemaError(ValueError):
    """A schema declaration cannot be read (a programming error of whoever declares the schema)."""


def parse_type(spec: Any, where: str = "schema") -> Type:
    """A `Type` from a declaration: a `Type`, a type name (`"string"`, `"list[decimal]"`, `"map[bool]"`),
    a dict of fields (an object) or a one-item list (a list of that item type)."""
    if isinstance(spec, Type):
        return spec
    if isinstance(spec, Mapping):
        fields: dict[str, Type] = {}
        for name, sub in spec.items():
            if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
                raise SchemaError(f"{where}: field name {name!r} must be an identifier not starting with '_'")
            fields[name] = parse_type(sub, f"{where}.{name}")
        return object_of(fields)
    if isinstance(spec, list | tuple):
        if len(spec) != 1:
            raise SchemaError(f"{where}: a list type is declared as a one-item list, as in [{{...}}]")
        return list_of(parse_type(spec[0], f"{where}[]"))
    if isinstance(spec, str):
        text = spec.strip()
        text = _ALIASES.get(text, text)
        if text in _SCALARS:
            return _SCALARS[text]
        for kind in ("list", "map"):
            if text.startswith(f"{kind}[") and text.endswith("]"):
                return Type(kind, parse_type(text[len(kind) + 1 : -1], f"{where}[]"))
    raise SchemaError(
        f"{where}: unknown type {spec!r}; use one of {', '.join(SCALAR_KINDS)}, list[T], map[T] or a dict"
    )


@dataclass(frozen=True)
class Schema:
    """The variables an expression may use and their types (usually one object per variable, e.g. `order`)."""

    variables: tuple[tuple[str, Type], ...]

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> Schema:
        """Read `{"order": {"total": "decimal", "lines": [{"sku": "string"}]}, ...}`."""
        if isinstance(spec, Schema):
            return spec
        variables = parse_type(dict(spec), "schema")
        return cls(variables.fields)

    def lookup(self, name: str) -> Type | None:
        for var_name, var_type in self.variables:
            if var_name == name:
                return var_type
        return None

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.variables]


def unify(a: Type, b: Type) -> Type | None:
    """The common type of two values (for list items and `coalesce`), or None when they have none."""
    if a.is_null:
        return b
    if b.is_null or a == b:
        return a
    if a.is_numeric and b.is_numeric:
        return DECIMAL
    if a.kind == b.kind == "list" and a.element is not None and b.element is not None:
        element = unify(a.element, b.element)
        return list_of(element) if element is not None else None
    return None


def comparable(a: Type, b: Type) -> bool:
    """Whether `a == b` can ever be true for values of these types (null compares with everything)."""
    return unify(a, b) is not None


def orderable(a: Type, b: Type) -> bool:
    """Whether `<`, `<=`, `>`, `>=` are defined between values of these types."""
    if a.is_numeric and b.is_numeric:
        return True
    return a == b and a.kind in ("string", "datetime", "date")
