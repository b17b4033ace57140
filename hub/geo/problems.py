"""Geo data-file problems as ConfigErrors that name the file and the line or key."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError

from hub.errors import ConfigError, Location


def geo_error(source: str, message: str, *, line: int | None = None, key: str | None = None) -> ConfigError:
    """`source: line N: key: message` as a ConfigError with the same parts in its Location."""
    where = "".join(part for part in (f" line {line}:" if line else "", f" {key}:" if key else ""))
    return ConfigError(
        f"{source}:{where} {message}", code="geo_data_invalid", location=Location(file=source, line=line, field=key)
    )


def dotted_key(loc: Iterable[int | str]) -> str:
    """A pydantic location as a key path: ("nodes", "BER", 1, "zone") -> `nodes.BER[1].zone`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not part.startswith("function-"):
            out += f".{part}" if out else part
    return out or "(top level)"


def from_validation_error(source: str, exc: ValidationError) -> ConfigError:
    """The first problem of a pydantic error, naming the key (and counting the others)."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "missing":
        message = "required key is missing"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem(s))"
    return geo_error(source, message, key=dotted_key(first["loc"]))
