"""Destination zones: country and postal-code prefix rules, where the most specific prefix wins."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

_SPACES = re.compile(r"\s+")
_UK_STYLE = frozenset({"GB", "GG", "JE", "IM"})


def country_code(value: Any) -> Any:
    """An ISO 3166-1 alpha-2 code, upper-cased; anything else is refused."""
    if not isinstance(value, str):
        return value
    code = value.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def normalize_postal_code(country: str, postal_code: str | None) -> str:
    """Upper case with single spaces; a UK-style postcode written without its space gets it back
    (`IV11AA` -> `IV1 1AA`), so the prefix `IV1` and the prefix `IV11` cannot be confused."""
    if not postal_code:
        return ""
    code = _SPACES.sub(" ", postal_code.strip().upper())
    if country in _UK_STYLE and " " not in code and 5 <= len(code) <= 7:
        code = f"{code[:-3]} {code[-3:]}"
    return code


def normalize_prefix(value: Any) -> Any:
    """A postal prefix as compared: upper case, inner spaces collapsed, a trailing space kept (it ends a UK
    outward code: `PA2 ` matches Paisley `PA2 1AA` but not Rothesay `PA20 0AA`)."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"write the prefix {value} as text (quoted) so leading zeros cannot be lost")
    if not isinstance(value, str):
        return value
    text = _SPACES.sub(" ", value.lstrip().upper())
    if not text.strip():
        raise ValueError("a postal prefix must not be empty")
    return text


PostalPrefix = Annotated[str, BeforeValidator(normalize_prefix)]
"""A postal-code prefix, normalised by `normalize_prefix`."""


def longest_prefix(code: str, prefixes: Iterable[str]) -> str | None:
    """The longest of `prefixes` that `code` starts with, or None."""
    best: str | None = None
    for prefix in prefixes:
        if code.startswith(prefix) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


class ZoneRule(BaseModel):
    """Destinations in `country` (optionally only those whose postal code starts with a prefix) are in `zone`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zone: str = Field(min_length=1)
    country: str
    postal_prefixes: tuple[PostalPrefix, ...] = ()

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> Any:
        return country_code(value)


def check_zone_table(rules: Sequence[ZoneRule]) -> list[tuple[str, str]]:
    """Problems in a zone table as (key, message): one default per country, each prefix in one zone only."""
    problems: list[tuple[str, str]] = []
    defaults: dict[str, int] = {}
    prefixes: dict[tuple[str, str], tuple[int, str]] = {}
    for i, rule in enumerate(rules):
        if not rule.postal_prefixes:
            if rule.country in defaults:
                first = defaults[rule.country]
                problems.append((f"zones.{i}", f"country {rule.country} already has a default zone (zones.{first})"))
            defaults.setdefault(rule.country, i)
        for prefix in rule.postal_prefixes:
            seen = prefixes.get((rule.country, prefix))
            if seen is not None:
                where, zone = seen
                what = "a different zone" if zone != rule.zone else "the same zone again"
                problems.append(
                    (
                        f"zones.{i}.postal_prefixes",
                        f"prefix {prefix!r} in {rule.country} is already in zones.{where} ({zone}): {what}",
                    )
                )
            else:
                prefixes[(rule.country, prefix)] = (i, rule.zone)
    return problems


def resolve_zone(rules: Sequence[ZoneRule], country: str, postal_code: str | None) -> str | None:
    """The zone of a destination: the rule with the longest matching prefix, else the country default."""
    return zone_for_code(rules, country, normalize_postal_code(country, postal_code))


def zone_for_code(rules: Iterable[ZoneRule], country: str, code: str | None) -> str | None:
    """`resolve_zone` for a postal code already normalised (or a known prefix standing for all its codes)."""
    best_zone: str | None = None
    best_len = -1
    for rule in rules:
        if rule.country != country:
            continue
        if not rule.postal_prefixes:
            if best_len < 0:
                best_zone, best_len = rule.zone, 0
            continue
        match = longest_prefix(code, rule.postal_prefixes) if code else None
        if match is not None and len(match) > best_len:
            best_zone, best_len = rule.zone, len(match)
    return best_zone
