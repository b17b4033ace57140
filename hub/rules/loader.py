"""Read a rule set file (YAML): validate its shape, compile its conditions, name the file and key of any problem."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hub.errors import ConfigError, Location
from hub.rules.expr import ExpressionError
from hub.rules.ruleset import RuleSet, RuleSetFile, compile_rule_set
from hub.validation import first_problem
from hub.yamlio import parse_yaml


class RuleSetError(ConfigError):
    """A rule set that cannot be used; the message starts with the file and the key."""

    code = "rule_set_invalid"


def _from_validation(source: str, exc: ValidationError) -> RuleSetError:
    key, message = first_problem(exc)
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
