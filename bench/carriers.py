"""Carrier rating speed: FastRater.best (cold and warm memo) against choose_service, per call and per order."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from hub.carriers import Destination, Parcel, RateCard, ShipmentRequest, choose_service, load_rate_cards
from hub.carriers.fast import FastQuote, FastRater

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"
NODES = ("DE-LEJ1", "DE-DUS1", "GB-LDS1", "GB-BHX1")
LEVELS = (None, "economy", "standard", "standard", "express")
GB_OUTWARD = (
    "M1",
    "LS1",
    "B2",
    "EC1A",
    "TR21",
    "TR1",
    "KW1",
    "KW15",
    "IV2",
    "PA20",
    "PA2",
    "PH17",
    "HS1",
    "ZE2",
    "BT7",
)
DE_ISLANDS = ("25980", "27498", "18565", "26465", "25999")
ABROAD = (("FR", "75001"), ("NL", "1011 AB"), ("AT", "1010"), ("IT", "00100"), ("ES", "35001"), ("US", "10001"))
BUDGET_MS = 2.0  # p99 per order, every candidate node, the allocation planner's budget


@dataclass(frozen=True)
class Call:
    node: str
    country: str
    postal: str | None
    weight: Decimal
    level: str | None
    prefer: str


def destination(rng: random.Random) -> tuple[str, str | None]:
    """Mostly domestic German and British addresses, some islands and Highlands, some abroad."""
    roll = rng.random()
    if roll < 0.45:
        return "DE", rng.choice(DE_ISLANDS) if rng.random() < 0.03 else f"{rng.randint(1067, 99998):05d}"
    if roll < 0.9:
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        return "GB", f"{rng.choice(GB_OUTWARD)} {rng.randint(0, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    return rng.choice(ABROAD)


def make_calls(count: int, candidates: int, seed: int) -> list[Call]:
    """Orders of one parcel, each priced at `candidates` nodes (the fixture nodes, repeated)."""
    rng = random.Random(seed)
    calls: list[Call] = []
    while len(calls) < count:
        country, postal = destination(rng)
        weight = Decimal(rng.randint(100, 35_000)) / 1000
        level, prefer = rng.choice(LEVELS), "cost" if rng.random() < 0.8 else "speed"
        calls += [Call(NODES[i % len(NODES)], country, postal, weight, level, prefer) for i in range(candidates)]
    return calls[:count]


def time_calls(calls: Sequence[Call], fn: Callable[[Call], object]) -> tuple[list[float], float]:
    """Seconds per call (each timed alone) and the wall time of the whole loop."""
    each: list[float] = []
    clock = time.perf_counter
    started = clock()
    for call in calls:
        t0 = clock()
        fn(call)
        each.append(clock() - t0)
    return each, clock() - started


def fast_call(rater: FastRater) -> Callable[[Call], FastQuote | None]:
    def run(c: Call) -> FastQuote | None:
        return rater.best(c.node, c.country, c.postal, c.weight, level=c.level, prefer=c.prefer)

    return run


def slow_call(cards: Sequence[RateCard]) -> Callable[[Call], object]:
    def run(c: Call) -> object:
        request = ShipmentRequest(
            destination=Destination(country=c.country, postal_code=c.postal), parcels=(Parcel(weight_kg=c.weight),)
        )
        return choose_service(cards, request, service_level=c.level, node=c.node, prefer=c.prefer)  # type: ignore[arg-type]

    return run


def mismatches(cards: Sequence[RateCard], rater: FastRater, calls: Sequence[Call]) -> int:
    """Calls on which FastRater and choose_service disagree (winner, exact total or transit days)."""
    slow, fast, wrong = slow_call(cards), fast_call(rater), 0
    for call in calls:
        winner, mine = slow(call).winner, fast(call)  # type: ignore[attr-defined]
        if winner is None or mine is None:
            wrong += (winner is None) != (mine is None)
            continue
        same = (winner.carrier, winner.service, winner.total.amount) == (mine.carrier, mine.service, mine.total)
        wrong += not (
            same and (winner.transit_days.min, winner.transit_days.max) == (mine.transit_min, mine.transit_max)
        )
    return wrong


def per_order(each: Sequence[float], candidates: int) -> list[float]:
    return [sum(each[i : i + candidates]) for i in range(0, len(each) - candidates + 1, candidates)]


def p99(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]


def row(name: str, each: Sequence[float], wall: float, reference: float | None) -> str:
    mean = wall / len(each)
    speedup = f"{reference / mean:>9,.0f}x" if reference else f"{'1x':>10}"
    return (
        f"{name:<34}{len(each):>8,}{mean * 1e6:>11.1f}{statistics.median(each) * 1e6:>9.1f}"
        f"{p99(each) * 1e6:>9.1f}{speedup}"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.carriers", description=__doc__)
    parser.add_argument("--calls", type=int, default=100_000, help="FastRater.best calls (default 100000)")
    parser.add_argument("--sample", type=int, default=2_000, help="choose_service calls (default 2000)")
    parser.add_argument("--candidates", type=int, default=20, help="candidate nodes per order (default 20)")
    parser.add_argument("--cards", default=str(FIXTURES), help="rate card folder (default fixtures/carriers)")
    parser.add_argument("--seed", type=int, default=11)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cards = load_rate_cards(args.cards)
    calls = make_calls(args.calls, args.candidates, args.seed)
    started = time.perf_counter()
    FastRater(cards)
    build_ms = (time.perf_counter() - started) * 1000
    print(
        f"{len(calls):,} calls = {len(calls) // args.candidates:,} one-parcel orders x {args.candidates} candidate "
        f"nodes, {sum(len(c.services) for c in cards)} services on {len(cards)} cards, {os.cpu_count()} CPUs; "
        f"FastRater built in {build_ms:.1f} ms"
    )
    slow_each, slow_wall = time_calls(calls[: args.sample], slow_call(cards))
    cold_each, cold_wall = time_calls(calls, fast_call(FastRater(cards, cache_size=0)))
    rater = FastRater(cards)
    first_each, first_wall = time_calls(calls, fast_call(rater))
    warm_each, warm_wall = time_calls(calls, fast_call(rater))
    reference = slow_wall / len(slow_each)
    print(f"\n{'per call':<34}{'calls':>8}{'mean µs':>11}{'p50 µs':>9}{'p99 µs':>9}{'speed-up':>10}")
    print(row("choose_service", slow_each, slow_wall, None))
    print(row("FastRater.best cold (no memo)", cold_each, cold_wall, reference))
    print(row("FastRater.best first pass (memo)", first_each, first_wall, reference))
    print(row("FastRater.best warm (memo full)", warm_each, warm_wall, reference))
    info = rater.cache_info()
    print(f"memo after both passes: {info.size:,} entries, {info.hits:,} hits, {info.misses:,} misses")
    print(f"\nper order ({args.candidates} candidate nodes){'p50 ms':>14}{'p99 ms':>9}{'max ms':>9}")
    for name, each in (("choose_service", slow_each), ("FastRater cold", cold_each), ("FastRater warm", warm_each)):
        orders = per_order(each, args.candidates)
        if orders:
            verdict = "within" if p99(orders) * 1000 <= BUDGET_MS else "OVER"
            print(
                f"{name:<34}{statistics.median(orders) * 1000:>9.3f}{p99(orders) * 1000:>9.3f}"
                f"{max(orders) * 1000:>9.3f}  {verdict} the {BUDGET_MS:g} ms p99 budget"
            )
    started = time.perf_counter()
    curves = [
        rater.step_costs(c.node, c.country, c.postal, level=c.level, max_weight_kg=Decimal(40)) for c in calls[:500]
    ]
    curve_ms = (time.perf_counter() - started) * 1000 / len(curves)
    points = sum(len(c) for c in curves) / len(curves)
    print(f"\nstep_costs up to 40 kg: {curve_ms:.3f} ms per (node, destination, level), {points:.1f} breakpoints")
    wrong = mismatches(cards, FastRater(cards), calls[: args.sample])
    print(f"check: {wrong} of {args.sample:,} sampled calls differ from choose_service")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
