"""Return rules: an ordered list of (name, condition, restock|quarantine); per returned line the first match wins.

Conditions are rule expressions (docs/rule-expressions.md) over two variables: `return` (the
return as a whole) and `line` (one returned line with its product's profile). No rule matching
means restock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.errors import ConfigError
from hub.rules.expr import CompiledExpression, ExpressionError, Schema, compile_expression

RESTOCK = "restock"
QUARANTINE = "quarantine"
RETURN_ACTIONS = (RESTOCK, QUARANTINE)
DEFAULT_RULE_NAME = "default"

RETURN_SCHEMA = Schema.from_dict(
    {
        "return": {
            "condition": "string",  # sellable (default), opened, damaged, ... as the receiving node reports it
            "reason": "string",  # the customer's reason, when known
            "node": "string",  # the node that received the units
            "channel": "string",  # the order's source, e.g. shop:acme
            "days_since_order": "int",  # whole days since the order was placed (or received by the hub)
            "reference": "string",  # the RMA or return reference, when given
        },
        "line": {
            "sku": "string",
            "quantity": "decimal",
            "product": {"hazmat": "bool", "fragile": "bool", "oversize": "bool", "weight_kg": "decimal"},
        },
    }
)
"""What a return rule can read. Product fields are null for a SKU the catalogue does not know."""

RULE_KEYS = frozenset({"name", "when", "action"})


@dataclass(frozen=True)
class ReturnRule:
    name: str
    when: str
    action: str
    condition: CompiledExpression


@dataclass(frozen=True)
class ReturnDecision:
    """What to do with one returned line, which rule said so, and why (the rendered explanation)."""

    action: str
    rule: str
    explanation: str


def _entry_error(index: int, name: Any, message: str) -> ConfigError:
    label = f"returns[{index}]" + (f" ({name!r})" if isinstance(name, str) and name else "")
    return ConfigError(f"{label}: {message}")


def _rule(index: int, entry: Any, seen: set[str]) -> ReturnRule:
    if not isinstance(entry, Mapping):
        raise _entry_error(index, None, f"a rule must be a mapping with {', '.join(sorted(RULE_KEYS))}")
    name = entry.get("name")
    unknown = sorted(set(map(str, entry)) - RULE_KEYS)
    if unknown:
        raise _entry_error(index, name, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(RULE_KEYS))}")
    missing = sorted(RULE_KEYS - set(entry))
    if missing:
        raise _entry_error(index, name, f"missing key(s) {', '.join(missing)}")
    if not isinstance(name, str) or not name.strip():
        raise _entry_error(index, None, "name must be non-empty text")
    if name in seen or name == DEFAULT_RULE_NAME:
        raise _entry_error(index, name, "the name is already taken; rule names must be unique and not 'default'")
    action = entry["action"]
    if action not in RETURN_ACTIONS:
        raise _entry_error(index, name, f"action must be one of {', '.join(RETURN_ACTIONS)}, not {action!r}")
    when = entry["when"]
    if not isinstance(when, str):
        raise _entry_error(index, name, "when must be an expression (text)")
    try:
        condition = compile_expression(when, RETURN_SCHEMA)
    except ExpressionError as exc:
        raise _entry_error(index, name, str(exc)) from exc
    seen.add(name)
    return ReturnRule(name, when, action, condition)


@dataclass(frozen=True)
class ReturnRules:
    """The return rules in order; `decide` gives the first match (or restock)."""

    rules: tuple[ReturnRule, ...] = ()

    @classmethod
    def from_config(cls, entries: Sequence[Any] | None) -> ReturnRules:
        """Rules from the `returns:` list of a rule set: `{name, when, action}` each; ConfigError names the index."""
        if entries is None:
            return cls(())
        if isinstance(entries, str | bytes) or not isinstance(entries, Sequence):
            raise ConfigError("returns: must be a list of rules ({name, when, action})")
        seen: set[str] = set()
        return cls(tuple(_rule(i, entry, seen) for i, entry in enumerate(entries)))

    def as_config(self) -> list[dict[str, str]]:
        return [{"name": r.name, "when": r.when, "action": r.action} for r in self.rules]

    def decide(self, variables: Mapping[str, Any]) -> ReturnDecision:
        """Restock or quarantine one line (`variables` holds `return` and `line`), with the explanation."""
        missed: list[str] = []
        for rule in self.rules:
            value, trace = rule.condition.evaluate_explained(variables)
            if value is True:
                return ReturnDecision(rule.action, rule.name, f"rule {rule.name} ({rule.action}):\n{trace.render()}")
            missed.append(f"rule {rule.name} does not match:\n{trace.render()}")
        head = f"no return rule matched: {RESTOCK} by default"
        return ReturnDecision(RESTOCK, DEFAULT_RULE_NAME, "\n".join([head, *missed]))


DEFAULT_RETURN_RULES = ReturnRules.from_config(
    [
        {"name": "damaged_or_opened", "when": 'return.condition in ["damaged", "opened"]', "action": QUARANTINE},
        {"name": "hazmat", "when": "line.product.hazmat", "action": QUARANTINE},
    ]
)
"""Quarantine what came back damaged or opened, and anything hazardous; restock the rest."""
