"""Read a rule set file (YAML): validate its shape, compile its conditions, name the file and key of any problem."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hub.errors import ConfigError, Location
from hub.rules.expr import ExpressionError
from hub.rules.ruleset import RuleSet, RuleSetFile, compile_rule_set
from hub.yamlio import parse_yaml


class RuleSetError(ConfigError):
    """A rule set that cannot be used; the message starts with the file and the key."""

    code = "rule_set_invalid"


_TAG = re.compile(r"^[a-z][a-z-]*\[.*\]$")
"""How pydantic names a validator or a union branch in an error's location (`list[str]`, `literal['all']`)."""


def _key(parts: tuple[Any, ...]) -> str:
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


def _from_validation(source: str, exc: ValidationError) -> RuleSetError:
    errors = exc.errors(include_url=False, include_input=False)
    # a model-level check (a rule name used twice) puts the key it is about in its context
    keys = [e.get("ctx", {}).get("key") or _key(tuple(e["loc"])) for e in errors]
    key = keys[0]
    # a union (a list of nodes or "all") reports one error per branch at the same key: say them together
    messages = list(dict.fromkeys(_message(e) for e, k in zip(errors, keys, strict=True) if k == key))
    message = " or ".join(messages)
    more = len(set(keys)) - 1
    if more > 0:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return RuleSetError(f"{source}: {key}: {message}", location=Location(file=source, field=key))


def parse_rule_set(data: Any, source: str = "<rule set>", *, version: int | None = None) -> RuleSet:
    """Validate and compile already-parsed YAML data."""
    if not isinstance(data, dict):
        raise RuleSetError(
            f"{source}: a rule set is a mapping (rule_set, version, settings, routes, ...)",
            location=Location(file=source),
        )
    try:
        doc = RuleSetFile.model_validate(data)
    except ValidationError as exc:
        raise _from_validation(source, exc) from None
    try:
        rule_set = compile_rule_set(doc, version=version)
    except ExpressionError as exc:
        field = exc.location.field
        error = RuleSetError(
            f"{source}: {exc.message}\n{exc.excerpt}", location=Location(file=source, field=field, position=exc.column)
        )
        raise error from None
    _check_returns(doc, source)
    return rule_set


def _check_returns(doc: RuleSetFile, source: str) -> None:
    """The `returns` section is read by the return flow; check it here so `hub rules check` catches mistakes."""
    if not doc.returns:
        return
    from hub.exceptions.returns import ReturnRules  # the return flow owns that section's format

    try:
        ReturnRules.from_config(doc.returns)
    except ConfigError as exc:
        raise RuleSetError(
            f"{source}: returns: {exc.message}", location=Location(file=source, field="returns")
        ) from None


def load_rule_set_text(text: str, source: str = "<rule set>", *, version: int | None = None) -> RuleSet:
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise RuleSetError(f"{source}: not valid YAML: {exc}", location=Location(file=source, line=line)) from None
    return parse_rule_set(data, source, version=version)


def read_rule_set_file(path: Path) -> tuple[str, RuleSet]:
    """The text of a rule set file and its compiled form."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleSetError(f"{path}: cannot be read: {exc}", location=Location(file=str(path))) from None
    return text, load_rule_set_text(text, str(path))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
