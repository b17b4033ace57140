"""Allocation planner speed and quality: latency per order on a 20-node network; cost and splits against a MIP."""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import math
import os
import pstats
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from bench.network import Network, OrderMaker, build_network, single_node_share
from hub.allocation.ledger import StockView
from hub.carriers.fast import FastRater
from hub.model.order import Order
from hub.rules.decision import Decision
from hub.rules.facts import order_facts
from hub.rules.planner import Planner

P99_BUDGET_MS = 2.0  # the target for the planner, per order
COST_TARGET = 0.02  # total cost within 2% of the optimum
SPLIT_TARGET = 0.05  # split orders no more than the optimum's + 5%
PENALTY = Decimal(1000)  # per unit left unshipped, the same for the planner and the MIP


# -- statistics --------------------------------------------------------------------------------------------------
def quantile(ordered: Sequence[int], q: float) -> int:
    """Nearest-rank quantile of an ascending list."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def latency_row(name: str, values_ns: Sequence[int]) -> str:
    ordered = sorted(values_ns)
    cells = [quantile(ordered, q) / 1e6 for q in (0.5, 0.9, 0.99)] + [ordered[-1] / 1e6]
    mean = sum(ordered) / len(ordered) / 1e6
    verdict = "within" if cells[2] <= P99_BUDGET_MS else "OVER"
    return (
        f"{name:<26}{mean:>9.3f}{cells[0]:>9.3f}{cells[1]:>9.3f}{cells[2]:>9.3f}{cells[3]:>10.3f}"
        f"  {verdict} the {P99_BUDGET_MS:g} ms p99 target"
    )


def load_average() -> str:
    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


# -- the hot loop ------------------------------------------------------------------------------------------------
@dataclass
class LoopResult:
    wall_ns: list[int] = field(default_factory=list)
    cpu_ns: list[int] = field(default_factory=list)
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    split: int = 0
    partial: int = 0
    shipments: int = 0
    cost: Decimal = Decimal(0)
    unpriced: int = 0
    failed_reservations: int = 0
    backordered_units: Decimal = Decimal(0)
    collections: dict[int, list[int]] = field(default_factory=dict)  # generation -> [count, ns, longest ns]


class GcClock:
    """Counts the garbage collections of each generation while in use, with their total and longest time."""

    def __init__(self, into: dict[int, list[int]]) -> None:
        self.into = into
        self._started = 0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter_ns()
            return
        took = time.perf_counter_ns() - self._started
        entry = self.into.setdefault(info["generation"], [0, 0, 0])
        entry[0] += 1
        entry[1] += took
        entry[2] = max(entry[2], took)

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)


def reserve_plan(decision: Decision, view: StockView) -> bool:
    """What the allocator does with a plan: reserve every planned line at its node."""
    ok = True
    for shipment in decision.shipments:
        for line in shipment.lines:
            ok = view.reserve(shipment.node, line.sku, line.quantity) and ok
    return ok


def hot_loop(network: Network, planner: Planner, view: StockView, orders: Sequence[Order]) -> LoopResult:
    """facts + decide + reserve for each order, each timed alone (wall clock and this thread's CPU time)."""
    out = LoopResult()
    products = network.products
    level = network.rule_set.settings.service_level
    wall, cpu = time.perf_counter_ns, time.thread_time_ns
    statuses: dict[str, int] = {}
    clock = GcClock(out.collections).__enter__()
    started = time.perf_counter()
    for order in orders:
        w0, c0 = wall(), cpu()
        facts = order_facts(order, products, default_service_level=level)
        decision = planner.decide(facts, view)
        ok = reserve_plan(decision, view)
        c1, w1 = cpu(), wall()
        out.wall_ns.append(w1 - w0)
        out.cpu_ns.append(c1 - c0)
        statuses[decision.status] = statuses.get(decision.status, 0) + 1
        out.failed_reservations += not ok
        out.shipments += len(decision.shipments)
        out.split += len(decision.shipments) > 1
        out.partial += decision.partial
        out.backordered_units += sum((ln.quantity for ln in decision.backordered), Decimal(0))
        if decision.shipments:
            cost = decision.cost
            if cost is None:
                out.unpriced += 1
            else:
                out.cost += cost
    out.seconds = time.perf_counter() - started
    clock.__exit__()
    out.statuses = statuses
    return out


def profile_loop(network: Network, orders: Sequence[Order], top: int) -> str:
    """cProfile of the same loop on a fresh planner and stock: the top functions by own time and by cumulative."""
    planner = Planner(network.context())
    view = network.levels()
    level = network.rule_set.settings.service_level
    profiler = cProfile.Profile()
    profiler.enable()
    for order in orders:
        reserve_plan(planner.decide(order_facts(order, network.products, default_service_level=level), view), view)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return "\n".join(line for line in text.getvalue().splitlines() if line.strip())


# -- the optimality sample ---------------------------------------------------------------------------------------
@dataclass
class SampleItem:
    order: int
    sku: str
    quantity: int
    weight: Decimal  # kg for the whole quantity


@dataclass
class Sample:
    orders: list[Order]
    items: list[SampleItem]
    by_order: list[list[int]]
    stock: dict[tuple[str, str], Decimal]
    skus: int
    categories: int


def make_sample(
    network: Network, count: int, categories: int, seed: int, low: float = 1.0, high: float = 1.3
) -> Sample:
    """`count` orders over the SKUs of a few categories (so that SKUs repeat), with a stock slice of `low`-`high`
    times the sample's own demand per SKU, spread at random over the SKU's usual nodes: cheap nodes run out, orders
    compete."""
    rng = random.Random(seed * 7919 + 1)
    chosen = rng.sample(range(len(network.by_category)), categories)
    pool = sorted(i for c in chosen for i in network.by_category[c])
    orders = OrderMaker(network, rng, pool).orders(count)
    demand: dict[str, int] = {}
    items: list[SampleItem] = []
    by_order: list[list[int]] = []
    for o, order in enumerate(orders):
        mine: list[int] = []
        merged: dict[str, int] = {}
        for line in order.lines:
            merged[line.sku] = merged.get(line.sku, 0) + int(line.quantity)
        for sku, qty in merged.items():
            weight = network.products[sku].weight_kg or Decimal(1)
            mine.append(len(items))
            items.append(SampleItem(o, sku, qty, weight * qty))
            demand[sku] = demand.get(sku, 0) + qty
        by_order.append(mine)
    stock: dict[tuple[str, str], Decimal] = {}
    for sku in sorted(demand):
        supply = math.ceil(demand[sku] * rng.uniform(low, high))
        nodes = network.placement[sku]
        weights = [network.sizes[n] * rng.uniform(0.3, 1.7) for n in nodes]
        counts = dict.fromkeys(nodes, 0)
        for node in rng.choices(nodes, weights=weights, k=supply):
            counts[node] += 1
        for node, qty in counts.items():
            if qty:
                stock[(node, sku)] = Decimal(qty)
    return Sample(orders, items, by_order, stock, len(pool), categories)


@dataclass
class Outcome:
    name: str
    shipping: Decimal
    unmet_units: int
    split_orders: int
    shipments: int
    seconds: float = 0.0

    @property
    def objective(self) -> Decimal:
        return self.shipping + PENALTY * self.unmet_units


def plan_sample(network: Network, sample: Sample) -> tuple[Outcome, list[list[tuple[str, list[int], Decimal]]]]:
    """The planner, one order after the other, on the sample's stock; with its plan per order."""
    planner = Planner(network.context())
    view = network.levels(sample.stock)
    level = network.rule_set.settings.service_level
    plans: list[list[tuple[str, list[int], Decimal]]] = []
    shipping, unmet, splits, shipments = Decimal(0), 0, 0, 0
    started = time.perf_counter()
    for o, order in enumerate(sample.orders):
        decision = planner.decide(order_facts(order, network.products, default_service_level=level), view)
        if not reserve_plan(decision, view):
            raise AssertionError(f"order {o}: a planned reservation failed")
        index = {sample.items[i].sku: i for i in sample.by_order[o]}
        plan = []
        for shipment in decision.shipments:
            if shipment.cost is None:
                raise AssertionError(f"order {o}: no carrier prices the shipment from {shipment.node}")
            plan.append((shipment.node, sorted({index[ln.sku] for ln in shipment.lines}), shipment.cost))
            shipping += shipment.cost
        plans.append(plan)
        unmet += int(sum((ln.quantity for ln in decision.backordered), Decimal(0)))
        splits += len(decision.shipments) > 1
        shipments += len(decision.shipments)
    outcome = Outcome(
        "planner (one order at a time)", shipping, unmet, splits, shipments, time.perf_counter() - started
    )
    return outcome, plans


@dataclass
class Best:
    """The cheapest plan for one order alone: node -> item indexes, its shipping cost and the units left unshipped."""

    groups: dict[str, list[int]]
    shipping: Decimal
    unmet: int

    @property
    def objective(self) -> Decimal:
        return self.shipping + PENALTY * self.unmet


def best_plan(
    network: Network,
    rater: FastRater,
    items: Sequence[tuple[str, int, Decimal]],
    country: str,
    postal_code: str | None,
    available: Callable[[str, str], Decimal],
) -> Best:
    """Every assignment of the order's items (sku, quantity, weight) to a node that has the whole quantity, or to
    none, with at most `max_shipments` nodes: the one with the lowest shipping cost + penalty, then fewest shipments.
    """
    level = network.rule_set.settings.service_level
    limit = network.rule_set.settings.max_shipments or 1
    options: list[list[str | None]] = []
    for sku, qty, _ in items:
        options.append([*(n for n in network.placement[sku] if available(n, sku) >= qty), None])
    prices: dict[tuple[str, Decimal], Decimal] = {}
    best: tuple[Decimal, int, dict[str, list[int]], int] | None = None
    for choice in itertools.product(*options):
        groups: dict[str, list[int]] = {}
        missing = 0
        for i, node in enumerate(choice):
            if node is None:
                missing += items[i][1]
            else:
                groups.setdefault(node, []).append(i)
        if len(groups) > limit:
            continue
        total = PENALTY * missing
        for node, members in groups.items():
            weight = sum((items[i][2] for i in members), Decimal(0))
            price = prices.get((node, weight))
            if price is None:
                quote = rater.best(node, country, postal_code, weight, level=level)
                price = prices[(node, weight)] = quote.total if quote is not None else PENALTY * 1000
            total += price
        if best is None or (total, len(groups)) < best[:2]:
            best = (total, len(groups), groups, missing)
    assert best is not None
    total, _, groups, missing = best
    return Best(groups, total - PENALTY * missing, missing)


def oracle_sample(network: Network, sample: Sample) -> Outcome:
    """The best plan for each order alone (`best_plan`), one order after the other on the sample's stock: what a
    planner without knowledge of later orders could reach at best, order by order."""
    rater = FastRater(network.cards)
    left = dict(sample.stock)
    shipping, unmet, splits, shipments = Decimal(0), 0, 0, 0
    started = time.perf_counter()
    for o, order in enumerate(sample.orders):
        its = sample.by_order[o]
        items = [(sample.items[i].sku, sample.items[i].quantity, sample.items[i].weight) for i in its]
        best = best_plan(
            network,
            rater,
            items,
            order.ship_to.country_code,
            order.ship_to.postal_code,
            lambda n, sku: left.get((n, sku), Decimal(0)),
        )
        for node, members in best.groups.items():
            for k in members:
                left[(node, items[k][0])] -= items[k][1]
        unmet += best.unmet
        shipping += best.shipping
        splits += len(best.groups) > 1
        shipments += len(best.groups)
    seconds = time.perf_counter() - started
    return Outcome("per-order optimum (exhaustive, in order)", shipping, unmet, splits, shipments, seconds)


@dataclass
class Regret:
    """The planner's decisions against the best plan for the same order on the same stock."""

    orders: int = 0
    worse: dict[str, int] = field(default_factory=dict)  # how the planner decided -> orders where it cost more
    extra: dict[str, Decimal] = field(default_factory=dict)  # -> the extra objective on those orders
    decided: dict[str, int] = field(default_factory=dict)  # -> orders decided that way
    planner: Decimal = Decimal(0)
    best: Decimal = Decimal(0)
    planner_splits: int = 0
    best_splits: int = 0
    best_split_when_single: int = 0


def check_decisions(
    network: Network, orders: Sequence[Order], stock: dict[tuple[str, str], Decimal] | None = None
) -> Regret:
    """Plan `orders` one by one with a fresh planner and stock; before reserving each plan, find the best plan for
    that order on the same stock (`best_plan`) and record where the planner's objective is higher, by the way
    the planner decided (one complete node, a split, a partial shipment, a backorder)."""
    planner = Planner(network.context())
    rater = FastRater(network.cards)
    view = network.levels(stock)
    level = network.rule_set.settings.service_level
    out = Regret()
    for order in orders:
        decision = planner.decide(order_facts(order, network.products, default_service_level=level), view)
        merged: dict[str, int] = {}
        for line in order.lines:
            merged[line.sku] = merged.get(line.sku, 0) + int(line.quantity)
        items = [(sku, q, (network.products[sku].weight_kg or Decimal(1)) * q) for sku, q in merged.items()]
        best = best_plan(network, rater, items, order.ship_to.country_code, order.ship_to.postal_code, view.available)
        unmet = int(sum((ln.quantity for ln in decision.backordered), Decimal(0)))
        mine = (decision.cost or Decimal(0)) + PENALTY * unmet
        how = (
            "backordered"
            if not decision.shipments
            else "partial"
            if decision.backordered
            else "one complete node"
            if len(decision.shipments) == 1
            else f"split in {len(decision.shipments)}"
        )
        out.orders += 1
        out.decided[how] = out.decided.get(how, 0) + 1
        out.planner += mine
        out.best += best.objective
        out.planner_splits += len(decision.shipments) > 1
        out.best_splits += len(best.groups) > 1
        if mine > best.objective:
            out.worse[how] = out.worse.get(how, 0) + 1
            out.extra[how] = out.extra.get(how, Decimal(0)) + mine - best.objective
            out.best_split_when_single += how == "one complete node" and len(best.groups) > 1
        if not reserve_plan(decision, view):
            raise AssertionError("a planned reservation failed")
    return out


@dataclass
class MipResult:
    outcome: Outcome | None
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    columns: int
    rows: int
    binaries: int
    nodes: int


def solve_sample(
    network: Network,
    sample: Sample,
    warm: list[list[tuple[str, list[int], Decimal]]] | None,
    time_limit: float,
    verbose: bool,
    *,
    shipped: set[int] | None = None,
) -> MipResult:
    """The whole sample as one MIP (HiGHS): which node ships each item (whole, as the planner's rules allow),
    at most 3 shipments per order, stock per (node, SKU), each shipment priced by the rater's step function of
    its weight (band binaries), a penalty per unit left unshipped; minimise the total.

    With `shipped` (item indexes), exactly those items ship and the others do not: the cheapest way to fulfil
    what the planner fulfilled."""
    import highspy
    import numpy as np

    rater = FastRater(network.cards)
    level = network.rule_set.settings.service_level
    limit = network.rule_set.settings.max_shipments or 1
    costs: list[float] = []
    lower: list[float] = []
    upper: list[float] = []
    integral: list[int] = []
    col_rows: list[list[tuple[int, float]]] = []
    row_lo: list[float] = []
    row_hi: list[float] = []

    def column(cost: float, hi: float, binary: bool, lo: float = 0.0) -> int:
        costs.append(cost)
        lower.append(lo)
        upper.append(hi)
        integral.append(1 if binary else 0)
        col_rows.append([])
        return len(costs) - 1

    def row(entries: Sequence[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(row_lo)
        row_lo.append(lo)
        row_hi.append(hi)
        for col, value in entries:
            col_rows[col].append((r, value))

    stock_rows: dict[tuple[str, str], list[tuple[int, float]]] = {}
    z: dict[tuple[int, str], int] = {}  # (item, node) -> column
    item_cols: dict[int, list[int]] = {}  # item -> its z columns
    unmet: dict[int, int] = {}
    bands: dict[tuple[int, str], list[tuple[int, Decimal, Decimal]]] = {}  # (order, node) -> (column, up_to, cost)
    for o, order in enumerate(sample.orders):
        ship_to = order.ship_to
        candidates: dict[str, list[int]] = {}
        for i in sample.by_order[o]:
            item = sample.items[i]
            for node in network.placement[item.sku]:
                if sample.stock.get((node, item.sku), Decimal(0)) >= item.quantity:
                    candidates.setdefault(node, []).append(i)
        for i in sample.by_order[o]:
            fixed = None if shipped is None else float(i not in shipped)
            lo, hi = (0.0, 1.0) if fixed is None else (fixed, fixed)
            unmet[i] = column(float(PENALTY) * sample.items[i].quantity, hi, False, lo)
        order_bands: list[int] = []
        for node, its in candidates.items():
            heaviest = sum((sample.items[i].weight for i in its), Decimal(0))
            curve = rater.step_costs(
                node, ship_to.country_code, ship_to.postal_code, level=level, max_weight_kg=heaviest
            )
            if any(b[1] < a[1] for a, b in itertools.pairwise(curve)):
                raise AssertionError(f"the cost of shipping from {node} falls with weight: band binaries need bounds")
            cols = []
            for up_to, cost in curve:
                cols.append((column(float(cost), 1.0, True), up_to, cost))
            bands[(o, node)] = cols
            order_bands += [c for c, _, _ in cols]
            row([(c, 1.0) for c, _, _ in cols], -math.inf, 1.0)  # one band: the shipment's weight class
            weight_entries: list[tuple[int, float]] = [(c, -float(up_to)) for c, up_to, _ in cols]
            for i in its:
                item = sample.items[i]
                col = z[(i, node)] = column(0.0, 1.0, True)
                item_cols.setdefault(i, []).append(col)
                stock_rows.setdefault((node, item.sku), []).append((col, float(item.quantity)))
                weight_entries.append((col, float(item.weight)))
                row([(col, 1.0)] + [(c, -1.0) for c, _, _ in cols], -math.inf, 0.0)  # z <= shipment from node
            row(weight_entries, -math.inf, 1e-7)  # the shipment's weight fits the band
        for i in sample.by_order[o]:
            entries = [(col, 1.0) for col in item_cols.get(i, [])] + [(unmet[i], 1.0)]
            row(entries, 1.0, 1.0)  # shipped from one node, or not at all
        if order_bands:
            row([(c, 1.0) for c in order_bands], -math.inf, float(limit))
    for key, entries in stock_rows.items():
        row(entries, -math.inf, float(sample.stock[key]))

    starts, index, values = [0], [], []
    for entries in col_rows:
        for r, v in entries:
            index.append(r)
            values.append(v)
        starts.append(len(index))
    h = highspy.Highs()
    h.setOptionValue("output_flag", verbose)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 1e-6)
    inf = highspy.kHighsInf
    h.addRows(
        len(row_lo),
        np.array([max(v, -inf) for v in row_lo]),
        np.array(row_hi),
        0,
        np.array([], dtype=np.int32),
        np.array([], dtype=np.int32),
        np.array([], dtype=np.float64),
    )
    n = len(costs)
    h.addCols(
        n,
        np.array(costs),
        np.array(lower),
        np.array(upper),
        len(index),
        np.array(starts[:-1], dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(values),
    )
    binaries = [c for c, b in enumerate(integral) if b]
    h.changeColsIntegrality(len(binaries), np.array(binaries, dtype=np.int32), np.ones(len(binaries), dtype=np.uint8))
    if warm is not None:
        start = np.zeros(n)
        for o, plan in enumerate(warm):
            done: set[int] = set()
            for node, its, cost in plan:
                weight = sum((sample.items[i].weight for i in its), Decimal(0))
                band = next(c for c, up_to, _ in bands[(o, node)] if weight <= up_to)
                start[band] = 1.0
                for i in its:
                    start[z[(i, node)]] = 1.0
                    done.add(i)
                if not any(c == band and bc == cost for c, _, bc in bands[(o, node)]):
                    raise AssertionError(f"order {o}: the planner's cost at {node} is not the step function's")
            for i in sample.by_order[o]:
                if i not in done:
                    start[unmet[i]] = 1.0
        solution = highspy.HighsSolution()
        solution.col_value = start
        h.setSolution(solution)
    started = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - started
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    size = (n, len(row_lo), len(binaries), int(info.mip_node_count))
    if info.primal_solution_status != highspy.kSolutionStatusFeasible:
        return MipResult(None, status, None, info.mip_dual_bound, None, seconds, *size)
    x = h.getSolution().col_value
    shipping = Decimal(0)
    split_orders = shipments = 0
    per_order: dict[int, list[Decimal]] = {}
    for (o, _), cols in bands.items():
        per_order.setdefault(o, []).extend(cost for c, _, cost in cols if x[c] > 0.5)
    for used in per_order.values():
        shipping += sum(used, Decimal(0))
        shipments += len(used)
        split_orders += len(used) > 1
    unmet_units = sum(sample.items[i].quantity for i, c in unmet.items() if x[c] > 0.5)
    outcome = Outcome("MIP (HiGHS, the whole sample at once)", shipping, unmet_units, split_orders, shipments, seconds)
    return MipResult(outcome, status, info.objective_function_value, info.mip_dual_bound, info.mip_gap, seconds, *size)


# -- the report --------------------------------------------------------------------------------------------------
def pct(value: float) -> str:
    return f"{value * 100:+.2f}%"


def outcome_row(o: Outcome) -> str:
    return (
        f"{o.name:<44}{o.shipping:>13,.2f}{o.unmet_units:>7,}{o.objective:>13,.2f}{o.split_orders:>8,}"
        f"{o.shipments:>11,}{o.seconds:>9.2f}"
    )


def mip_line(label: str, mip: MipResult) -> str:
    gap = f"{mip.gap * 100:.4f}%" if mip.gap is not None else "n/a"
    return (
        f"HiGHS {label}: {mip.status}, {mip.columns:,} columns ({mip.binaries:,} binary), {mip.rows:,} rows, "
        f"{mip.nodes:,} B&B nodes, {mip.seconds:.1f} s; objective {mip.objective:,.2f}, best bound {mip.bound:,.2f}, "
        f"gap {gap}"
    )


def regret_lines(label: str, r: Regret) -> list[str]:
    gap = float(r.planner / r.best - 1) if r.best else 0.0
    worse = sum(r.worse.values())
    ways = ", ".join(
        f"{how} {r.worse.get(how, 0):,} of {n:,} (+{r.extra.get(how, Decimal(0)):,.2f})"
        for how, n in sorted(r.decided.items(), key=lambda kv: -kv[1])
    )
    return [
        f"{label}: {r.orders:,} decisions, each against the best plan for that order on the same stock (exhaustive): "
        f"planner {r.planner:,.2f} vs {r.best:,.2f} ({pct(gap)}); split orders {r.planner_splits:,} vs "
        f"{r.best_splits:,}",
        f"  the planner cost more on {worse:,} orders; by how it decided (worse of all, extra): {ways}; "
        f"{r.best_split_when_single:,} of the worse single-node orders were cheaper as a split",
    ]


def verdicts(planner: Outcome, free: MipResult, same: MipResult) -> tuple[list[str], bool]:
    """The comparisons against both optima, and whether the cost and split targets are met."""
    a, b = free.outcome, same.outcome
    assert a is not None and b is not None
    lines: list[str] = []
    ok = True

    def versus(mip: MipResult) -> str:
        return "the optimum" if mip.status == "Optimal" else "HiGHS's best (not proven optimal)"

    gap = float((planner.objective - a.objective) / a.objective) if a.objective else 0.0
    met = gap <= COST_TARGET
    ok &= met
    lines.append(
        f"cost incl. shortage (shipping + {PENALTY}/unit unmet) vs {versus(free)} of (a): {pct(gap)} "
        f"({'meets' if met else 'MISSES'} the {COST_TARGET:.0%} target); unmet units {planner.unmet_units} vs "
        f"{a.unmet_units}"
    )
    gap = float((planner.shipping - b.shipping) / b.shipping) if b.shipping else 0.0
    met = gap <= COST_TARGET
    ok &= met
    lines.append(
        f"shipping cost, same items shipped, vs {versus(same)} of (b): {pct(gap)} "
        f"({'meets' if met else 'MISSES'} the {COST_TARGET:.0%} target)"
    )
    for mip, name in ((free, "a"), (same, "b")):
        if mip.status != "Optimal" and mip.bound:
            target = planner.objective if name == "a" else planner.shipping
            lines.append(
                f"  ({name}) not proven optimal: planner vs HiGHS's best bound {mip.bound:,.2f} is "
                f"{pct(float(target) / mip.bound - 1)} (an upper limit on the planner's true gap)"
            )
    for best, name in ((a, "a"), (b, "b")):
        allowed = best.split_orders * (1 + SPLIT_TARGET)
        met = planner.split_orders <= allowed
        ok &= met
        extra = pct(planner.split_orders / best.split_orders - 1) if best.split_orders else "the optimum has none"
        lines.append(
            f"split orders vs ({name}): {planner.split_orders} vs {best.split_orders} ({extra}; "
            f"{'meets' if met else 'MISSES'} the optimum's +{SPLIT_TARGET:.0%})"
        )
    return lines, ok


def _ranges(text: str) -> list[tuple[float, float]]:
    out = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        out.append((float(low), float(high or low)))
    return out


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.allocation", description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000, help="orders in the hot loop (default 100000)")
    parser.add_argument("--skus", type=int, default=10_000, help="catalogue size (default 10000)")
    parser.add_argument("--sample", type=int, default=300, help="orders in each MIP sample (default 300; 0: none)")
    parser.add_argument("--categories", type=int, default=3, help="categories whose SKUs a sample uses (default 3)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="HiGHS time limit per sample, s (default 60)")
    parser.add_argument(
        "--supply",
        type=_ranges,
        default=[(1.0, 1.3), (2.0, 3.0)],
        help="one MIP sample per range: its stock per SKU as a multiple of its demand (default 1.0-1.3,2-3)",
    )
    parser.add_argument("--check", type=int, default=5_000, help="check the first N decisions exhaustively")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", type=int, default=0, help="also cProfile the loop on the first N orders")
    parser.add_argument("--top", type=int, default=25, help="profile rows to print (default 25)")
    parser.add_argument("--verbose-mip", action="store_true", help="show HiGHS's log")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    network = build_network(skus=args.skus, seed=args.seed)
    orders = OrderMaker(network, random.Random(args.seed)).orders(args.orders)
    built = time.perf_counter() - started
    whole = single_node_share(network, orders)
    services = sum(len(c.services) for c in network.cards)
    print(
        f"network: {len(network.nodes)} nodes (DE {sum(n.country == 'DE' for n in network.nodes)}, "
        f"GB {sum(n.country == 'GB' for n in network.nodes)}, NL {sum(n.country == 'NL' for n in network.nodes)}), "
        f"{len(network.skus):,} SKUs, {len(network.on_hand):,} stock levels, {services} carrier services on "
        f"{len(network.cards)} cards; {len(orders):,} orders of 1-4 lines "
        f"({sum(len(o.lines) for o in orders) / len(orders):.2f} lines each) to DE and GB; built in {built:.1f} s"
    )
    print(
        f"{whole:.1%} of the orders could ship whole from one node of the initial stock; seed {args.seed}; "
        f"{os.cpu_count()} CPUs, load average {load_average()}; Python {sys.version.split()[0]}"
    )

    # the hot loop
    planner = Planner(network.context())
    view = network.levels()
    gc.collect()
    result = hot_loop(network, planner, view, orders)
    n = len(orders)
    print(f"\nhot loop: order facts + Planner.decide + reserve in a StockView, one order at a time ({n:,} orders)")
    print(f"{'per order, ms':<26}{'mean':>9}{'p50':>9}{'p90':>9}{'p99':>9}{'max':>10}")
    print(latency_row("wall clock", result.wall_ns))
    print(latency_row("CPU time of this thread", result.cpu_ns))
    backordered = result.statuses.get("backordered", 0)
    statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(result.statuses.items()))
    info = planner.ctx.rater.cache_info() if isinstance(planner.ctx.rater, FastRater) else None
    print(
        f"{n / result.seconds:,.0f} allocations/s (wall, one thread); {statuses}; split {result.split / n:.2%} "
        f"({result.shipments / n:.3f} shipments per order); partial {result.partial / n:.2%}; "
        f"backordered (wholly or partly) {(result.partial + result.statuses.get('backordered', 0)) / n:.2%} "
        f"({result.backordered_units:,} units)"
    )
    print(
        f"total shipping cost {result.cost:,.2f} EUR ({result.cost / max(1, n - backordered):.2f} per shipped order)"
        f"; unpriced shipments {result.unpriced}; failed reservations {result.failed_reservations}"
        + (f"; rater memo {info.size:,} entries, {info.hits:,} hits, {info.misses:,} misses" if info else "")
    )
    if args.check:
        checked = check_decisions(network, orders[: args.check])
        for line in regret_lines(f"per-decision check, first {args.check:,} orders of the loop", checked):
            print(line)
    collected = "; ".join(
        f"gen{g} {c:,} x, {ns / 1e6:,.0f} ms in all, longest {top / 1e6:,.1f} ms"
        for g, (c, ns, top) in sorted(result.collections.items())
    )
    print(f"garbage collections during the loop (inside the per-order times): {collected or 'none'}")
    print(f"peer: the issue's target, p99 under {P99_BUDGET_MS:g} ms per order")

    # optimality
    code = 0
    met = 0
    for k, (low, high) in enumerate(args.supply if args.sample > 0 else []):
        seed = args.seed + k
        sample = make_sample(network, args.sample, args.categories, seed, low, high)
        planned, plans = plan_sample(network, sample)
        myopic = oracle_sample(network, sample)
        regret = check_decisions(network, sample.orders, sample.stock)
        print(
            f"\nsample {k + 1} (seed {seed}): {len(sample.orders)} orders over the {sample.skus} SKUs of "
            f"{sample.categories} categories ({len(sample.items)} items), stock {low:g}-{high:g}x the sample's "
            f"demand per SKU at the SKUs' usual nodes ({len(sample.stock)} levels)"
        )
        free = solve_sample(network, sample, plans, args.time_limit, args.verbose_mip)
        items = {i for plan in plans for _, its, _ in plan for i in its}
        same = solve_sample(network, sample, plans, args.time_limit, args.verbose_mip, shipped=items)
        if free.outcome is None or same.outcome is None:
            print(f"HiGHS found no solution: {free.status} / {same.status}")
            code = 1
            continue
        free.outcome.name = "(a) MIP optimum, unmet units penalised"
        same.outcome.name = "(b) MIP optimum, the planner's items shipped"
        print(f"{'':<44}{'shipping EUR':>13}{'unmet':>7}{'objective':>13}{'splits':>8}{'shipments':>11}{'seconds':>9}")
        for outcome in (planned, myopic, free.outcome, same.outcome):
            print(outcome_row(outcome))
        print(mip_line("(a)", free))
        print(mip_line("(b)", same))
        lines, ok = verdicts(planned, free, same)
        lines.append(
            "planner vs the per-order optimum (no foresight): objective "
            f"{pct(float(planned.objective / myopic.objective - 1))}, shipping "
            f"{pct(float(planned.shipping / myopic.shipping - 1))}, split orders {planned.split_orders} vs "
            f"{myopic.split_orders}"
        )
        met += ok
        lines += regret_lines("per-decision check on the sample", regret)
        for line in lines:
            print(line)
    if args.sample > 0 and args.supply:
        print(
            "peer: the MIP optimum of the same sample and stock (HiGHS through highspy, solved in this run): (a) free, "
            f"unmet units at {PENALTY} each on both sides; (b) shipping exactly the items the planner shipped"
        )

    if args.profile:
        print(f"\ncProfile of the loop on the first {args.profile:,} orders (fresh planner and stock):")
        print(profile_loop(network, orders[: args.profile], args.top))
    return code


if __name__ == "__main__":
    sys.exit(main())
