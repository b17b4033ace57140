"""Rate-card validation problems: a key inside the card and a message, turned into a ConfigError."""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from hub.errors import ConfigError, Location

PROBLEM_TYPE = "rate_card"


def problem(key: str, detail: str) -> PydanticCustomError:
    """An error to raise in a validator; `key` is relative to the model being validated."""
    return PydanticCustomError(PROBLEM_TYPE, "{key}: {detail}", {"key": key, "detail": detail})


def _key(parts: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in parts if p != "") or "(root)"


def config_error(source: str, key: str, detail: str) -> ConfigError:
    """The error every invalid rate card raises: it names the file and the key."""
    return ConfigError(
        f"rate card {source}: {key}: {detail}", code="rate_card_invalid", location=Location(file=source, field=key)
    )


def from_validation_error(source: str, exc: ValidationError) -> ConfigError:
    """The first problem of a pydantic error as a ConfigError (with a count of the others)."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    loc = tuple(first["loc"])
    ctx = first.get("ctx") or {}
    if first["type"] == PROBLEM_TYPE:
        key, detail = _key((*loc, ctx["key"])), str(ctx["detail"])
    else:
        key, detail = _key(loc), str(first["msg"]).removeprefix("Value error, ")
    # a failed item also makes its list "too short": count only problems that are not the first one's echo
    others = [e for e in errors[1:] if tuple(e["loc"]) != loc[: len(e["loc"])]]
    more = f" (and {len(others)} more problem(s))" if others else ""
    return config_error(source, key, detail + more)
