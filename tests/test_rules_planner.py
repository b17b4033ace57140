"""The allocation planner, rule kind by rule kind, without a database: holds, priorities, routes, selection,
splits, shortage policies, exclusions, capacity, stale stock, safety stock, channel policies and holds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from hub.allocation.ledger import Level, StockView
from hub.allocation.profiles import NodeProfile, ProductInfo
from hub.carriers import load_rate_cards
from hub.carriers.fast import FastRater
from hub.model.order import Order, OrderLine
from hub.model.party import Address
from hub.rules.decision import Decision, NodeVerdict
from hub.rules.facts import order_facts
from hub.rules.loader import load_rule_set_text
from hub.rules.planner import Planner, PlanningContext, priority_of, rule_safety
from hub.rules.ruleset import BUILT_IN, RuleSet

D = Decimal
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
CARRIERS = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"


# -- helpers ---------------------------------------------------------------------------------------
def rules(body: str = "") -> RuleSet:
    """A rule set from the sections in `body` (YAML), under a fixed name and version."""
    return load_rule_set_text("rule_set: test\nversion: 7\n" + dedent(body), "test.yaml")


def order(
    *lines: tuple[str, int | str] | tuple[str, int | str, str],
    country: str = "DE",
    postal: str | None = "10115",
    channel: str = "shop",
    external_id: str = "1001",
    placed_at: datetime = NOW,
    **attributes: Any,
) -> Order:
    """An order with (sku, quantity[, unit price]) lines; keyword arguments become its attributes."""
    return Order(
        source=channel,
        external_id=external_id,
        currency="EUR",
        placed_at=placed_at,
        ship_to={"name": "Zoë", "country_code": country, "postal_code": postal},
        lines=[
            {"line_no": n, "sku": line[0], "quantity": line[1], "unit_price": line[2] if len(line) > 2 else "10.00"}
            for n, line in enumerate(lines, start=1)
        ],
        attributes=attributes,
    )


def stock(table: dict[str, dict[str, int]], *, safety: dict[tuple[str, str], int] | None = None) -> StockView:
    """A stock view from {node: {sku: on hand}} (nothing reserved; ledger safety stock per (node, sku))."""
    safety = safety or {}
    return StockView(
        Level(node, sku, D(qty), D(0), D(safety.get((node, sku), 0)))
        for node, skus in table.items()
        for sku, qty in skus.items()
    )


def nodes(*codes: str, **profiles: dict[str, Any]) -> list[NodeProfile]:
    """Node profiles with priority 1, 2, ... in the order given; extra fields per code as keyword dicts."""
    return [NodeProfile(code, priority=i, **profiles.get(code, {})) for i, code in enumerate(codes, start=1)]


def decide(
    rule_set: RuleSet,
    network: list[NodeProfile],
    view: StockView,
    the_order: Order,
    *,
    products: dict[str, ProductInfo] | None = None,
    exclude: dict[str, str] | None = None,
    skip_holds: bool = False,
    **context: Any,
) -> Decision:
    ctx = PlanningContext(rule_set=rule_set, nodes=network, now=NOW, **context)
    facts = order_facts(the_order, products or {}, default_service_level=rule_set.settings.service_level)
    return Planner(ctx).decide(facts, view, exclude=exclude, skip_holds=skip_holds)


def shipped(decision: Decision) -> dict[str, dict[str, Decimal]]:
    """{node: {sku: quantity}} of the plan."""
    out: dict[str, dict[str, Decimal]] = {}
    for shipment in decision.shipments:
        for line in shipment.lines:
            per_node = out.setdefault(shipment.node, {})
            per_node[line.sku] = per_node.get(line.sku, D(0)) + line.quantity
    return out


def backordered(decision: Decision) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for line in decision.backordered:
        out[line.sku] = out.get(line.sku, D(0)) + line.quantity
    return out


def verdict(decision: Decision, node: str) -> NodeVerdict:
    return next(v for v in decision.candidates if v.node == node)


@dataclass(frozen=True)
class Km:
    km: Decimal


class TableDistance:
    """Distances from a table: {(node, country): km} or {(node, country, postal prefix): km}, most specific wins."""

    def __init__(self, table: dict[tuple[str, ...], int | str]) -> None:
        self.table = {key: D(value) for key, value in table.items()}
        self.asked: list[tuple[str, str, str | None]] = []

    def distance_km(self, node: NodeProfile, country: str, postal_code: str | None) -> Km | None:
        self.asked.append((node.code, country, postal_code))
        for length in range(len(postal_code or ""), 0, -1):
            found = self.table.get((node.code, country, (postal_code or "")[:length]))
            if found is not None:
                return Km(found)
        found = self.table.get((node.code, country))
        return Km(found) if found is not None else None


@dataclass(frozen=True)
class Quote:
    carrier: str
    service: str
    level: str
    total: Decimal
    currency: str
    transit_min: int
    transit_max: int


class TableRater:
    """Prices per node: a fixed amount per shipment plus an amount per kg; a node absent from the table has none."""

    def __init__(self, prices: dict[str, tuple[str, str]]) -> None:
        self.prices = {node: (D(base), D(per_kg)) for node, (base, per_kg) in prices.items()}
        self.asked: list[dict[str, Any]] = []

    def best(
        self,
        node: str,
        country: str,
        postal_code: str | None,
        weight_kg: Decimal,
        *,
        level: str | None = None,
        prefer: str = "cost",
    ) -> Quote | None:
        self.asked.append({"node": node, "country": country, "weight": weight_kg, "level": level, "prefer": prefer})
        if node not in self.prices:
            return None
        base, per_kg = self.prices[node]
        return Quote("ACME", f"{node}-STD", level or "standard", base + per_kg * weight_kg, "EUR", 1, 2)


HOLDS = """
holds:
  - name: fraud-review
    when: coalesce(order.fraud_score, 0) >= 80
    reason: fraud score 80 or more
  - name: payment-pending
    when: order.payment_status == "pending"
  - name: address-check
    when: order.address_verified == false
"""


# -- holds -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("attributes", "rule", "reason", "explains"),
    [
        ({"fraud_score": 91}, "fraud-review", "fraud score 80 or more", "order.fraud_score, 0) = 91 is at least 80"),
        ({"fraud_score": "80"}, "fraud-review", "fraud score 80 or more", "= 80 is at least 80"),
        ({"payment_status": "pending"}, "payment-pending", "hold rule payment-pending matched", "'pending'"),
        ({"address_verified": "false"}, "address-check", "hold rule address-check matched", "address_verified"),
        ({"address_verified": "no"}, "address-check", "hold rule address-check matched", "= false"),
    ],
)
def test_a_matching_hold_puts_the_order_on_hold_and_explains_why(
    attributes: dict[str, Any], rule: str, reason: str, explains: str
) -> None:
    decision = decide(rules(HOLDS), nodes("BER"), stock({"BER": {"A": 5}}), order(("A", 1), **attributes))
    assert decision.status == "on_hold"
    assert decision.hold is not None
    assert (decision.hold["rule"], decision.hold["reason"]) == (rule, reason)
    assert decision.reason == f"on hold: {reason}"
    assert explains in decision.hold["explanation"]
    assert decision.hold["explanation"].startswith("[true]")
    assert decision.shipments == [] and decision.candidates == []


def test_the_first_matching_hold_wins() -> None:
    both = order(("A", 1), fraud_score=95, payment_status="pending", address_verified=False)
    decision = decide(rules(HOLDS), nodes("BER"), stock({"BER": {"A": 5}}), both)
    assert decision.hold is not None and decision.hold["rule"] == "fraud-review"
    pending_first = rules(
        """
        holds:
          - {name: payment-pending, when: 'order.payment_status == "pending"'}
          - {name: fraud-review, when: 'coalesce(order.fraud_score, 0) >= 80'}
        """
    )
    decision = decide(pending_first, nodes("BER"), stock({"BER": {"A": 5}}), both)
    assert decision.hold is not None and decision.hold["rule"] == "payment-pending"


@pytest.mark.parametrize(
    "attributes",
    [{}, {"fraud_score": 79}, {"payment_status": "paid"}, {"address_verified": True}, {"fraud_score": "n/a"}],
)
def test_no_hold_when_no_condition_holds(attributes: dict[str, Any]) -> None:
    decision = decide(rules(HOLDS), nodes("BER"), stock({"BER": {"A": 5}}), order(("A", 1), **attributes))
    assert (decision.status, decision.hold, decision.nodes) == ("allocated", None, ["BER"])


def test_skip_holds_allocates_an_order_a_person_released() -> None:
    risky = order(("A", 1), fraud_score=99)
    decision = decide(rules(HOLDS), nodes("BER"), stock({"BER": {"A": 5}}), risky, skip_holds=True)
    assert (decision.status, decision.hold, decision.nodes) == ("allocated", None, ["BER"])


def test_a_hold_that_cannot_be_evaluated_does_not_hold_and_the_next_one_is_tried() -> None:
    rule_set = rules(
        """
        holds:
          - {name: per-line, when: 'order.total / (order.line_count - 1) > 1'}
          - {name: payment-pending, when: 'order.payment_status == "pending"'}
        """
    )
    decision = decide(rule_set, nodes("BER"), stock({"BER": {"A": 5}}), order(("A", 1), payment_status="pending"))
    assert decision.hold is not None and decision.hold["rule"] == "payment-pending"
    assert any("per-line could not be evaluated: division by zero" in note for note in decision.notes)


# -- priorities ------------------------------------------------------------------------------------
PRIORITIES = """
priorities:
  - name: express-before-cutoff
    when: order.service_level == "express" and order.placed_at.hour < 14
    priority: 10
  - name: big-orders
    when: order.total >= 100.00
    priority: 5
  - name: samples-last
    when: '"sample" in order.tags'
    priority: -3
"""


@pytest.mark.parametrize(
    ("the_order", "expected"),
    [
        (order(("A", 1), service_level="express", placed_at=NOW.replace(hour=13, minute=59)), 10),
        (order(("A", 1), service_level="express", placed_at=NOW.replace(hour=14)), 0),
        (order(("A", 20), service_level="express", placed_at=NOW.replace(hour=9)), 10),  # first match wins
        (order(("A", 20), service_level="express", placed_at=NOW.replace(hour=15)), 5),
        (order(("A", 1), tags=["sample", "b2b"]), -3),
        (order(("A", 1)), 0),
    ],
)
def test_the_first_matching_priority_rule_gives_the_priority(the_order: Order, expected: int) -> None:
    rule_set = rules(PRIORITIES)
    assert priority_of(rule_set, order_facts(the_order, {})) == expected
    assert decide(rule_set, nodes("BER"), stock({"BER": {"A": 50}}), the_order).priority == expected


# -- routes ----------------------------------------------------------------------------------------
ROUTES = """
routes:
  - name: uk-from-uk
    when: order.ship_to.country_code == "GB"
    nodes: [LDS, LON, AMS]
  - name: alps-from-munich
    when: order.ship_to.country_code in ["AT", "CH"] or startswith(order.ship_to.postal_code, ["8", "9"])
    nodes: [MUC, BER]
  - name: marketplace-from-amsterdam
    when: order.channel == "amazon"
    nodes: [AMS]
  - name: everything-else
    nodes: all
"""
NETWORK = nodes("BER", "MUC", "AMS", "LDS", "LON")
FULL = stock({code: {"A": 10, "B": 10} for code in ("BER", "MUC", "AMS", "LDS", "LON")})


@pytest.mark.parametrize(
    ("the_order", "route", "node"),
    [
        (order(("A", 1), country="GB", postal="LS1 4AP"), "uk-from-uk", "LDS"),
        (order(("A", 1), country="AT", postal="1010"), "alps-from-munich", "MUC"),
        (order(("A", 1), country="DE", postal="80331"), "alps-from-munich", "MUC"),
        (order(("A", 1), country="DE", postal="94032"), "alps-from-munich", "MUC"),
        (order(("A", 1), country="DE", postal="10115"), "everything-else", "BER"),
        (order(("A", 1), country="DE", postal=None), "everything-else", "BER"),
        (order(("A", 1), country="FR", postal="75001", channel="amazon"), "marketplace-from-amsterdam", "AMS"),
        (order(("A", 1), country="GB", postal="M1 1AE", channel="amazon"), "uk-from-uk", "LDS"),  # first match
    ],
)
def test_routes_by_destination_and_channel(the_order: Order, route: str, node: str) -> None:
    decision = decide(rules(ROUTES), NETWORK, FULL, the_order)
    assert (decision.route, decision.nodes, decision.select) == (route, [node], "priority")


def test_a_route_lists_its_candidates_in_fallback_order_and_only_those() -> None:
    decision = decide(rules(ROUTES), NETWORK, FULL, order(("A", 1), country="GB", postal="LS1 4AP"))
    assert [v.node for v in decision.candidates] == ["LDS", "LON", "AMS"]
    decision = decide(rules(ROUTES), NETWORK, FULL, order(("A", 1)))
    assert [v.node for v in decision.candidates] == ["BER", "MUC", "AMS", "LDS", "LON"]  # all, by node priority


def test_ranked_fallback_takes_the_next_node_when_the_first_lacks_stock() -> None:
    view = stock({"LDS": {"A": 1, "B": 5}, "LON": {"A": 3}, "AMS": {"A": 9, "B": 9}, "BER": {"A": 99, "B": 99}})
    decision = decide(rules(ROUTES), NETWORK, view, order(("A", 2), ("B", 1), country="GB", postal="LS1 4AP"))
    assert shipped(decision) == {"AMS": {"A": 2, "B": 1}}
    assert verdict(decision, "LDS").short == {"A": 1}
    assert verdict(decision, "LON").short == {"B": 1}
    assert (verdict(decision, "AMS").complete, verdict(decision, "LDS").complete) == (True, False)
    assert decision.reason.startswith("AMS (priority 3) the first node in fallback order with every line in stock")
    assert "BER" not in [v.node for v in decision.candidates]  # not on the route, never considered


def test_a_route_naming_an_unknown_node_skips_it_with_a_note() -> None:
    rule_set = rules("routes:\n  - {name: via-ghost, nodes: [GHOST, BER]}\n")
    decision = decide(rule_set, nodes("BER"), stock({"BER": {"A": 1}}), order(("A", 1)))
    assert decision.nodes == ["BER"]
    assert decision.notes == ["route via-ghost names node GHOST, which is unknown or disabled"]


def test_without_a_matching_route_every_node_is_a_candidate_by_priority() -> None:
    rule_set = rules("routes:\n  - {name: uk, when: 'order.ship_to.country_code == \"GB\"', nodes: [LDS]}\n")
    network = [NodeProfile("ZZZ", priority=1), NodeProfile("AAA", priority=2), NodeProfile("BBB", priority=2)]
    view = stock({"ZZZ": {"A": 1}, "AAA": {"A": 5}, "BBB": {"A": 5}})
    decision = decide(rule_set, network, view, order(("A", 2)))
    assert decision.route is None
    assert [v.node for v in decision.candidates] == ["ZZZ", "AAA", "BBB"]  # priority, then code
    assert decision.nodes == ["AAA"]


def test_a_route_that_cannot_be_evaluated_does_not_match_and_the_next_route_is_tried() -> None:
    rule_set = rules(
        """
        routes:
          - {name: broken, when: 'order.total / (order.line_count - 1) > 1', nodes: [BER]}
          - {name: germany, when: 'order.ship_to.country_code == "DE"', nodes: [AMS]}
        """
    )
    decision = decide(rule_set, nodes("BER", "AMS"), stock({"BER": {"A": 5}, "AMS": {"A": 5}}), order(("A", 1)))
    assert (decision.route, decision.nodes) == ("germany", ["AMS"])
    assert len(decision.notes) == 1 and decision.notes[0].startswith("routes rule broken could not be evaluated")


# -- nearest ---------------------------------------------------------------------------------------
NEAREST = """
settings: {select: nearest}
"""
KM = TableDistance(
    {
        ("BER", "DE"): 300,
        ("BER", "DE", "1"): 10,
        ("BER", "DE", "8"): 500,
        ("MUC", "DE"): 400,
        ("MUC", "DE", "8"): 5,
        ("MUC", "DE", "1"): 510,
        ("HAM", "DE"): 280,
        ("HAM", "DE", "8"): 610,
        ("HAM", "DE", "1"): 255,
    }
)


def test_nearest_picks_the_closest_node_with_every_line() -> None:
    view = stock({"BER": {"A": 5}, "MUC": {"A": 5}, "HAM": {"A": 5}})
    decision = decide(rules(NEAREST), nodes("HAM", "BER", "MUC"), view, order(("A", 1), postal="80331"), distance=KM)
    assert decision.nodes == ["MUC"]
    assert decision.shipments[0].distance_km == 5
    assert decision.reason == "MUC is the nearest node with every line (5 km); 3 node(s) could ship it whole"
    assert [(v.node, v.distance_km) for v in decision.candidates] == [("HAM", 610), ("BER", 500), ("MUC", 5)]


def test_nearest_falls_back_to_the_next_nearest_when_the_nearest_lacks_stock() -> None:
    view = stock({"BER": {"A": 5}, "MUC": {"A": 1}, "HAM": {"A": 5}})
    decision = decide(rules(NEAREST), nodes("HAM", "BER", "MUC"), view, order(("A", 2), postal="80331"), distance=KM)
    assert decision.nodes == ["BER"]  # 500 km beats HAM's 610 although HAM has the better priority
    assert verdict(decision, "MUC").short == {"A": 1}


def test_a_route_can_select_nearest_over_the_settings() -> None:
    rule_set = rules("settings: {select: priority}\nroutes:\n  - {name: de, nodes: all, select: nearest}\n")
    view = stock({"BER": {"A": 5}, "MUC": {"A": 5}, "HAM": {"A": 5}})
    decision = decide(rule_set, nodes("MUC", "BER", "HAM"), view, order(("A", 1), postal="20095"), distance=KM)
    assert (decision.select, decision.nodes) == ("nearest", ["HAM"])


def test_a_node_of_unknown_distance_is_ranked_after_every_known_one() -> None:
    view = stock({"XXX": {"A": 5}, "MUC": {"A": 5}})
    decision = decide(rules(NEAREST), nodes("XXX", "MUC"), view, order(("A", 1), postal="10115"), distance=KM)
    assert decision.nodes == ["MUC"]
    assert verdict(decision, "XXX").distance_km is None


# -- cost ------------------------------------------------------------------------------------------
COST = """
settings: {select: cost, split: allow}
"""


def test_cost_picks_the_cheapest_node_and_prices_each_shipment() -> None:
    rater = TableRater({"BER": ("6.00", "1.00"), "MUC": ("4.00", "1.50"), "HAM": ("9.00", "0")})
    view = stock({"BER": {"A": 5}, "MUC": {"A": 5}, "HAM": {"A": 5}})
    products = {"A": ProductInfo("A", weight_kg=D("2"))}
    decision = decide(rules(COST), nodes("BER", "MUC", "HAM"), view, order(("A", 2)), products=products, rater=rater)
    # 4 kg: BER 10.00, MUC 10.00, HAM 9.00
    assert decision.nodes == ["HAM"]
    assert [(v.node, v.cost) for v in decision.candidates] == [("BER", D(10)), ("MUC", D(10)), ("HAM", D(9))]
    shipment = decision.shipments[0]
    assert (shipment.carrier, shipment.service, shipment.cost, shipment.weight_kg) == ("ACME", "HAM-STD", D(9), D(4))
    assert (decision.cost, decision.currency) == (D(9), "EUR")
    assert decision.reason == "HAM is the cheapest node to ship from (9); 3 node(s) could ship it whole"
    assert {a["level"] for a in rater.asked} == {"standard"}  # the settings' service level: the order names none


def test_cost_ties_are_broken_by_distance_then_fallback_order() -> None:
    rater = TableRater({"BER": ("5.00", "0"), "MUC": ("5.00", "0"), "HAM": ("5.00", "0")})
    view = stock({"BER": {"A": 5}, "MUC": {"A": 5}, "HAM": {"A": 5}})
    decision = decide(
        rules(COST), nodes("BER", "MUC", "HAM"), view, order(("A", 1), postal="80331"), rater=rater, distance=KM
    )
    assert decision.nodes == ["MUC"]
    decision = decide(rules(COST), nodes("BER", "MUC", "HAM"), view, order(("A", 1)), rater=rater)
    assert decision.nodes == ["BER"]


def test_cost_split_takes_the_cheapest_pair_not_the_best_ranked_one() -> None:
    # A is at BER and MUC, B only at HAM: pairs (BER, HAM) and (MUC, HAM); MUC ships A cheaper
    rater = TableRater({"BER": ("8.00", "0"), "MUC": ("3.00", "0"), "HAM": ("5.00", "0")})
    view = stock({"BER": {"A": 5}, "MUC": {"A": 5}, "HAM": {"B": 5}})
    decision = decide(rules(COST), nodes("BER", "MUC", "HAM"), view, order(("A", 1), ("B", 1)), rater=rater)
    assert shipped(decision) == {"MUC": {"A": 1}, "HAM": {"B": 1}}
    assert decision.cost == D(8)
    priority = rules("settings: {select: priority, split: allow}\n")
    decision = decide(priority, nodes("BER", "MUC", "HAM"), view, order(("A", 1), ("B", 1)), rater=rater)
    assert shipped(decision) == {"BER": {"A": 1}, "HAM": {"B": 1}}


def test_cost_with_the_real_rate_cards() -> None:
    """Kranich prices DE-LEJ1 and DE-DUS1 alike at standard level; only LEJ has an express service."""
    rater = FastRater(load_rate_cards(CARRIERS))
    network = nodes("DE-DUS1", "DE-LEJ1")
    view = stock({"DE-DUS1": {"P": 5}, "DE-LEJ1": {"P": 5}})
    products = {"P": ProductInfo("P", weight_kg=D("3.2"))}
    standard = decide(rules(COST), network, view, order(("P", 1)), products=products, rater=rater)
    assert standard.nodes == ["DE-DUS1"]  # same price: fallback order
    shipment = standard.shipments[0]
    assert (shipment.carrier, shipment.service, shipment.cost, shipment.currency) == (
        "KRANICH",
        "KP-STD",
        D("7.20"),
        "EUR",
    )
    assert shipment.transit_days == (1, 2)
    express = decide(
        rules(COST), network, view, order(("P", 1), service_level="express"), products=products, rater=rater
    )
    assert express.nodes == ["DE-LEJ1"]
    assert (express.shipments[0].service, verdict(express, "DE-DUS1").cost) == ("KP-EXP", None)


def test_an_unknown_weight_is_priced_at_one_kg_per_unit_with_a_note() -> None:
    rater = TableRater({"BER": ("1.00", "1.00")})
    decision = decide(rules(COST), nodes("BER"), stock({"BER": {"A": 5}}), order(("A", 3)), rater=rater)
    assert decision.shipments[0].weight_kg == 3 and decision.cost == 4
    assert decision.notes == ["weight unknown for some SKUs: 1 kg per unit assumed"]


# -- splits ----------------------------------------------------------------------------------------
SPLIT = """
settings: {split: allow, max_shipments: 3}
"""


def test_a_two_node_cover_is_preferred_to_three() -> None:
    """X has 4 of the 6 SKUs (a greedy cover starts there and needs 3 shipments); Y and Z cover all 6 together."""
    view = stock(
        {
            "X": {"S1": 1, "S2": 1, "S3": 1, "S4": 1},
            "Y": {"S1": 1, "S2": 1, "S5": 1},
            "Z": {"S3": 1, "S4": 1, "S6": 1},
        }
    )
    the_order = order(*[(f"S{i}", 1) for i in range(1, 7)])
    decision = decide(rules(SPLIT), nodes("X", "Y", "Z"), view, the_order)
    assert shipped(decision) == {"Y": {"S1": 1, "S2": 1, "S5": 1}, "Z": {"S3": 1, "S4": 1, "S6": 1}}
    assert decision.reason == "no single node has every line: split into 2 shipments (Y, Z)"
    assert decision.as_dict()["plan"]["split"] is True


def test_three_shipments_when_no_pair_covers_and_the_limit_allows() -> None:
    view = stock({"X": {"A": 1}, "Y": {"B": 1}, "Z": {"C": 1}})
    the_order = order(("A", 1, "30.00"), ("B", 1, "20.00"), ("C", 1, "10.00"))
    decision = decide(rules(SPLIT), nodes("Z", "Y", "X"), view, the_order)
    assert decision.nodes == ["X", "Y", "Z"]  # the greedy cover takes the most value first
    at_most_two = rules("settings: {split: allow, max_shipments: 2}\n")
    decision = decide(at_most_two, nodes("Z", "Y", "X"), view, the_order)
    assert (decision.status, decision.shipments, backordered(decision)) == ("backordered", [], {"A": 1, "B": 1, "C": 1})


def test_split_forbidden_backorders_what_no_single_node_has() -> None:
    view = stock({"X": {"A": 1}, "Y": {"B": 1}})
    decision = decide(rules("settings: {split: forbid}\n"), nodes("X", "Y"), view, order(("A", 1), ("B", 1)))
    assert (decision.status, decision.shipments) == ("backordered", [])
    assert backordered(decision) == {"A": 1, "B": 1}
    assert decision.reason == "no single node has every line in stock (short: A, B): backordered (policy backorder)"
    assert BUILT_IN.settings.split == "forbid"  # the built-in default does not split either
    assert decide(BUILT_IN, nodes("X", "Y"), view, order(("A", 1), ("B", 1))).status == "backordered"


def test_the_minimum_shipment_value_blocks_a_low_value_shipment() -> None:
    view = stock({"X": {"A": 1}, "Y": {"B": 1}})
    the_order = order(("A", 1, "50.00"), ("B", 1, "5.00"))
    blocked = rules("settings: {split: allow, min_shipment_value: 15.00}\n")
    decision = decide(blocked, nodes("X", "Y"), view, the_order)
    assert (decision.status, backordered(decision)) == ("backordered", {"A": 1, "B": 1})
    assert decision.reason.startswith("no combination of nodes has every line in stock")
    allowed = rules("settings: {split: allow, min_shipment_value: 5.00}\n")
    assert shipped(decide(allowed, nodes("X", "Y"), view, the_order)) == {"X": {"A": 1}, "Y": {"B": 1}}


def test_the_minimum_shipment_value_lets_the_second_node_take_a_shared_line() -> None:
    """A only at X, C only at Y, B at both: X ships A and Y ships B and C, so each shipment is worth 15 or more."""
    view = stock({"X": {"A": 1, "B": 1}, "Y": {"B": 1, "C": 1}})
    the_order = order(("A", 1, "30.00"), ("B", 1, "10.00"), ("C", 1, "10.00"))
    rule_set = rules("settings: {split: allow, min_shipment_value: 15.00}\n")
    decision = decide(rule_set, nodes("X", "Y"), view, the_order)
    assert shipped(decision) == {"X": {"A": 1}, "Y": {"B": 1, "C": 1}}
    # without a minimum the shared line stays with the better ranked node
    decision = decide(rules("settings: {split: allow}\n"), nodes("X", "Y"), view, the_order)
    assert shipped(decision) == {"X": {"A": 1, "B": 1}, "Y": {"C": 1}}


def test_split_lines_divides_one_line_between_nodes() -> None:
    view = stock({"X": {"A": 6}, "Y": {"A": 4}})
    whole_lines = rules("settings: {split: allow}\n")
    assert decide(whole_lines, nodes("X", "Y"), view, order(("A", 10))).status == "backordered"
    divided = rules("settings: {split: allow, split_lines: true}\n")
    decision = decide(divided, nodes("X", "Y"), view, order(("A", 10)))
    assert shipped(decision) == {"X": {"A": 6}, "Y": {"A": 4}}
    assert [[(ln.line_no, ln.quantity) for ln in s.lines] for s in decision.shipments] == [[(1, 6)], [(1, 4)]]


def test_lines_of_the_same_sku_are_planned_together() -> None:
    view = stock({"X": {"A": 2}, "Y": {"A": 3}})
    decision = decide(BUILT_IN, nodes("X", "Y"), view, order(("A", 1), ("A", 2)))
    assert shipped(decision) == {"Y": {"A": 3}}
    assert [(ln.line_no, ln.quantity) for ln in decision.shipments[0].lines] == [(1, 1), (2, 2)]


# -- shortage --------------------------------------------------------------------------------------
def test_on_shortage_ship_partial_ships_what_one_node_has_and_backorders_the_rest() -> None:
    view = stock({"X": {"A": 5, "B": 1}, "Y": {"C": 5}})
    rule_set = rules("settings: {split: forbid, on_shortage: ship_partial}\n")
    decision = decide(rule_set, nodes("X", "Y"), view, order(("A", 2), ("B", 3), ("C", 1)))
    assert decision.status == "allocated" and decision.partial
    assert shipped(decision) == {"X": {"A": 2}}
    assert backordered(decision) == {"B": 3, "C": 1}
    assert decision.reason.endswith("shipping what is there, the rest is backordered (policy ship_partial)")


def test_ship_partial_with_split_allowed_uses_several_nodes_and_divides_lines_if_allowed() -> None:
    view = stock({"X": {"A": 5, "B": 1}, "Y": {"C": 5, "B": 1}})
    rule_set = rules("settings: {split: allow, split_lines: true, on_shortage: ship_partial}\n")
    decision = decide(rule_set, nodes("X", "Y"), view, order(("A", 2), ("B", 3), ("C", 1)))
    assert shipped(decision) == {"X": {"A": 2, "B": 1}, "Y": {"B": 1, "C": 1}}
    assert backordered(decision) == {"B": 1}


def test_ship_partial_with_nothing_in_stock_backorders() -> None:
    rule_set = rules("settings: {on_shortage: ship_partial}\n")
    decision = decide(rule_set, nodes("X"), stock({"X": {"A": 0}}), order(("A", 2)))
    assert (decision.status, backordered(decision)) == ("backordered", {"A": 2})
    assert decision.reason.endswith("backordered (policy ship_partial)")


def test_on_shortage_hold_puts_the_order_on_hold() -> None:
    rule_set = rules("settings: {on_shortage: hold}\n")
    decision = decide(rule_set, nodes("X"), stock({"X": {"A": 1}}), order(("A", 2)))
    assert (decision.status, decision.shipments) == ("on_hold", [])
    assert decision.hold == {"rule": "on_shortage", "reason": "no single node has every line in stock (short: A)"}


# -- exclusions ------------------------------------------------------------------------------------
EXCLUSIONS = """
settings: {split: allow}
exclusions:
  - name: no-hazmat-at-3pl
    scope: line
    when: line.product.hazmat and not coalesce(node.flags.hazmat, false)
    reason: hazmat goods need a certified node
  - name: fragile-needs-care
    scope: line
    when: line.product.fragile and coalesce(node.flags.rough_handling, false)
  - name: oversize-needs-big-doors
    scope: line
    when: line.product.oversize and coalesce(node.attributes.doors, "small") == "small"
  - name: closed-nodes
    scope: order
    when: coalesce(node.flags.closed, false)
    reason: the node is closed
  - name: no-far-nodes-for-express
    scope: order
    when: order.service_level == "express" and node.distance_km > 600
"""
PRODUCTS = {
    "ACID": ProductInfo("ACID", attributes={"hazmat": True}),
    "VASE": ProductInfo("VASE", attributes={"fragile": "true"}),
    "SOFA": ProductInfo("SOFA", attributes={"oversize": True}),
    "SOCK": ProductInfo("SOCK", attributes={"hazmat": False, "colour": "red"}),
}


def test_a_line_scope_exclusion_rules_a_node_out_for_that_line_only() -> None:
    network = nodes("TPL", "CERT", CERT={"attributes": {"hazmat": True}})
    view = stock({"TPL": {"ACID": 5, "SOCK": 5}, "CERT": {"ACID": 5}})
    decision = decide(rules(EXCLUSIONS), network, view, order(("ACID", 1), ("SOCK", 2)), products=PRODUCTS)
    assert shipped(decision) == {"CERT": {"ACID": 1}, "TPL": {"SOCK": 2}}
    tpl = verdict(decision, "TPL")
    assert tpl.included and tpl.excluded_lines == {"ACID": "no-hazmat-at-3pl: hazmat goods need a certified node"}
    assert verdict(decision, "CERT").excluded_lines == {}


@pytest.mark.parametrize(
    ("sku", "profile", "excluded_by"),
    [
        ("VASE", {"attributes": {"rough_handling": True}}, "fragile-needs-care: line-scope exclusion matched"),
        ("VASE", {"attributes": {"rough_handling": "false"}}, None),
        ("SOFA", {"attributes": {}}, "oversize-needs-big-doors: line-scope exclusion matched"),
        ("SOFA", {"attributes": {"doors": "large"}}, None),
        ("SOCK", {"attributes": {"rough_handling": True}}, None),
    ],
)
def test_product_attributes_and_node_attributes_in_line_exclusions(
    sku: str, profile: dict[str, Any], excluded_by: str | None
) -> None:
    decision = decide(
        rules(EXCLUSIONS), nodes("N", N=profile), stock({"N": {sku: 5}}), order((sku, 1)), products=PRODUCTS
    )
    if excluded_by is None:
        assert decision.nodes == ["N"]
    else:
        assert decision.status == "backordered"
        assert verdict(decision, "N").excluded_lines == {sku: excluded_by}


def test_an_order_scope_exclusion_rules_the_node_out_with_its_rule_and_reason() -> None:
    network = nodes("BER", "MUC", BER={"attributes": {"closed": True}})
    decision = decide(rules(EXCLUSIONS), network, stock({"BER": {"A": 5}, "MUC": {"A": 5}}), order(("A", 1)))
    assert decision.nodes == ["MUC"]
    ber = verdict(decision, "BER")
    assert (ber.included, ber.rule, ber.reason) == (False, "closed-nodes", "the node is closed")
    assert ber.as_dict() == {"node": "BER", "included": False, "rule": "closed-nodes", "reason": "the node is closed"}


def test_an_order_scope_exclusion_without_a_reason_is_explained_by_its_condition() -> None:
    view = stock({"HAM": {"A": 5}, "MUC": {"A": 5}})
    express = order(("A", 1), postal="80331", service_level="express")
    decision = decide(rules(EXCLUSIONS), nodes("HAM", "MUC"), view, express, distance=KM)
    assert decision.nodes == ["MUC"]
    ham = verdict(decision, "HAM")
    assert ham.rule == "no-far-nodes-for-express"
    assert ham.reason is not None and "node.distance_km = 610 is above 600" in ham.reason
    standard = decide(rules(EXCLUSIONS), nodes("HAM", "MUC"), view, order(("A", 1), postal="80331"), distance=KM)
    assert standard.nodes == ["HAM"]


def test_a_line_exclusion_reading_the_quantity_is_decided_per_order() -> None:
    """The planner remembers line-rule answers per SKU and node only for rules that read nothing else."""
    rule_set = rules(
        """
        exclusions:
          - {name: bulk-not-at-ber, scope: line, when: 'node.code == "BER" and line.quantity > 5'}
        """
    )
    ctx = PlanningContext(rule_set=rule_set, nodes=nodes("BER", "AMS"), now=NOW)
    planner = Planner(ctx)
    view = stock({"BER": {"A": 50}, "AMS": {"A": 50}})
    assert planner.decide(order_facts(order(("A", 10)), {}), view).nodes == ["AMS"]
    assert planner.decide(order_facts(order(("A", 1)), {}), view).nodes == ["BER"]
    assert planner.decide(order_facts(order(("A", 6)), {}), view).nodes == ["AMS"]


def test_a_line_exclusion_reading_only_the_product_and_node_is_remembered_and_still_right() -> None:
    rule_set = rules(EXCLUSIONS)
    ctx = PlanningContext(rule_set=rule_set, nodes=nodes("TPL"), now=NOW)
    planner = Planner(ctx)
    view = stock({"TPL": {"ACID": 50, "SOCK": 50}})
    for _ in range(2):
        assert planner.decide(order_facts(order(("ACID", 1)), PRODUCTS), view).status == "backordered"
        assert planner.decide(order_facts(order(("SOCK", 1)), PRODUCTS), view).nodes == ["TPL"]


def test_an_exclusion_that_cannot_be_evaluated_excludes_with_a_note() -> None:
    rule_set = rules("exclusions:\n  - {name: odd, when: 'order.total / (node.priority - 1) < 0'}\n")
    decision = decide(rule_set, nodes("BER", "AMS"), stock({"BER": {"A": 5}, "AMS": {"A": 5}}), order(("A", 1)))
    assert decision.nodes == ["AMS"]
    ber = verdict(decision, "BER")
    assert ber.rule == "odd"
    assert ber.reason is not None and ber.reason.startswith("odd could not be evaluated: division by zero")
    assert decision.notes[0].startswith("exclusion odd could not be evaluated")


# -- capacity, stale stock -------------------------------------------------------------------------
def test_a_node_that_reached_its_capacity_for_the_day_is_excluded() -> None:
    network = nodes("BER", "AMS", BER={"capacity_per_day": 3}, AMS={"capacity_per_day": 3})
    view = stock({"BER": {"A": 5}, "AMS": {"A": 5}})
    decision = decide(BUILT_IN, network, view, order(("A", 1)), load={"BER": 3, "AMS": 2})
    assert decision.nodes == ["AMS"]  # load 2 of 3: still open
    ber = verdict(decision, "BER")
    assert (ber.included, ber.rule, ber.reason) == (False, "capacity", "3 orders today reach its capacity of 3")
    assert decide(BUILT_IN, network, view, order(("A", 1)), load={"BER": 2}).nodes == ["BER"]
    unlimited = nodes("BER")
    assert decide(BUILT_IN, unlimited, view, order(("A", 1)), load={"BER": 10_000}).nodes == ["BER"]


def test_a_node_whose_stock_is_stale_or_never_confirmed_is_excluded() -> None:
    rule_set = rules("settings: {stale_stock_minutes: 240}\n")
    network = nodes(
        "OLD",
        "NEVER",
        "EDGE",
        OLD={"stock_as_of": NOW - timedelta(minutes=241)},
        EDGE={"stock_as_of": NOW - timedelta(minutes=240)},
    )
    view = stock({"OLD": {"A": 5}, "NEVER": {"A": 5}, "EDGE": {"A": 5}})
    decision = decide(rule_set, network, view, order(("A", 1)))
    assert decision.nodes == ["EDGE"]
    old, never = verdict(decision, "OLD"), verdict(decision, "NEVER")
    assert (old.rule, old.reason) == ("stale_stock", "stock last confirmed 241 min ago, more than 240 min")
    assert (never.rule, never.reason) == ("stale_stock", "stock was never confirmed by a snapshot or movement")
    assert decide(BUILT_IN, network, view, order(("A", 1))).nodes == ["OLD"]  # no freshness rule: all count


# -- availability: safety stock, channel holds -----------------------------------------------------
SAFETY = """
safety_stock:
  - {nodes: [AMS], quantity: 2}
  - {nodes: "*", sku_prefix: "GIFT-", quantity: 5}
  - {nodes: [BER], skus: [SKU-1], quantity: 10}
  - {nodes: [BER], quantity: 3}
"""


@pytest.mark.parametrize(
    ("node", "sku", "expected"),
    [
        ("AMS", "SKU-1", 2),
        ("AMS", "GIFT-1", 2),  # a node list beats a SKU selector on every node
        ("MUC", "GIFT-1", 5),
        ("MUC", "SKU-1", 0),
        ("BER", "SKU-1", 10),  # node and SKU: the most specific
        ("BER", "SKU-2", 3),
        ("BER", "GIFT-1", 3),
    ],
)
def test_the_most_specific_safety_stock_rule_wins(node: str, sku: str, expected: int) -> None:
    assert rule_safety(rules(SAFETY).safety_stock, node, sku) == expected


def test_rule_safety_stock_is_held_back_on_top_of_the_ledgers() -> None:
    view = stock({"BER": {"SKU-1": 12}, "AMS": {"SKU-1": 3}}, safety={("BER", "SKU-1"): 1})
    decision = decide(rules(SAFETY), nodes("BER", "AMS"), view, order(("SKU-1", 2)))
    assert decision.status == "backordered"
    assert verdict(decision, "BER").short == {"SKU-1": 1}  # 12 - 1 ledger - 10 rule = 1 of 2
    assert verdict(decision, "AMS").short == {"SKU-1": 1}  # 3 - 2 rule = 1 of 2
    assert decide(rules(SAFETY), nodes("BER", "AMS"), view, order(("SKU-1", 1))).nodes == ["BER"]


def test_other_channels_holds_are_not_available_to_an_order() -> None:
    view = StockView(
        [Level("BER", "A", D(10), D(1), D(1), holds={"amazon": D(6)}), Level("AMS", "A", D(5), D(0), D(0))]
    )
    shop = decide(BUILT_IN, nodes("BER", "AMS"), view, order(("A", 3), channel="shop"))
    assert shop.nodes == ["AMS"]  # 10 - 1 reserved - 1 safety - 6 held for amazon = 2
    assert verdict(shop, "BER").short == {"A": 1}
    amazon = decide(BUILT_IN, nodes("BER", "AMS"), view, order(("A", 8), channel="amazon"))
    assert amazon.nodes == ["BER"]  # its own hold is available to it


# -- policies --------------------------------------------------------------------------------------
POLICIES = """
settings: {split: allow, on_shortage: backorder, min_shipment_value: 0}
policies:
  - name: amazon-ships-whole
    when: order.channel == "amazon"
    split: forbid
    on_shortage: ship_partial
  - name: b2b-edi-waits
    when: startswith(order.channel, "edi")
    on_shortage: hold
  - name: never-matches-after
    when: order.channel == "amazon"
    split: allow
"""


@pytest.mark.parametrize(
    ("channel", "policy", "shipments", "backorder", "status"),
    [
        ("webshop", None, {"X": {"A": 1}, "Y": {"B": 1}}, {}, "allocated"),
        ("amazon", "amazon-ships-whole", {"X": {"A": 1}}, {"B": 1}, "allocated"),
        ("edi-acme", "b2b-edi-waits", {"X": {"A": 1}, "Y": {"B": 1}}, {}, "allocated"),
    ],
)
def test_the_first_matching_policy_overrides_the_settings(
    channel: str, policy: str | None, shipments: dict[str, Any], backorder: dict[str, int], status: str
) -> None:
    view = stock({"X": {"A": 1}, "Y": {"B": 1}})
    decision = decide(rules(POLICIES), nodes("X", "Y"), view, order(("A", 1, "20.00"), ("B", 1), channel=channel))
    assert (decision.policy, decision.status, shipped(decision), backordered(decision)) == (
        policy,
        status,
        shipments,
        backorder,
    )
    assert decision.settings["split"] == ("forbid" if channel == "amazon" else "allow")


def test_a_policy_keeps_the_settings_it_does_not_name() -> None:
    decision = decide(rules(POLICIES), nodes("X"), stock({"X": {"A": 0}}), order(("A", 1), channel="edi-acme"))
    assert decision.status == "on_hold"
    assert decision.settings == {
        "split": "allow",
        "max_shipments": 3,
        "split_lines": False,
        "split_when_cheaper": False,
        "min_shipment_value": "0",
        "on_shortage": "hold",
        "select": "priority",
        "carrier_preference": "cost",
        "service_level": "standard",
    }


# -- reallocation ----------------------------------------------------------------------------------
def test_exclude_avoids_a_node_that_rejected_the_order() -> None:
    view = stock({"BER": {"A": 5}, "AMS": {"A": 5}})
    decision = decide(BUILT_IN, nodes("BER", "AMS"), view, order(("A", 1)), exclude={"BER": "short pick at BER"})
    assert decision.nodes == ["AMS"]
    ber = verdict(decision, "BER")
    assert (ber.included, ber.rule, ber.reason) == (False, "reallocation", "short pick at BER")
    everything = {"BER": "rejected", "AMS": "rejected"}
    decision = decide(BUILT_IN, nodes("BER", "AMS"), view, order(("A", 1)), exclude=everything)
    assert decision.status == "backordered"
    assert decision.reason.startswith("no candidate node is left after the rules' exclusions")


# -- the record ------------------------------------------------------------------------------------
def test_the_decision_as_dict_is_json_and_shows_every_candidate_and_the_plan() -> None:
    rule_set = rules(EXCLUSIONS + "\n" + "routes:\n  - {name: all-nodes, nodes: all}\n")
    network = nodes(
        "TPL", "CLOSED", "CERT", CLOSED={"attributes": {"closed": True}}, CERT={"attributes": {"hazmat": True}}
    )
    view = stock({"TPL": {"ACID": 5, "SOCK": 1}, "CLOSED": {"ACID": 5, "SOCK": 5}, "CERT": {"ACID": 5}})
    rater = TableRater({"TPL": ("4.95", "0"), "CERT": ("7.50", "0")})
    decision = decide(rule_set, network, view, order(("ACID", 1), ("SOCK", 2)), products=PRODUCTS, rater=rater)
    data = json.loads(json.dumps(decision.as_dict()))
    assert (data["status"], data["rule_set"], data["rule_set_version"], data["route"]) == (
        "backordered",
        "test v7",
        7,
        "all-nodes",
    )
    assert data["candidates"] == [
        {
            "node": "TPL",
            "included": True,
            "complete": False,
            "short": {"SOCK": "1"},
            "excluded_lines": {"ACID": "no-hazmat-at-3pl: hazmat goods need a certified node"},
        },
        {"node": "CLOSED", "included": False, "rule": "closed-nodes", "reason": "the node is closed"},
        {"node": "CERT", "included": True, "complete": False, "short": {"SOCK": "2"}},
    ]
    # SOCK x2 is nowhere: the split (CERT for ACID) is short, so the order is backordered
    assert data["plan"] == {
        "shipments": [],
        "backordered": [
            {"line_no": 1, "sku": "ACID", "quantity": "1"},
            {"line_no": 2, "sku": "SOCK", "quantity": "2"},
        ],
        "cost": None,
        "currency": None,
        "split": False,
    }
    view = stock({"TPL": {"ACID": 5, "SOCK": 2}, "CERT": {"ACID": 5}})
    decision = decide(rule_set, network, view, order(("ACID", 1), ("SOCK", 2)), products=PRODUCTS, rater=rater)
    plan = json.loads(json.dumps(decision.as_dict()))["plan"]
    assert [(s["node"], s["carrier"]["service"], s["carrier"]["cost"]) for s in plan["shipments"]] == [
        ("TPL", "TPL-STD", "4.95"),
        ("CERT", "CERT-STD", "7.5"),  # decimal_str drops trailing zeros
    ]
    assert (plan["cost"], plan["currency"], plan["split"]) == ("12.45", "EUR", True)


def test_costs_in_two_currencies_are_compared_through_the_rule_sets_exchange_rates() -> None:
    """A GBP and a EUR service at one node: without rates no price (noted, not a crash); with rates, the cheaper."""
    from hub.carriers import parse_rate_card

    def card(code: str, currency: str, price: str) -> object:
        return parse_rate_card(
            {
                "carrier": {"code": code, "name": code},
                "currency": currency,
                "zones": [{"zone": "DE", "country": "DE"}],
                "services": [
                    {
                        "code": f"{code}-STD",
                        "name": "standard",
                        "level": "standard",
                        "nodes": {"*": {"cutoff": "15:00", "pickup_days": ["mon", "tue", "wed", "thu", "fri"]}},
                        "transit_days": {"DE": [1, 2]},
                        "rates": {"DE": {"bands": [{"up_to_kg": 30, "price": price}]}},
                    }
                ],
            },
            f"{code}.yaml",
        )

    rater = FastRater([card("EURO", "EUR", "6.00"), card("POUND", "GBP", "5.50")])
    base = "rule_set: fx\nversion: 1\nsettings: {select: cost}\n"
    order = Order(
        source="shop",
        external_id="FX-1",
        currency="EUR",
        ship_to=Address(name="x", country_code="DE", postal_code="10115"),
        lines=[OrderLine(line_no=1, sku="A", quantity=Decimal(1), unit_price=Decimal(10))],
    )
    view = StockView([Level("BER", "A", Decimal(5), Decimal(0), Decimal(0))])
    nodes = [NodeProfile("BER", 1)]
    now = datetime(2026, 12, 1, 10, tzinfo=UTC)

    without = Planner(PlanningContext(load_rule_set_text(base), nodes, now, rater=rater)).decide(
        order_facts(order, {}), view
    )
    assert without.status == "allocated" and without.shipments[0].carrier is None
    assert any("several currencies" in n or "fx" in n for n in without.notes), without.notes

    rates = base + "exchange_rates: {EUR: 1, GBP: 1.20}\n"  # 5.50 GBP = 6.60 EUR: the EUR service is cheaper
    with_fx = Planner(PlanningContext(load_rule_set_text(rates), nodes, now, rater=rater)).decide(
        order_facts(order, {}), view
    )
    assert (with_fx.shipments[0].carrier, with_fx.shipments[0].cost) == ("EURO", Decimal("6.00"))


def test_split_when_cheaper_splits_a_complete_order_only_if_it_saves() -> None:
    # FAR has everything but costs 10 a shipment; NEAR1 has A, NEAR2 has B, at 3 and 4 a shipment
    view = stock({"FAR": {"A": 5, "B": 5}, "NEAR1": {"A": 5}, "NEAR2": {"B": 5}})
    network = nodes("FAR", "NEAR1", "NEAR2")
    the_order = order(("A", 1), ("B", 1))
    cheap = TableRater({"FAR": ("10.00", "0"), "NEAR1": ("3.00", "0"), "NEAR2": ("4.00", "0")})
    whole = decide(rules("settings: {select: cost, split: allow}\n"), network, view, the_order, rater=cheap)
    assert shipped(whole) == {"FAR": {"A": 1, "B": 1}} and whole.cost == D(10)  # fewest shipments by default
    saving = rules("settings: {select: cost, split: allow, split_when_cheaper: true}\n")
    split = decide(saving, network, view, the_order, rater=cheap)
    assert shipped(split) == {"NEAR1": {"A": 1}, "NEAR2": {"B": 1}} and split.cost == D(7)
    assert "cost 3 less than shipping whole from FAR" in split.reason
    dear = TableRater({"FAR": ("6.00", "0"), "NEAR1": ("3.00", "0"), "NEAR2": ("4.00", "0")})
    assert shipped(decide(saving, network, view, the_order, rater=dear)) == {"FAR": {"A": 1, "B": 1}}
    forbidden = rules("settings: {select: cost, split: forbid, split_when_cheaper: true}\n")
    assert shipped(decide(forbidden, network, view, the_order, rater=cheap)) == {"FAR": {"A": 1, "B": 1}}


def test_before_cutoff_is_judged_in_each_nodes_time_zone() -> None:
    from datetime import time

    from hub.rules.facts import before_cutoff

    network = [
        NodeProfile("BER", 1, timezone="Europe/Berlin", cutoff=time(14, 0)),
        NodeProfile("LON", 2, timezone="Europe/London", cutoff=time(12, 0)),
    ]
    assert before_cutoff(datetime(2026, 12, 1, 12, 30, tzinfo=UTC), network) is True  # 13:30 in Berlin
    assert before_cutoff(datetime(2026, 12, 1, 13, 30, tzinfo=UTC), network) is False  # 14:30 Berlin, 13:30 London
    assert before_cutoff(datetime(2026, 7, 1, 12, 30, tzinfo=UTC), network) is False  # summer: 14:30 in Berlin
    assert before_cutoff(datetime(2026, 12, 1, 8, tzinfo=UTC), [NodeProfile("X", 1)]) is None  # no cut-off known
    assert before_cutoff(None, network) is None
    express = rules(
        "priorities:\n  - {name: express-first, when: 'order.service_level == \"express\" and order.before_cutoff', "
        "priority: 10}\n"
    )
    early = order(("A", 1), placed_at=datetime(2026, 12, 1, 9, tzinfo=UTC), service_level="express")
    late = order(("A", 1), placed_at=datetime(2026, 12, 1, 16, tzinfo=UTC), service_level="express")
    assert priority_of(express, order_facts(early, {}, nodes=network)) == 10
    assert priority_of(express, order_facts(late, {}, nodes=network)) == 0
