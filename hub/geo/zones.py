"""Distance zone tables (`kind: distance_zones`): per node, destinations by country and postal prefix -> zone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from hub.geo.postcodes import UK_STYLE, check_country, check_prefix, normalize_code, uk_candidates
from hub.geo.problems import from_validation_error, geo_error
from hub.yamlio import parse_yaml


def _text_prefix(value: Any) -> Any:
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        raise ValueError(f"write the prefix {value} as text (quoted) so leading zeros cannot be lost")
    return value


class ZoneRule(BaseModel):
    """Destinations in `country` whose postal code starts with one of `postal_prefixes` (none: the whole
    country) are in `zone` for this node; zone 1 is the nearest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zone: int = Field(strict=True, ge=1)
    country: str
    postal_prefixes: tuple[Annotated[str, BeforeValidator(_text_prefix)], ...] = ()

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> Any:
        return check_country(value) if isinstance(value, str) else value


class ZoneTableFile(BaseModel):
    """The document: `kind: distance_zones`, an optional name, and the rules per node code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["distance_zones"]
    name: str | None = None
    nodes: dict[str, Annotated[list[ZoneRule], Field(min_length=1)]] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class ZoneMatch:
    """The zone a destination is in for a node, and the rule that said so (e.g. `DE-80` or `DE`)."""

    zone: int
    matched: str


class ZoneTable:
    """Zones per (node, country, postal prefix); the longest prefix wins, a rule without prefixes is the default."""

    def __init__(self, rules: Mapping[str, Mapping[str, Mapping[str, int]]], source: str = "<zones>") -> None:
        self.source = source
        self._rules = {node: {c: dict(p) for c, p in by_country.items()} for node, by_country in rules.items()}
        longest: dict[str, int] = {}
        for by_country in self._rules.values():
            for country, prefixes in by_country.items():
                longest[country] = max(longest.get(country, 0), *map(len, prefixes))
        self._longest = longest

    @classmethod
    def parse(cls, data: Any, source: str = "<zones>") -> ZoneTable:
        """Validate a parsed document; every problem is a ConfigError naming `source` and the key."""
        if not isinstance(data, dict):
            raise geo_error(source, "expected a mapping with kind: distance_zones and nodes", key="(top level)")
        try:
            spec = ZoneTableFile.model_validate(data)
        except ValidationError as exc:
            raise from_validation_error(source, exc) from None
        rules: dict[str, dict[str, dict[str, int]]] = {}
        for node, entries in spec.nodes.items():
            by_country = rules.setdefault(node, {})
            for index, rule in enumerate(entries):
                zones = by_country.setdefault(rule.country, {})
                for pos, written in enumerate(rule.postal_prefixes or ("",)):
                    key = f"nodes.{node}[{index}]" + (f".postal_prefixes[{pos}]" if written else ".country")
                    try:
                        prefix = check_prefix(rule.country, written) if written else ""
                    except ValueError as exc:
                        raise geo_error(source, str(exc), key=key) from None
                    if prefix in zones:
                        what = f"prefix {prefix!r}" if prefix else "a rule for the whole country"
                        raise geo_error(source, f"{rule.country}: {what} is already in zone {zones[prefix]}", key=key)
                    zones[prefix] = rule.zone
        return cls(rules, source)

    @classmethod
    def load(cls, path: str | Path) -> ZoneTable:
        """Read a zone table YAML file."""
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise geo_error(source, f"cannot be read: {exc}") from None
        try:
            data = parse_yaml(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            raise geo_error(source, f"invalid YAML: {problem}", line=mark.line + 1 if mark else None) from None
        return cls.parse(data, source)

    @property
    def node_codes(self) -> frozenset[str]:
        return frozenset(self._rules)

    def longest_prefix(self, country: str) -> int:
        """The length of the longest prefix any node's rules name for `country`."""
        return self._longest.get(country.upper(), 0)

    def zone_for(self, node: str, country: str, postal_code: str | None) -> ZoneMatch | None:
        """The zone of the destination for `node`, or None when the table has no rule for it."""
        country = country.upper()
        rules = self._rules.get(node, {}).get(country)
        if not rules:
            return None
        code = normalize_code(postal_code)
        if code:
            if country in UK_STYLE:
                candidates: tuple[str, ...] = uk_candidates(code)
            else:
                candidates = tuple(code[:n] for n in range(min(len(code), self._longest[country]), 0, -1))
            for candidate in candidates:
                if candidate in rules:
                    return ZoneMatch(rules[candidate], f"{country}-{candidate}")
        if "" in rules:
            return ZoneMatch(rules[""], country)
        return None
