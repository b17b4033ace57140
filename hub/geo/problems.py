"""Geo data-file problems as ConfigErrors that name the file and the line or key."""

from __future__ import annotations

from pydantic import ValidationError

from hub.errors import ConfigError, Location
from hub.validation import first_problem


def geo_error(source: str, message: str, *, line: int | None = None, key: str | None = None) -> ConfigError:
    """`source: line N: key: message` as a ConfigError with the same parts in its Location."""
    where = "".join(part for part in (f" line {line}:" if line else "", f" {key}:" if key else ""))
    return ConfigError(
        f"{source}:{where} {message}", code="geo_data_invalid", location=Location(file=source, line=line, field=key)
    )


def from_validation_error(source: str, exc: ValidationError) -> ConfigError:
    """The first problem of a pydantic error, naming the key (and counting the others)."""
    key, message = first_problem(exc)
    return geo_error(source, message, key=key)
