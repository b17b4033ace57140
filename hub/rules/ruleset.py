"""The rule set file (YAML): its schema, and the checked, compiled form the planner runs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from hub.errors import Location
from hub.rules.expr import CompiledExpression, ExpressionError, compile_expression
from hub.rules.facts import LINE_SCHEMA, NODE_SCHEMA, ORDER_SCHEMA

Split = Literal["allow", "forbid"]
Shortage = Literal["backorder", "ship_partial", "hold"]
Select = Literal["priority", "nearest", "cost"]
Prefer = Literal["cost", "speed"]
SERVICE_LEVELS = ("economy", "standard", "express")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(_Strict):
    """How to allocate; the rule set's `settings` are the defaults, a matching policy overrides some."""

    split: Split | None = None
    max_shipments: int | None = Field(default=None, ge=1, le=20)
    split_lines: bool | None = None
    split_when_cheaper: bool | None = None  # with select: cost, split even when one node could ship it all
    min_shipment_value: Decimal | None = Field(default=None, ge=0)
    on_shortage: Shortage | None = None
    select: Select | None = None
    stale_stock_minutes: int | None = Field(default=None, ge=1)
    carrier_preference: Prefer | None = None
    service_level: str | None = None

    @field_validator("service_level")
    @classmethod
    def _level(cls, value: str | None) -> str | None:
        if value is not None and value not in SERVICE_LEVELS:
            raise ValueError(f"service level must be one of {', '.join(SERVICE_LEVELS)}, not {value!r}")
        return value

    def over(self, base: Settings) -> Settings:
        """These settings with `base` filling what is unset."""
        mine = self.model_dump(exclude_none=True, include=set(Settings.model_fields))
        return base.model_copy(update=mine)


DEFAULT_SETTINGS = Settings(
    split="forbid",
    max_shipments=3,
    split_lines=False,
    split_when_cheaper=False,
    min_shipment_value=Decimal(0),
    on_shortage="backorder",
    select="priority",
    stale_stock_minutes=None,
    carrier_preference="cost",
    service_level="standard",
)


class HoldRule(_Strict):
    name: str
    when: str
    reason: str | None = None


class PriorityRule(_Strict):
    name: str
    when: str
    priority: int = Field(ge=-1000, le=1000)


class RouteRule(_Strict):
    name: str
    when: str | None = None
    nodes: list[str] | Literal["all"] = "all"
    select: Select | None = None

    @field_validator("nodes")
    @classmethod
    def _nodes(cls, value: list[str] | str) -> list[str] | str:
        if isinstance(value, list):
            if not value:
                raise ValueError("a route lists at least one node (or says all)")
            if len(set(value)) != len(value):
                raise ValueError("a node is listed twice")
        return value


class ExclusionRule(_Strict):
    name: str
    scope: Literal["order", "line"] = "order"
    when: str
    reason: str | None = None


class PolicyRule(Settings):
    name: str
    when: str


class SafetyStockRule(_Strict):
    name: str | None = None
    nodes: list[str] | Literal["*"] = "*"
    skus: list[str] | None = None
    sku_prefix: str | None = None
    quantity: Decimal = Field(ge=0)

    @model_validator(mode="after")
    def _one_selector(self) -> SafetyStockRule:
        if self.skus is not None and self.sku_prefix is not None:
            raise ValueError("give skus or sku_prefix, not both")
        return self


class RuleSetFile(_Strict):
    """The YAML document, as written."""

    rule_set: str = Field(min_length=1, max_length=100)
    version: int = Field(ge=1)
    description: str | None = None
    settings: Settings = Settings()
    holds: list[HoldRule] = []
    priorities: list[PriorityRule] = []
    routes: list[RouteRule] = []
    exclusions: list[ExclusionRule] = []
    policies: list[PolicyRule] = []
    safety_stock: list[SafetyStockRule] = []
    returns: list[dict[str, Any]] = []
    exchange_rates: dict[str, Decimal] = {}  # currency -> value of one unit in a common currency, to compare costs

    @field_validator("exchange_rates")
    @classmethod
    def _rates(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for currency, rate in value.items():
            if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
                raise ValueError(f"{currency!r} is not an ISO 4217 currency code")
            if rate <= 0:
                raise ValueError(f"the rate of {currency} must be above 0")
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> RuleSetFile:
        for section in ("holds", "priorities", "routes", "exclusions", "policies"):
            seen: dict[str, int] = {}
            for index, rule in enumerate(getattr(self, section)):
                if rule.name in seen:
                    # the key goes in the context: a model-level error has no location of its own
                    raise PydanticCustomError(
                        "duplicate_name",
                        "the name '{name}' is used twice (first at {first})",
                        {
                            "name": rule.name,
                            "first": f"{section}[{seen[rule.name]}]",
                            "key": f"{section}[{index}].name",
                        },
                    )
                seen[rule.name] = index
        return self


@dataclass(frozen=True)
class Compiled:
    """A rule with its compiled condition (None: always applies)."""

    rule: Any
    condition: CompiledExpression | None
    section: str
    index: int

    @property
    def name(self) -> str:
        return str(getattr(self.rule, "name", None) or f"{self.section}[{self.index}]")

    @property
    def reads_order(self) -> bool:
        return self.condition is not None and any(r.startswith("order") for r in self.condition.references)


@dataclass(frozen=True)
class RuleSet:
    """A checked rule set, conditions compiled, ready for the planner."""

    name: str
    version: int | None  # None: the built-in default
    settings: Settings
    holds: tuple[Compiled, ...]
    priorities: tuple[Compiled, ...]
    routes: tuple[Compiled, ...]
    order_exclusions: tuple[Compiled, ...]
    line_exclusions: tuple[Compiled, ...]
    policies: tuple[Compiled, ...]
    safety_stock: tuple[SafetyStockRule, ...]

    def summary(self) -> dict[str, Any]:
        """Name, version, how many rules of each kind, and the settings (what `hub rules check` and the API show)."""
        return {
            "rule_set": self.name,
            "version": self.version,
            "holds": len(self.holds),
            "priorities": len(self.priorities),
            "routes": len(self.routes),
            "exclusions": len(self.order_exclusions) + len(self.line_exclusions),
            "policies": len(self.policies),
            "safety_stock": len(self.safety_stock),
            "settings": self.settings.model_dump(mode="json", exclude_none=True),
        }

    source: RuleSetFile

    @property
    def exchange_rates(self) -> dict[str, Decimal]:
        return self.source.exchange_rates

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}" if self.version is not None else f"{self.name} (built-in)"

    def node_codes(self) -> set[str]:
        """Every node code the rule set names (to check against the store)."""
        named: set[str] = set()
        for route in self.source.routes:
            if isinstance(route.nodes, list):
                named |= set(route.nodes)
        for safety in self.source.safety_stock:
            if isinstance(safety.nodes, list):
                named |= set(safety.nodes)
        return named


class RuleProblem(ExpressionError):
    """A rule whose condition does not compile; the message names the section, the rule and the column."""


def _compile(section: str, index: int, rule: Any, text: str | None, schema: Any) -> Compiled:
    if text is None:
        return Compiled(rule, None, section, index)
    try:
        return Compiled(rule, compile_expression(text, schema), section, index)
    except ExpressionError as exc:
        name = getattr(rule, "name", None)
        key = f"{section}[{index}].when"
        where = key + (f" (rule {name})" if name else "")
        problem = RuleProblem(f"{where}: {exc.reason}", text, exc.offset, code=exc.code)
        problem.location = Location(field=key, line=exc.line, position=exc.column)
        problem.excerpt = exc.excerpt  # the carets under exactly the offending text, as the compiler marked it
        raise problem from None


def compile_rule_set(doc: RuleSetFile, *, version: int | None = None) -> RuleSet:
    """Compile every condition against its schema; raises RuleProblem naming the first bad rule."""
    holds = tuple(_compile("holds", i, r, r.when, ORDER_SCHEMA) for i, r in enumerate(doc.holds))
    priorities = tuple(_compile("priorities", i, r, r.when, ORDER_SCHEMA) for i, r in enumerate(doc.priorities))
    routes = tuple(_compile("routes", i, r, r.when, ORDER_SCHEMA) for i, r in enumerate(doc.routes))
    exclusions = [
        _compile("exclusions", i, r, r.when, LINE_SCHEMA if r.scope == "line" else NODE_SCHEMA)
        for i, r in enumerate(doc.exclusions)
    ]
    policies = tuple(_compile("policies", i, r, r.when, ORDER_SCHEMA) for i, r in enumerate(doc.policies))
    return RuleSet(
        name=doc.rule_set,
        version=doc.version if version is None else version,
        settings=doc.settings.over(DEFAULT_SETTINGS),
        holds=holds,
        priorities=priorities,
        routes=routes,
        order_exclusions=tuple(c for c in exclusions if c.rule.scope == "order"),
        line_exclusions=tuple(c for c in exclusions if c.rule.scope == "line"),
        policies=policies,
        safety_stock=tuple(doc.safety_stock),
        source=doc,
    )


BUILT_IN = replace(compile_rule_set(RuleSetFile(rule_set="default", version=1)), version=None)
"""Without an active rule set: every enabled node by priority, one shipment, backorder when short."""
