"""Node profiles in the store: where a node is and how it works, set field by field or imported from a network file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Connection, Engine, select

from hub.calendars.zones import zone
from hub.catalog.rows import AttributeValue, attribute_name, parse_attribute
from hub.errors import ConfigError, Location
from hub.store.connections import get_connection
from hub.store.sql import insert_ignore
from hub.store.tables import nodes
from hub.validation import first_problem
from hub.yamlio import parse_yaml

_HHMM = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
FIELDS = (
    "name",
    "priority",
    "connection",
    "enabled",
    "country",
    "postal_code",
    "latitude",
    "longitude",
    "timezone",
    "cutoff",
    "capacity_per_day",
    "attributes",
)


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _coordinate(limit: int) -> Any:
    def check(value: Any) -> Any:
        value = _blank_is_none(value)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise ValueError("must be a number in degrees, e.g. 52.52")
        try:
            number = Decimal(str(value).strip())
        except ArithmeticError:
            raise ValueError(f"{value!r} is not a number") from None
        if not number.is_finite() or not -limit <= number <= limit:
            raise ValueError(f"{value} is not between -{limit} and {limit}")
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -6:
            raise ValueError(f"{value} has more than 6 decimal places")
        return number

    return BeforeValidator(check)


def _attributes(value: Any) -> Any:
    """Names trimmed and lower-cased, values true/false or text; a blank value is None (remove when merging)."""
    if value is None or not isinstance(value, Mapping):
        return value
    out: dict[str, AttributeValue | None] = {}
    for key, raw in value.items():
        name = attribute_name(key)
        if name in out:
            raise ValueError(f"the attribute {name!r} is given twice")
        out[name] = parse_attribute(raw)
    return out


class NodeFields(BaseModel):
    """The profile fields of a node; only the fields given are changed (`model_fields_set`)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", min_length=1, max_length=200)
    priority: int = Field(default=100, strict=True)
    connection: Annotated[str | None, BeforeValidator(_blank_is_none)] = Field(default=None, max_length=100)
    enabled: bool = Field(default=True, strict=True)
    country: Annotated[str | None, BeforeValidator(_blank_is_none)] = None
    postal_code: Annotated[str | None, BeforeValidator(_blank_is_none)] = Field(default=None, max_length=20)
    latitude: Annotated[Decimal | None, _coordinate(90)] = None
    longitude: Annotated[Decimal | None, _coordinate(180)] = None
    timezone: Annotated[str | None, BeforeValidator(_blank_is_none)] = None
    cutoff: Annotated[str | None, BeforeValidator(_blank_is_none)] = None
    capacity_per_day: int | None = Field(default=None, ge=0, strict=True)
    attributes: Annotated[dict[str, bool | str | None] | None, BeforeValidator(_attributes)] = None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        if not _COUNTRY.match(code):
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. DE, GB)")
        return code

    @field_validator("postal_code")
    @classmethod
    def _postal(cls, value: str | None) -> str | None:
        return None if value is None else value.strip().upper()

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        zone(value.strip())  # ValueError naming the zone when unknown
        return value.strip()

    @field_validator("cutoff")
    @classmethod
    def _cutoff(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _HHMM.match(value.strip()):
            raise ValueError(f"{value!r} is not a local time HH:MM (00:00 to 23:59), e.g. 14:00")
        return value.strip()

    def changes(self) -> dict[str, Any]:
        """The given fields as column values."""
        values = {name: getattr(self, name) for name in FIELDS if name in self.model_fields_set}
        if "enabled" in values:
            values["enabled"] = 1 if values["enabled"] else 0
        return values


class NodeEntry(NodeFields):
    """One node of a network file: its code and profile fields."""

    code: str = Field(min_length=1, max_length=60)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if value != value.strip() or not value:
            raise ValueError(f"{value!r}: a node code must not start or end with spaces")
        return value


class NetworkFile(BaseModel):
    """A network file: `nodes:` (or the document itself) is a list of node entries."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["network"] | None = None
    name: str | None = None
    nodes: list[NodeEntry] = Field(min_length=1)


def node_error(source: str, key: str, message: str) -> ConfigError:
    """A ConfigError that names the file (or `--option`) and the key."""
    return ConfigError(
        f"{source}: {key}: {message}", code="node_profile_invalid", location=Location(file=source, field=key)
    )


def _from_validation(source: str, exc: ValidationError, names: Mapping[str, str] | None = None) -> ConfigError:
    key, message = first_problem(exc)
    if message.startswith("unknown key"):
        message = message.replace("unknown key", f"unknown key; known: code, {', '.join(FIELDS)}", 1)
    return node_error(source, (names or {}).get(key, key), message)


def validate_fields(
    values: Mapping[str, Any], source: str = "<node>", *, names: Mapping[str, str] | None = None
) -> NodeFields:
    """Check profile fields given as a mapping; ConfigError naming the field (or its `names` alias, e.g. an
    option such as `--capacity`)."""
    try:
        return NodeFields.model_validate(dict(values))
    except ValidationError as exc:
        raise _from_validation(source, exc, names) from None


def _current(conn: Connection, tenant: str, code: str) -> Any:
    return conn.execute(select(nodes).where(nodes.c.tenant == tenant, nodes.c.code == code)).first()


def save_node_profile(
    conn: Connection,
    tenant: str,
    code: str,
    fields: NodeFields | Mapping[str, Any],
    *,
    merge_attributes: bool = False,
    source: str = "<node>",
    key_prefix: str = "",
) -> list[str]:
    """Create the node if needed and set the given profile fields; returns the names of the fields set.

    With `merge_attributes`, the given attributes are added to the node's (an empty value removes one);
    otherwise they replace them. Latitude and longitude must end up both set or both empty. Errors name
    `source` (a file, or `<cli>`) and the field, after `key_prefix` (e.g. `nodes[2].`).
    """
    checked = fields if isinstance(fields, NodeFields) else validate_fields(fields, source)
    changes = checked.changes()
    if "connection" in changes and changes["connection"] is not None:
        try:
            get_connection(conn, tenant, changes["connection"])
        except ConfigError as exc:
            raise node_error(source, f"{key_prefix}connection", exc.message) from None
    conn.execute(
        insert_ignore(conn, nodes, ["tenant", "code"]).values(
            tenant=tenant, code=code, name=code, priority=100, enabled=1
        )
    )
    row = _current(conn, tenant, code)
    if "attributes" in changes:
        given = changes["attributes"] or {}
        merged = dict(row.attributes or {}) if merge_attributes else {}
        merged.update(given)
        changes["attributes"] = {k: v for k, v in merged.items() if v is not None}
    latitude = changes.get("latitude", row.latitude)
    longitude = changes.get("longitude", row.longitude)
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        message = f"node {code}: latitude and longitude go together; {missing} is not set"
        raise node_error(source, f"{key_prefix}{missing}", message)
    if changes:
        conn.execute(nodes.update().where(nodes.c.tenant == tenant, nodes.c.code == code).values(**changes))
    return list(changes)


def read_network(path: Path) -> list[NodeEntry]:
    """The node entries of a network YAML file, checked whole; ConfigError naming the file and key."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot be read: {exc}", location=Location(file=source)) from None
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{source}: invalid YAML: {problem}", location=Location(file=source, line=line)) from None
    if isinstance(data, list):
        data = {"nodes": data}
    if not isinstance(data, dict):
        raise node_error(source, "(top level)", "expected a list of nodes, or a mapping with a nodes list")
    try:
        spec = NetworkFile.model_validate(data)
    except ValidationError as exc:
        raise _from_validation(source, exc) from None
    seen: dict[str, int] = {}
    for index, entry in enumerate(spec.nodes):
        if entry.code in seen:
            raise node_error(source, f"nodes[{index}].code", f"{entry.code!r} is already nodes[{seen[entry.code]}]")
        seen[entry.code] = index
        if ("latitude" in entry.model_fields_set) != ("longitude" in entry.model_fields_set):
            missing = "longitude" if "latitude" in entry.model_fields_set else "latitude"
            raise node_error(source, f"nodes[{index}].{missing}", "latitude and longitude go together")
    return spec.nodes


def import_nodes(engine: Engine, tenant: str, path: Path) -> list[str]:
    """Create or update every node of a network file in one transaction (all or none); returns the codes.

    Only the keys an entry gives are set; its `attributes`, when given, replace the node's.
    """
    entries = read_network(path)
    with engine.begin() as conn:
        for index, entry in enumerate(entries):
            save_node_profile(conn, tenant, entry.code, entry, source=str(path), key_prefix=f"nodes[{index}].")
    return [e.code for e in entries]
