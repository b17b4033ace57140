"""Pydantic validation errors of data files as one problem: the dotted key it is about and a plain message."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

_TAG = re.compile(r"^(?:function-[a-z-]+|[a-z][a-z-]*\[.*\])$")
"""How pydantic names a validator or a union branch in a location (`function-after`, `list[str]`)."""


def problem_key(parts: Iterable[int | str]) -> str:
    """A location as a key path: ("routes", 1, "when") -> `routes[1].when`; `(top level)` when empty."""
    out = ""
    for part in parts:
        if isinstance(part, str) and _TAG.match(part):
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "required key is missing"
    if error["type"] == "literal_error":
        return f"expected {error.get('ctx', {}).get('expected', 'one of the allowed values')}"
    return str(error["msg"]).removeprefix("Value error, ")


def first_problem(exc: ValidationError) -> tuple[str, str]:
    """The key and message of the first problem, with a count of the problems at other keys.

    A model-level check may name the key it is about in its context (`ctx.key`); a union (a list or
    "all") reports one error per branch at the same key, and those are said together.
    """
    errors = exc.errors(include_url=False, include_input=False)
    keys = [e.get("ctx", {}).get("key") or problem_key(e["loc"]) for e in errors]
    key = keys[0]
    message = " or ".join(dict.fromkeys(_message(e) for e, k in zip(errors, keys, strict=True) if k == key))
    more = len(set(keys)) - 1
    if more > 0:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return key, message
