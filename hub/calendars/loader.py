"""Read node and carrier calendar files (YAML) into calendars; every problem is a ConfigError naming file and key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from hub.calendars.model import CarrierCalendar, NodeCalendar, WorkingCalendar
from hub.calendars.schema import CarrierCalendarFile, DatedEntry, NodeCalendarFile, RecurringEntry
from hub.calendars.zones import zone
from hub.errors import ConfigError, Location
from hub.validation import first_problem
from hub.yamlio import parse_yaml


@dataclass(frozen=True)
class CalendarSet:
    """Every node and carrier-service calendar found in a folder."""

    nodes: dict[str, NodeCalendar] = field(default_factory=dict)
    carriers: dict[tuple[str, str], CarrierCalendar] = field(default_factory=dict)

    def node(self, code: str) -> NodeCalendar:
        if code not in self.nodes:
            raise ConfigError(f"no calendar for node {code!r}; known: {', '.join(sorted(self.nodes)) or 'none'}")
        return self.nodes[code]

    def carrier(self, carrier: str, service: str) -> CarrierCalendar:
        if (carrier, service) not in self.carriers:
            known = ", ".join(f"{c}/{s}" for c, s in sorted(self.carriers)) or "none"
            raise ConfigError(f"no calendar for carrier service {carrier}/{service}; known: {known}")
        return self.carriers[(carrier, service)]


def _fail(source: str, key: str, message: str) -> ConfigError:
    return ConfigError(f"{source}: {key}: {message}", location=Location(file=source, field=key))


def _validate(model: type[BaseModel], data: Mapping[str, Any], source: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        key, message = first_problem(exc)
        raise _fail(source, key, message) from None


def _require_kind(data: Mapping[str, Any], kind: str, source: str) -> None:
    if "kind" in data and data["kind"] != kind:
        raise _fail(source, "kind", f"expected {kind!r} for a {kind} calendar, got {data['kind']!r}")


def _dated(entries: list[DatedEntry], key: str, source: str) -> dict[date, str]:
    out: dict[date, str] = {}
    for index, entry in enumerate(entries):
        if entry.date in out:
            raise _fail(source, f"{key}[{index}].date", f"{entry.date.isoformat()} is listed twice")
        out[entry.date] = entry.name
    return out


def _recurring(entries: list[RecurringEntry], source: str) -> dict[tuple[int, int], str]:
    out: dict[tuple[int, int], str] = {}
    for index, entry in enumerate(entries):
        if entry.date in out:
            raise _fail(source, f"recurring_holidays[{index}].date", "this day of the year is listed twice")
        out[entry.date] = entry.name
    return out


def _no_overlap(holidays: dict[date, str], extra: dict[date, str], key: str, source: str) -> None:
    for index, day in enumerate(extra):
        if day in holidays:
            raise _fail(source, f"{key}[{index}].date", f"{day.isoformat()} is also listed under holidays")


def parse_node_calendar(data: Mapping[str, Any], source: str = "<node calendar>") -> NodeCalendar:
    """Validate one node calendar document (already parsed from YAML)."""
    _require_kind(data, "node", source)
    spec: NodeCalendarFile = _validate(NodeCalendarFile, data, source)
    holidays = _dated(spec.holidays, "holidays", source)
    extra = _dated(spec.extra_working_days, "extra_working_days", source)
    _no_overlap(holidays, extra, "extra_working_days", source)
    calendar = WorkingCalendar(
        timezone=zone(spec.timezone),
        working_weekdays=frozenset(spec.working_weekdays),
        holidays=holidays,
        recurring_holidays=_recurring(spec.recurring_holidays, source),
        extra_working_days=extra,
        name=spec.node,
    )
    return NodeCalendar(node=spec.node, calendar=calendar, cutoff=spec.cutoff, handling_days=spec.handling_days)


def parse_carrier_calendars(data: Mapping[str, Any], source: str = "<carrier calendar>") -> dict[str, CarrierCalendar]:
    """Validate one carrier calendar document; one CarrierCalendar per service, keyed by service name."""
    _require_kind(data, "carrier", source)
    spec: CarrierCalendarFile = _validate(CarrierCalendarFile, data, source)
    tz = zone(spec.timezone)
    holidays = _dated(spec.holidays, "holidays", source)
    recurring = _recurring(spec.recurring_holidays, source)
    out: dict[str, CarrierCalendar] = {}
    for service, entry in spec.services.items():
        key = f"services.{service}.extra_delivery_days"
        extra = _dated(entry.extra_delivery_days, key, source)
        _no_overlap(holidays, extra, key, source)
        label = f"{spec.carrier}/{service}"
        pickup_days = entry.pickup_weekdays or spec.pickup_weekdays
        pickup = WorkingCalendar(tz, frozenset(pickup_days), holidays, recurring, {}, f"{label} pickup")
        delivery = WorkingCalendar(
            tz, frozenset(entry.delivery_weekdays), holidays, recurring, extra, f"{label} delivery"
        )
        out[service] = CarrierCalendar(carrier=spec.carrier, service=service, pickup=pickup, delivery=delivery)
    return out


def read_calendar_yaml(path: Path) -> dict[str, Any]:
    """The top-level mapping of a calendar file; ConfigError if unreadable or not a mapping."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{source}: cannot read calendar file: {exc.strerror}", location=Location(file=source)
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: not UTF-8 text: {exc.reason}", location=Location(file=source)) from None
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        where = f" line {line}" if line else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"{source}:{where} invalid YAML: {problem}", location=Location(file=source, line=line)
        ) from None
    if not isinstance(data, dict):
        raise _fail(source, "(top level)", "expected a mapping with a 'kind' key (node or carrier)")
    return data


def load_node_calendar(path: Path) -> NodeCalendar:
    """Read a `kind: node` calendar file."""
    return parse_node_calendar(read_calendar_yaml(path), str(path))


def load_carrier_calendars(path: Path) -> dict[str, CarrierCalendar]:
    """Read a `kind: carrier` calendar file: one CarrierCalendar per service."""
    return parse_carrier_calendars(read_calendar_yaml(path), str(path))


def load_calendar_dir(folder: Path) -> CalendarSet:
    """Every *.yaml / *.yml calendar file in `folder`, dispatched on its `kind` key."""
    result = CalendarSet()
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        data = read_calendar_yaml(path)
        kind = data.get("kind")
        if kind == "node":
            node = parse_node_calendar(data, str(path))
            if node.node in result.nodes:
                raise _fail(str(path), "node", f"node {node.node!r} already has a calendar in this folder")
            result.nodes[node.node] = node
        elif kind == "carrier":
            for service, carrier in parse_carrier_calendars(data, str(path)).items():
                if (carrier.carrier, service) in result.carriers:
                    raise _fail(str(path), f"services.{service}", f"{carrier.label} is already defined in this folder")
                result.carriers[(carrier.carrier, service)] = carrier
        else:
            raise _fail(str(path), "kind", f"expected 'node' or 'carrier', got {kind!r}")
    return result
