"""The allocation planner: runs a rule set over one order and a stock view, and returns an explained plan.

Order of work: holds, then the first matching policy (settings), then the first matching route
(candidate nodes, in fallback order), then per node: stale stock, capacity, order-scope and
line-scope exclusions, availability (channel holds and rule safety stock included). A single
complete node wins if there is one, ranked by the route's `select` (priority, nearest, cost).
Otherwise, if splitting is allowed, the fewest shipments that cover the order (pairs searched
exhaustively, more by greedy cover), each at least the minimum shipment value; what cannot be
covered is backordered, shipped partially or held, by policy. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import combinations
from typing import Any, Protocol

from hub.allocation.profiles import NodeProfile
from hub.model.money import decimal_str
from hub.rules.decision import Decision, NodeVerdict, PlannedLine, Shipment
from hub.rules.expr import EvaluationError
from hub.rules.facts import OrderFacts, node_facts
from hub.rules.ruleset import Compiled, RuleSet, SafetyStockRule, Settings

UNKNOWN_WEIGHT_PER_UNIT = Decimal(1)
_INF = Decimal("Infinity")


class Availability(Protocol):
    def available(self, node: str, sku: str, channel: str | None = None) -> Decimal: ...


class DistanceLike(Protocol):
    km: Decimal


class DistanceSource(Protocol):
    def distance_km(self, node: NodeProfile, country: str, postal_code: str | None) -> DistanceLike | None: ...


class QuoteLike(Protocol):
    carrier: str
    service: str
    level: str
    total: Decimal
    currency: str
    transit_min: int
    transit_max: int


class Rater(Protocol):
    def best(
        self,
        node: str,
        country: str,
        postal_code: str | None,
        weight_kg: Decimal,
        *,
        level: str | None = ...,
        prefer: str = ...,
        fx: Mapping[str, Decimal] | None = ...,
    ) -> QuoteLike | None: ...


@dataclass
class Item:
    """The demand for one SKU in the order (lines of the same SKU are planned together)."""

    sku: str
    quantity: Decimal
    lines: list[tuple[int, Decimal]]
    unit_value: Decimal
    unit_weight: Decimal | None

    def weight(self, qty: Decimal) -> Decimal:
        return (self.unit_weight if self.unit_weight is not None else UNKNOWN_WEIGHT_PER_UNIT) * qty


@dataclass
class _Node:
    profile: NodeProfile
    position: int
    verdict: NodeVerdict
    available: dict[str, Decimal] = field(default_factory=dict)
    full: frozenset[int] = frozenset()


@dataclass
class PlanningContext:
    """What stays the same for many orders: the rule set, the nodes, distances, rates and today's load."""

    rule_set: RuleSet
    nodes: list[NodeProfile]
    now: datetime
    load: dict[str, int] = field(default_factory=dict)
    distance: DistanceSource | None = None
    rater: Rater | None = None
    _line_memo: dict[tuple[str, str, str], tuple[bool, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_code = {n.code: n for n in self.nodes}


def _first_match(rules: Iterable[Compiled], variables: Mapping[str, Any]) -> tuple[Compiled | None, str | None]:
    """The first rule whose condition holds (a condition that cannot be evaluated does not hold: the next is tried)."""
    problems: list[str] = []
    found: Compiled | None = None
    for rule in rules:
        if rule.condition is None:
            found = rule
            break
        try:
            if rule.condition.matches(variables):
                found = rule
                break
        except EvaluationError as exc:
            problems.append(f"{rule.section} rule {rule.name} could not be evaluated: {exc}")
    return found, "; ".join(problems) or None


def _explain(rule: Compiled, variables: Mapping[str, Any]) -> str:
    assert rule.condition is not None
    try:
        _, trace = rule.condition.evaluate_explained(variables)
    except EvaluationError as exc:  # an exclusion that cannot be evaluated excludes: say why
        return f"{rule.name} could not be evaluated: {exc}"
    return trace.render()


def priority_of(rule_set: RuleSet, facts: OrderFacts) -> int:
    """The order's allocation priority (higher first) from the first matching priority rule; 0 otherwise."""
    rule, _ = _first_match(rule_set.priorities, facts.variables)
    return int(rule.rule.priority) if rule is not None else 0


_STABLE_FIELDS = (
    "line.sku",
    "line.product",
    "node.code",
    "node.priority",
    "node.country",
    "node.postal_code",
    "node.capacity_per_day",
    "node.flags",
    "node.attributes",
)
"""What stays the same for one SKU at one node across orders (not the quantity, distance, load or stock age)."""


def _per_sku_and_node(rule: Compiled) -> bool:
    """Whether a line-scope rule's answer depends on the SKU and the node only, so it can be remembered."""
    return rule.condition is not None and all(ref.startswith(_STABLE_FIELDS) for ref in rule.condition.references)


def rule_safety(rules: Iterable[SafetyStockRule], node: str, sku: str) -> Decimal:
    """The safety stock the rules ask for at (node, sku): the most specific matching entry."""
    best: tuple[int, Decimal] | None = None
    for rule in rules:
        if isinstance(rule.nodes, list) and node not in rule.nodes:
            continue
        if rule.skus is not None and sku not in rule.skus:
            continue
        if rule.sku_prefix is not None and not sku.startswith(rule.sku_prefix):
            continue
        score = (2 if isinstance(rule.nodes, list) else 0) + (1 if rule.skus or rule.sku_prefix else 0)
        if best is None or score > best[0]:
            best = (score, rule.quantity)
    return best[1] if best else Decimal(0)


class Planner:
    """Decides orders one at a time against a stock view, with the context's rules and network."""

    def __init__(self, context: PlanningContext) -> None:
        self.ctx = context
        self._notes: list[str] = []

    # -- the decision -------------------------------------------------------------------------------
    def decide(
        self,
        facts: OrderFacts,
        stock: Availability,
        *,
        exclude: Mapping[str, str] | None = None,
        skip_holds: bool = False,
    ) -> Decision:
        rs = self.ctx.rule_set
        variables = facts.variables
        decision = Decision("backordered", "", rs.label, rs.version, priority=priority_of(rs, facts))
        self._notes = decision.notes
        if not skip_holds:
            hold, problem = _first_match(rs.holds, variables)
            if problem:
                decision.notes.append(problem)
            if hold is not None:
                why = hold.rule.reason or f"hold rule {hold.name} matched"
                decision.status = "on_hold"
                decision.reason = f"on hold: {why}"
                decision.hold = {"rule": hold.name, "reason": why, "explanation": _explain(hold, variables)}
                return decision
        policy, problem = _first_match(rs.policies, variables)
        if problem:
            decision.notes.append(problem)
        settings = policy.rule.over(rs.settings) if policy is not None else rs.settings
        decision.policy = policy.name if policy is not None else None
        decision.settings = settings.model_dump(mode="json", exclude_none=True)
        route, problem = _first_match(rs.routes, variables)
        if problem:
            decision.notes.append(problem)
        decision.route = route.name if route is not None else None
        select = (route.rule.select if route is not None else None) or settings.select or "priority"
        decision.select = select

        items = self._items(facts)
        nodes = self._candidates(route, decision)
        usable = self._assess(nodes, items, facts, settings, stock, exclude or {})
        decision.candidates = [n.verdict for n in nodes]
        rank = self._ranker(select, usable, items, facts, settings)
        everything = frozenset(range(len(items)))

        complete = [n for n in usable if n.full == everything]
        for n in complete:
            n.verdict.complete = True
        split_ok = settings.split == "allow" and (settings.max_shipments or 1) >= 2
        if complete:
            best = min(complete, key=rank)
            cheaper = self._cheaper_split(best, usable, items, facts, settings, rank) if split_ok else None
            if cheaper is not None:
                plan, saving = cheaper
                self._finish(decision, facts, settings, items, plan)
                names = ", ".join(n.profile.code for n, _ in plan)
                decision.reason = (
                    f"{len(plan)} shipments ({names}) cost {decimal_str(saving)} less than shipping whole from "
                    f"{best.profile.code}, the cheapest single node (split_when_cheaper)"
                )
                return decision
            self._finish(decision, facts, settings, items, [(best, {i: items[i].quantity for i in everything})])
            decision.reason = self._single_reason(best, select, len(complete))
            return decision
        if split_ok:
            shipping_cost = self._shipping_cost(facts, settings, items) if select == "cost" else None
            plan = self._split(usable, items, settings, rank, shipping_cost)
            if plan is not None:
                self._finish(decision, facts, settings, items, plan)
                names = ", ".join(n.profile.code for n, _ in plan)
                decision.reason = f"no single node has every line: split into {len(plan)} shipments ({names})"
                return decision
        return self._shortage(decision, facts, settings, items, usable, rank, split_ok)

    # -- building blocks ----------------------------------------------------------------------------
    @staticmethod
    def _items(facts: OrderFacts) -> list[Item]:
        by_sku: dict[str, Item] = {}
        for line in facts.lines:
            qty: Decimal = line["quantity"]
            item = by_sku.get(line["sku"])
            unit_weight = line["product"]["weight_kg"]
            if item is None:
                by_sku[line["sku"]] = Item(line["sku"], qty, [(line["line_no"], qty)], line["unit_price"], unit_weight)
            else:
                item.quantity += qty
                item.lines.append((line["line_no"], qty))
        return list(by_sku.values())

    def _candidates(self, route: Compiled | None, decision: Decision) -> list[_Node]:
        if route is None or route.rule.nodes == "all":
            profiles = sorted(self.ctx.nodes, key=lambda n: (n.priority, n.code))
            return [_Node(p, i, NodeVerdict(p.code, True)) for i, p in enumerate(profiles)]
        out: list[_Node] = []
        for i, code in enumerate(route.rule.nodes):
            profile = self.ctx.by_code.get(code)
            if profile is None:
                decision.notes.append(f"route {route.name} names node {code}, which is unknown or disabled")
                continue
            out.append(_Node(profile, i, NodeVerdict(code, True)))
        return out

    def _assess(
        self,
        nodes: list[_Node],
        items: list[Item],
        facts: OrderFacts,
        settings: Settings,
        stock: Availability,
        exclude: Mapping[str, str],
    ) -> list[_Node]:
        rs = self.ctx.rule_set
        channel = facts.variables["order"]["channel"]
        ship_to = facts.variables["order"]["ship_to"]
        usable: list[_Node] = []
        for n in nodes:
            p, v = n.profile, n.verdict
            age = self._age_minutes(p)
            distance = self._distance(p, ship_to)
            v.distance_km = distance
            if p.code in exclude:
                v.included, v.rule, v.reason = False, "reallocation", exclude[p.code]
                continue
            if settings.stale_stock_minutes is not None and (age is None or age > settings.stale_stock_minutes):
                v.included, v.rule = False, "stale_stock"
                v.reason = (
                    "stock was never confirmed by a snapshot or movement"
                    if age is None
                    else f"stock last confirmed {age} min ago, more than {settings.stale_stock_minutes} min"
                )
                continue
            load = self.ctx.load.get(p.code, 0)
            if p.capacity_per_day is not None and load >= p.capacity_per_day:
                v.included, v.rule = False, "capacity"
                v.reason = f"{load} orders today reach its capacity of {p.capacity_per_day}"
                continue
            node_vars: dict[str, Any] | None = None
            if rs.order_exclusions or rs.line_exclusions:
                node_vars = node_facts(p, distance_km=distance, load_today=load, stock_age_minutes=age)
            excluded = False
            for rule in rs.order_exclusions:
                variables = {"order": facts.variables["order"], "node": node_vars}
                if self._holds(rule, variables, facts):
                    v.included, v.rule = False, rule.name
                    v.reason = rule.rule.reason or _explain(rule, variables)
                    excluded = True
                    break
            if excluded:
                continue
            full: set[int] = set()
            for index, item in enumerate(items):
                blocked = self._line_excluded(p, node_vars, item, facts)
                if blocked:
                    v.excluded_lines[item.sku] = blocked
                    continue
                have = stock.available(p.code, item.sku, channel)
                extra = rule_safety(rs.safety_stock, p.code, item.sku)
                if extra:
                    have = max(have - extra, Decimal(0))
                n.available[item.sku] = have
                if have >= item.quantity:
                    full.add(index)
                else:
                    v.short[item.sku] = item.quantity - have
            if not full and not any(n.available.get(i.sku) for i in items):
                v.reason = "has none of the lines available"
            n.full = frozenset(full)
            usable.append(n)
        return usable

    def _holds(self, rule: Compiled, variables: Mapping[str, Any], facts: OrderFacts) -> bool:
        try:
            return rule.condition is not None and rule.condition.matches(variables)
        except EvaluationError as exc:
            self._notes.append(f"exclusion {rule.name} could not be evaluated ({exc}): treated as excluding")
            return True

    def _line_excluded(self, p: NodeProfile, node_vars: dict[str, Any] | None, item: Item, facts: OrderFacts) -> str:
        """The name and reason of the first line-scope rule excluding `item` at node `p` ('' if none)."""
        rules = self.ctx.rule_set.line_exclusions
        if not rules or node_vars is None:
            return ""
        lines = [ln for ln in facts.lines if ln["sku"] == item.sku]
        for rule in rules:
            memo_key = (rule.name, p.code, item.sku)
            stable = _per_sku_and_node(rule)
            if stable and memo_key in self.ctx._line_memo:
                hit, why = self.ctx._line_memo[memo_key]
                if hit:
                    return why
                continue
            for line in lines:
                variables = {"order": facts.variables["order"], "line": line, "node": node_vars}
                if self._holds(rule, variables, facts):
                    why = f"{rule.name}: {rule.rule.reason or 'line-scope exclusion matched'}"
                    if stable:
                        self.ctx._line_memo[memo_key] = (True, why)
                    return why
            if stable:
                self.ctx._line_memo[memo_key] = (False, "")
        return ""

    def _age_minutes(self, p: NodeProfile) -> int | None:
        if p.stock_as_of is None:
            return None
        return max(int((self.ctx.now - p.stock_as_of).total_seconds() // 60), 0)

    def _distance(self, p: NodeProfile, ship_to: Mapping[str, Any]) -> Decimal | None:
        if self.ctx.distance is None:
            return None
        found = self.ctx.distance.distance_km(p, ship_to["country_code"], ship_to["postal_code"])
        return found.km if found is not None else None

    def _quote(self, code: str, facts: OrderFacts, settings: Settings, weight: Decimal) -> QuoteLike | None:
        if self.ctx.rater is None:
            return None
        ship_to = facts.variables["order"]["ship_to"]
        level = facts.service_level or settings.service_level
        rates = self.ctx.rule_set.exchange_rates
        extra: dict[str, Any] = {"fx": rates} if rates else {}
        try:
            return self.ctx.rater.best(
                code,
                ship_to["country_code"],
                ship_to["postal_code"],
                weight,
                level=level,
                prefer=settings.carrier_preference or "cost",
                **extra,
            )
        except ValueError as exc:  # e.g. services priced in several currencies and no exchange rates to compare
            note = f"no carrier price from {code}: {exc}"
            if note not in self._notes:
                self._notes.append(note)
            return None

    def _ranker(
        self, select: str, usable: list[_Node], items: list[Item], facts: OrderFacts, settings: Settings
    ) -> Callable[[_Node], tuple[Any, ...]]:
        if select == "nearest":
            return lambda n: (n.verdict.distance_km if n.verdict.distance_km is not None else _INF, n.position)
        if select == "cost":
            weight = sum((i.weight(i.quantity) for i in items), Decimal(0))
            for n in usable:
                if len(n.full) == len(items):
                    quote = self._quote(n.profile.code, facts, settings, weight)
                    n.verdict.cost = quote.total if quote is not None else None
            return lambda n: (
                n.verdict.cost if n.verdict.cost is not None else _INF,
                n.verdict.distance_km if n.verdict.distance_km is not None else _INF,
                n.position,
            )
        return lambda n: (n.position,)

    @staticmethod
    def _single_reason(best: _Node, select: str, complete: int) -> str:
        how = {
            "priority": f"(priority {best.profile.priority}) the first node in fallback order with every line in stock",
            "nearest": f"the nearest node with every line ({decimal_str(best.verdict.distance_km)} km)"
            if best.verdict.distance_km is not None
            else "the nearest node with every line (distance unknown)",
            "cost": f"the cheapest node to ship from ({decimal_str(best.verdict.cost)})"
            if best.verdict.cost is not None
            else "the cheapest node to ship from (no rate: by distance, then order)",
        }[select]
        verb = "" if select == "priority" else "is "
        return f"{best.profile.code} {verb}{how}; {complete} node(s) could ship it whole"

    # -- splitting ----------------------------------------------------------------------------------
    def _shipping_cost(
        self, facts: OrderFacts, settings: Settings, items: list[Item]
    ) -> Callable[[_Node, Mapping[int, Decimal]], Decimal]:
        def cost(node: _Node, assign: Mapping[int, Decimal]) -> Decimal:
            weight = sum((items[i].weight(q) for i, q in assign.items()), Decimal(0))
            quote = self._quote(node.profile.code, facts, settings, weight)
            return quote.total if quote is not None else _INF

        return cost

    def _cheaper_split(
        self,
        best: _Node,
        usable: list[_Node],
        items: list[Item],
        facts: OrderFacts,
        settings: Settings,
        rank: Callable[[_Node], tuple[Any, ...]],
    ) -> tuple[list[tuple[_Node, dict[int, Decimal]]], Decimal] | None:
        """With `split_when_cheaper` (and select: cost), a split of nodes that each lack something, if it costs
        less than the cheapest complete node; with its saving."""
        if not settings.split_when_cheaper or best.verdict.cost is None:
            return None
        everything = len(items)
        partial = [n for n in usable if n.full and len(n.full) < everything]
        if len(partial) < 2:
            return None
        cost = self._shipping_cost(facts, settings, items)
        plan = self._split(partial, items, settings, rank, cost)
        if plan is None:
            return None
        total = sum((cost(n, assign) for n, assign in plan), Decimal(0))
        return (plan, best.verdict.cost - total) if total < best.verdict.cost else None

    def _split(
        self,
        usable: list[_Node],
        items: list[Item],
        settings: Settings,
        rank: Callable[[_Node], tuple[Any, ...]],
        shipping_cost: Callable[[_Node, Mapping[int, Decimal]], Decimal] | None = None,
    ) -> list[tuple[_Node, dict[int, Decimal]]] | None:
        everything = frozenset(range(len(items)))
        min_value = settings.min_shipment_value or Decimal(0)
        limit = settings.max_shipments or 1
        ordered = sorted((n for n in usable if n.full), key=rank)

        def value(assign: Mapping[int, Decimal]) -> Decimal:
            return sum((items[i].unit_value * q for i, q in assign.items()), Decimal(0))

        best: tuple[tuple[Any, ...], list[tuple[_Node, dict[int, Decimal]]]] | None = None
        for a, b in combinations(ordered, 2):
            if a.full | b.full != everything:
                continue
            # lines both nodes could ship go to the better ranked one, or else to the other one (the minimum
            # shipment value may allow only the second way)
            for first_lines in dict.fromkeys((a.full, everything - b.full)):
                first = {i: items[i].quantity for i in first_lines}
                second = {i: items[i].quantity for i in everything - first_lines}
                if value(first) < min_value or value(second) < min_value:
                    continue
                key: tuple[Any, ...] = (rank(a), rank(b))
                if shipping_cost is not None:
                    key = (shipping_cost(a, first) + shipping_cost(b, second), *key)
                if best is None or key < best[0]:
                    best = (key, [(a, first), (b, second)])
        if best is not None:
            return best[1]
        if limit >= 3:
            plan = self._greedy(ordered, items, limit, settings.split_lines or False, min_value)
            if plan is not None and self._covered(plan, items):
                return plan
        if settings.split_lines:
            plan = self._greedy(sorted(usable, key=rank), items, limit, True, min_value)
            if plan is not None and self._covered(plan, items):
                return plan
        return None

    @staticmethod
    def _covered(plan: list[tuple[_Node, dict[int, Decimal]]], items: list[Item]) -> bool:
        got: dict[int, Decimal] = {}
        for _, assign in plan:
            for i, q in assign.items():
                got[i] = got.get(i, Decimal(0)) + q
        return all(got.get(i, Decimal(0)) >= item.quantity for i, item in enumerate(items))

    @staticmethod
    def _greedy(
        ordered: list[_Node], items: list[Item], limit: int, split_lines: bool, min_value: Decimal
    ) -> list[tuple[_Node, dict[int, Decimal]]] | None:
        """Repeatedly take the node that covers the most remaining value (ties: rank), up to `limit` shipments."""
        remaining = {i: item.quantity for i, item in enumerate(items)}
        plan: list[tuple[_Node, dict[int, Decimal]]] = []
        pool = list(ordered)
        while remaining and len(plan) < limit and pool:
            scored: list[tuple[Decimal, int, _Node, dict[int, Decimal]]] = []
            for position, n in enumerate(pool):
                assign: dict[int, Decimal] = {}
                for i, need in remaining.items():
                    have = n.available.get(items[i].sku, Decimal(0))
                    if have >= need:
                        assign[i] = need
                    elif split_lines and have > 0:
                        assign[i] = have
                covered = sum((items[i].unit_value * q for i, q in assign.items()), Decimal(0))
                if assign:
                    scored.append((covered, -position, n, assign))
            if not scored:
                break
            covered, _, node, assign = max(scored, key=lambda s: (s[0], s[1]))
            pool.remove(node)
            if covered < min_value and plan:
                continue
            plan.append((node, assign))
            for i, q in assign.items():
                remaining[i] -= q
                if remaining[i] <= 0:
                    del remaining[i]
        return plan or None

    def _shortage(
        self,
        decision: Decision,
        facts: OrderFacts,
        settings: Settings,
        items: list[Item],
        usable: list[_Node],
        rank: Callable[[_Node], tuple[Any, ...]],
        split_ok: bool,
    ) -> Decision:
        short = ", ".join(sorted({sku for n in usable for sku in n.verdict.short})) or "every line"
        if not usable:
            why = "no candidate node is left after the rules' exclusions"
        else:
            why = f"no {'combination of nodes' if split_ok else 'single node'} has every line in stock (short: {short})"
        policy = settings.on_shortage or "backorder"
        if policy == "hold":
            decision.status, decision.reason = "on_hold", f"on hold: {why}"
            decision.hold = {"rule": "on_shortage", "reason": why}
            decision.backordered = self._lines(items, {i: it.quantity for i, it in enumerate(items)})
            return decision
        if policy == "ship_partial":
            limit = (settings.max_shipments or 1) if split_ok else 1
            plan = self._greedy(
                sorted(usable, key=rank),
                items,
                limit,
                bool(settings.split_lines),
                settings.min_shipment_value or Decimal(0),
            )
            if plan:
                self._finish(decision, facts, settings, items, plan)
                shipped: dict[int, Decimal] = {}
                for _, assign in plan:
                    for i, q in assign.items():
                        shipped[i] = shipped.get(i, Decimal(0)) + q
                rest = {i: it.quantity - shipped.get(i, Decimal(0)) for i, it in enumerate(items)}
                decision.backordered = self._lines(items, {i: q for i, q in rest.items() if q > 0})
                decision.reason = f"{why}: shipping what is there, the rest is backordered (policy ship_partial)"
                return decision
        decision.status, decision.reason = "backordered", f"{why}: backordered (policy {policy})"
        decision.backordered = self._lines(items, {i: it.quantity for i, it in enumerate(items)})
        return decision

    @staticmethod
    def _lines(items: list[Item], assign: Mapping[int, Decimal]) -> list[PlannedLine]:
        """Spread an item quantity back over its order lines, in line order."""
        out: list[PlannedLine] = []
        for i in sorted(assign):
            left = assign[i]
            for line_no, qty in items[i].lines:
                if left <= 0:
                    break
                take = min(qty, left)
                out.append(PlannedLine(line_no, items[i].sku, take))
                left -= take
        return sorted(out, key=lambda ln: ln.line_no)

    def _finish(
        self,
        decision: Decision,
        facts: OrderFacts,
        settings: Settings,
        items: list[Item],
        plan: list[tuple[_Node, dict[int, Decimal]]],
    ) -> None:
        decision.status = "allocated"
        for node, assign in plan:
            weight = sum((items[i].weight(q) for i, q in assign.items()), Decimal(0))
            shipment = Shipment(
                node=node.profile.code,
                lines=self._lines(items, assign),
                value=sum((items[i].unit_value * q for i, q in assign.items()), Decimal(0)),
                weight_kg=weight,
                distance_km=node.verdict.distance_km,
            )
            quote = self._quote(node.profile.code, facts, settings, weight)
            if quote is not None:
                shipment.carrier, shipment.service, shipment.service_level = quote.carrier, quote.service, quote.level
                shipment.cost, shipment.currency = quote.total, quote.currency
                shipment.transit_days = (quote.transit_min, quote.transit_max)
            elif self.ctx.rater is not None:
                decision.notes.append(f"no carrier service can take the shipment from {node.profile.code}")
            decision.shipments.append(shipment)
        if any(i.unit_weight is None for i in items) and self.ctx.rater is not None:
            decision.notes.append(f"weight unknown for some SKUs: {UNKNOWN_WEIGHT_PER_UNIT} kg per unit assumed")
