"""Golden allocation scenarios (fixtures/rules/*): stock, rules, orders and the decisions worked out by hand;
and one rule set activated in the store and used by the real pipeline."""

from __future__ import annotations

import csv
import difflib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from hub.allocation.allocator import AllocationSession
from hub.allocation.ledger import Level, StockView, set_node, set_on_hand
from hub.allocation.profiles import NodeProfile, ProductInfo
from hub.carriers import load_rate_cards
from hub.carriers.fast import FastRater
from hub.context import HubContext
from hub.geo.distance import DistanceModel
from hub.model.money import decimal_str
from hub.model.order import Order
from hub.rules.decision import Decision
from hub.rules.loader import read_rule_set_file
from hub.rules.planner import PlanningContext
from hub.rules.ruleset import RuleSet
from hub.rules.store import activate, save_rule_set
from hub.store.db import read_only
from hub.store.queries import get_order
from hub.store.tables import allocations, orders
from hub.yamlio import parse_yaml
from tests.test_pipeline import ingest
from tests.test_pipeline import setup as pipeline_setup

SCENARIOS = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
NODE_FIELDS = {"priority", "country", "postal_code", "capacity_per_day", "attributes", "enabled"}
ALWAYS = ("status", "shipments", "backordered", "hold")
OPTIONAL = ("route", "policy", "priority", "excluded", "excluded_lines", "services")


@dataclass
class Scenario:
    name: str
    rule_set: RuleSet
    context: PlanningContext
    products: dict[str, ProductInfo]
    view: StockView
    orders: list[tuple[str, Order]]
    expected: dict[str, dict[str, Any]]


def _read_yaml(path: Path) -> Any:
    return parse_yaml(path.read_text(encoding="utf-8"))


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _dec(text: str | None) -> Decimal:
    return Decimal(text) if text not in (None, "") else Decimal(0)


def _node(spec: dict[str, Any], now: datetime) -> NodeProfile:
    unknown = set(spec) - NODE_FIELDS - {"code", "latitude", "longitude", "stock_age_minutes", "load_today"}
    assert not unknown, f"unknown node fields {sorted(unknown)}"
    fields = {k: v for k, v in spec.items() if k in NODE_FIELDS}
    if "postal_code" in fields:
        fields["postal_code"] = str(fields["postal_code"])
    age = spec.get("stock_age_minutes")
    return NodeProfile(
        code=spec["code"],
        latitude=Decimal(str(spec["latitude"])) if "latitude" in spec else None,
        longitude=Decimal(str(spec["longitude"])) if "longitude" in spec else None,
        stock_as_of=now - timedelta(minutes=int(age)) if age is not None else None,
        **fields,
    )


def _order(spec: dict[str, Any], now: datetime) -> Order:
    country, _, postal = str(spec["to"]).partition(" ")
    prices = {sku: str(price) for sku, price in (spec.get("prices") or {}).items()}
    return Order(
        source=spec.get("channel", "webshop"),
        external_id=spec["id"],
        currency="EUR",
        placed_at=datetime.fromisoformat(spec["placed_at"]) if "placed_at" in spec else now,
        ship_to={"name": "Golden Customer", "country_code": country, "postal_code": postal or None},
        lines=[
            {"line_no": n, "sku": sku, "quantity": qty, "unit_price": prices.get(sku, "10.00")}
            for n, (sku, qty) in enumerate(spec["lines"].items(), start=1)
        ],
        attributes=spec.get("attributes") or {},
    )


def load_scenario(folder: Path) -> Scenario:
    _, rule_set = read_rule_set_file(folder / "rules.yaml")
    network = _read_yaml(folder / "network.yaml")
    now = datetime.fromisoformat(network["now"])
    specs = network["nodes"]
    # as the store gives them: enabled nodes only
    profiles = [_node(spec, now) for spec in specs if spec.get("enabled", True)]
    carriers = network.get("carriers")
    context = PlanningContext(
        rule_set=rule_set,
        nodes=profiles,
        now=now,
        load={spec["code"]: int(spec["load_today"]) for spec in specs if "load_today" in spec},
        distance=DistanceModel() if network.get("distance") == "centroids" else None,
        rater=FastRater(load_rate_cards((folder / carriers).resolve())) if carriers else None,
    )
    products: dict[str, ProductInfo] = {}
    if (folder / "products.csv").exists():
        for row in _csv(folder / "products.csv"):
            attributes = {k: v for k, v in row.items() if k not in ("sku", "weight_kg") and v}
            weight = Decimal(row["weight_kg"]) if row.get("weight_kg") else None
            products[row["sku"]] = ProductInfo(row["sku"], weight_kg=weight, attributes=attributes)
    view = StockView(
        Level(r["node"], r["sku"], _dec(r["on_hand"]), _dec(r.get("reserved")), _dec(r.get("safety")))
        for r in _csv(folder / "stock.csv")
    )
    the_orders = [(spec["id"], _order(spec, now)) for spec in _read_yaml(folder / "orders.yaml")]
    expected = _read_yaml(folder / "expected.yaml")
    return Scenario(folder.name, rule_set, context, products, view, the_orders, expected)


def _qty(table: dict[str, Any] | None) -> dict[str, str]:
    return {sku: decimal_str(Decimal(str(q))) for sku, q in (table or {}).items()}


def normalise_expected(expected: dict[str, Any]) -> dict[str, Any]:
    unknown = set(expected) - set(ALWAYS) - set(OPTIONAL)
    assert not unknown, f"unknown expected keys {sorted(unknown)}"
    out: dict[str, Any] = {
        "status": expected["status"],
        "shipments": {node: _qty(skus) for node, skus in (expected.get("shipments") or {}).items()},
        "backordered": _qty(expected.get("backordered")),
        "hold": expected.get("hold"),
    }
    for key in OPTIONAL:
        if key in expected:
            value = expected[key]
            out[key] = int(value) if key == "priority" else value
    return out


def summarise(decision: Decision, wanted: dict[str, Any]) -> dict[str, Any]:
    """The decision in the shape of expected.yaml, with the optional keys the expectation names."""
    shipments: dict[str, dict[str, Decimal]] = {}
    for shipment in decision.shipments:
        node = shipments.setdefault(shipment.node, {})
        for line in shipment.lines:
            node[line.sku] = node.get(line.sku, Decimal(0)) + line.quantity
    backordered: dict[str, Decimal] = {}
    for line in decision.backordered:
        backordered[line.sku] = backordered.get(line.sku, Decimal(0)) + line.quantity
    full: dict[str, Any] = {
        "status": decision.status,
        "shipments": {node: _qty(skus) for node, skus in shipments.items()},
        "backordered": _qty(backordered),
        "hold": decision.hold["rule"] if decision.hold else None,
        "route": decision.route,
        "policy": decision.policy,
        "priority": decision.priority,
        "excluded": {v.node: v.rule for v in decision.candidates if not v.included},
        "excluded_lines": {
            v.node: {sku: why.split(":", 1)[0] for sku, why in v.excluded_lines.items()}
            for v in decision.candidates
            if v.excluded_lines
        },
        "services": {s.node: s.service for s in decision.shipments},
    }
    return {key: full[key] for key in wanted}


def run(scenario: Scenario) -> dict[str, Decision]:
    """Allocate the orders as one batch, as the pipeline does: by rule priority, then arrival; reserve each plan."""
    session = AllocationSession(scenario.context, scenario.products, today=scenario.context.now.date())
    todo = sorted(enumerate(scenario.orders), key=lambda item: (-session.priority(item[1][1]), item[0]))
    decided: dict[str, Decision] = {}
    for _, (order_id, order) in todo:
        decided[order_id] = session.allocate(order, order_id, scenario.view).decision
    return decided


def _dump(data: dict[str, Any]) -> list[str]:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=200).splitlines()


@pytest.mark.parametrize("folder", sorted(p for p in SCENARIOS.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_golden_scenario(folder: Path) -> None:
    scenario = load_scenario(folder)
    assert [oid for oid, _ in scenario.orders] == list(scenario.expected), "expected.yaml lists other orders"
    decided = run(scenario)
    problems: list[str] = []
    for order_id, _ in scenario.orders:
        decision = decided[order_id]
        assert decision.rule_set_version == scenario.rule_set.version
        json.dumps(decision.as_dict())  # what the allocations table stores
        want = normalise_expected(scenario.expected[order_id])
        got = summarise(decision, want)
        if got != want:
            diff = difflib.unified_diff(_dump(want), _dump(got), "expected", "planned", lineterm="", n=20)
            problems.append(f"--- order {order_id}: {decision.reason}\n" + "\n".join(diff))
    assert not problems, f"{scenario.name}: {len(problems)} order(s) differ\n\n" + "\n\n".join(problems)


def test_the_golden_scenarios_are_all_there() -> None:
    names = {p.name for p in SCENARIOS.iterdir() if p.is_dir()}
    assert {
        "eu-routing",
        "nearest-node",
        "split-minimisation",
        "hazmat-and-capacity",
        "channel-policies",
        "holds-and-priorities",
    } <= names


def test_a_mismatch_is_shown_as_a_readable_diff() -> None:
    scenario = load_scenario(SCENARIOS / "channel-policies")
    decision = run(scenario)["amz-1"]
    want = normalise_expected({"status": "allocated", "shipments": {"N2": {"INK": 1}}, "backordered": {"BOOK": 1}})
    got = summarise(decision, want)
    diff = "\n".join(difflib.unified_diff(_dump(want), _dump(got), "expected", "planned", lineterm=""))
    assert diff.splitlines()[:2] == ["--- expected", "+++ planned"]
    for line in ("-  N2: {INK: '1'}", "-backordered: {BOOK: '1'}", "+  N1: {BOOK: '1'}", "+backordered: {INK: '1'}"):
        assert line in diff.splitlines()


# -- the pipeline with a stored, active rule set ---------------------------------------------------
PIPELINE_RULES = """\
rule_set: pipeline-golden
version: 12
settings:
  split: allow
  on_shortage: backorder
holds:
  - name: fraud-review
    when: coalesce(order.fraud_score, 0) >= 80
    reason: fraud score 80 or more
routes:
  - name: west-first
    when: order.ship_to.country_code == "DE"
    nodes: [WEST, EAST]
"""


def _order_payload(ext: str, *lines: tuple[str, int], **attributes: Any) -> dict[str, Any]:
    return {
        "external_id": ext,
        "revision": 1,
        "currency": "EUR",
        "ship_to": {"name": "Zoë Müller", "country_code": "DE", "postal_code": "10115", "city": "Berlin"},
        "lines": [
            {"line_no": i + 1, "sku": sku, "quantity": q, "unit_price": "9.90"} for i, (sku, q) in enumerate(lines)
        ],
        "attributes": attributes,
    }


def test_the_pipeline_allocates_with_the_active_rule_set_and_records_it(hub_ctx: HubContext) -> None:
    pipeline = pipeline_setup(hub_ctx)  # EAST (priority 1): A 5; WEST (priority 2): A 50, B 3
    with hub_ctx.engine.begin() as conn:
        set_node(conn, hub_ctx.tenant, "NORTH", priority=0, connection=None)
        set_on_hand(conn, hub_ctx.tenant, "NORTH", "A", Decimal(100))
        stored = save_rule_set(conn, hub_ctx.tenant, PIPELINE_RULES, "pipeline.yaml")
        activate(conn, hub_ctx.tenant, stored.version or 0)
    first = ingest(pipeline, _order_payload("G1", ("A", 2)), "g1.json")
    split = ingest(pipeline, _order_payload("G2", ("A", 1), ("B", 4)), "g2.json")
    held = ingest(pipeline, _order_payload("G3", ("A", 1), fraud_score=90), "g3.json")
    assert [r.documents[0]["status"] for r in (first, split, held)] == ["allocated", "backordered", "on_hold"]

    with read_only(hub_ctx.engine) as conn:
        records = conn.execute(select(allocations).order_by(allocations.c.created_at, allocations.c.id)).all()
        assert [r.rule_set_version for r in records] == [12, 12, 12]
        assert sorted(r.status for r in records) == ["allocated", "backordered", "on_hold"]
        shown = get_order(conn, hub_ctx.tenant, "G1")
        assert shown["status"] == "allocated"
        decision = shown["decision"]
        # the route puts WEST before EAST, although EAST has the better node priority; NORTH is not on it
        assert (decision["rule_set"], decision["rule_set_version"], decision["route"]) == (
            "pipeline-golden v12",
            12,
            "west-first",
        )
        assert decision["candidates"] == [
            {"node": "WEST", "included": True, "complete": True, "short": {}},
            {"node": "EAST", "included": True, "complete": True, "short": {}},
        ]
        assert decision["plan"]["shipments"] == [
            {"node": "WEST", "lines": [{"line_no": 1, "sku": "A", "quantity": "2"}], "value": "19.8", "weight_kg": "2"}
        ]
        assert decision["plan"]["split"] is False
        assert [r["node"] for r in shown["reservations"]] == ["WEST"]

        short = get_order(conn, hub_ctx.tenant, "G2")["decision"]
        assert short["status"] == "backordered"
        assert short["candidates"] == [
            {"node": "WEST", "included": True, "complete": False, "short": {"B": "1"}},
            {"node": "EAST", "included": True, "complete": False, "short": {"B": "4"}},
        ]
        assert short["plan"]["backordered"] == [
            {"line_no": 1, "sku": "A", "quantity": "1"},
            {"line_no": 2, "sku": "B", "quantity": "4"},
        ]
        on_hold = get_order(conn, hub_ctx.tenant, "G3")
        assert on_hold["status"] == "on_hold" and on_hold["reservations"] == []
        assert on_hold["decision"]["hold"]["rule"] == "fraud-review"
        assert on_hold["decision"]["candidates"] == []
        assert {r.external_id: r.status for r in conn.execute(select(orders))} == {
            "G1": "allocated",
            "G2": "backordered",
            "G3": "on_hold",
        }
