"""A seeded in-memory fulfilment network for the allocation and promise benches: nodes, SKUs, stock, cards, orders."""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from typing import Any

from hub.allocation.ledger import Level, StockView
from hub.allocation.profiles import NodeProfile, ProductInfo
from hub.carriers import RateCard, parse_rate_card
from hub.carriers.fast import FastRater
from hub.geo import DistanceModel, haversine_km
from hub.model.order import Order, OrderLine
from hub.model.party import Address
from hub.rules.loader import load_rule_set_text
from hub.rules.planner import PlanningContext
from hub.rules.ruleset import RuleSet

RULE_SET = """\
rule_set: bench
version: 1
description: cheapest node, splits allowed up to three shipments (also when cheaper), ship what is there
settings:
  select: cost
  split: allow
  split_when_cheaper: true
  max_shipments: 3
  on_shortage: ship_partial
"""
"""The rule set both benchmarks plan with (the issue's: cost, split allow, max 3 shipments, ship_partial)."""

# code, city, country, postal code, latitude, longitude (city centres), size (share of the assortment and stock)
NODES: tuple[tuple[str, str, str, str, float, float, float], ...] = (
    ("DE-BER1", "Berlin", "DE", "10115", 52.520, 13.405, 1.6),
    ("DE-HAM1", "Hamburg", "DE", "20095", 53.551, 9.994, 1.4),
    ("DE-MUC1", "München", "DE", "80331", 48.137, 11.575, 1.4),
    ("DE-CGN1", "Köln", "DE", "50667", 50.938, 6.960, 1.2),
    ("DE-FRA1", "Frankfurt am Main", "DE", "60311", 50.110, 8.682, 1.3),
    ("DE-STR1", "Stuttgart", "DE", "70173", 48.776, 9.183, 1.0),
    ("DE-LEJ1", "Leipzig", "DE", "04109", 51.340, 12.375, 1.8),
    ("DE-HAJ1", "Hannover", "DE", "30159", 52.375, 9.732, 1.0),
    ("DE-NUE1", "Nürnberg", "DE", "90402", 49.452, 11.077, 0.9),
    ("DE-DTM1", "Dortmund", "DE", "44135", 51.514, 7.466, 1.1),
    ("DE-BRE1", "Bremen", "DE", "28195", 53.079, 8.802, 0.7),
    ("GB-LON1", "London", "GB", "EC1A 1BB", 51.507, -0.128, 1.6),
    ("GB-BHX1", "Birmingham", "GB", "B1 1AA", 52.486, -1.890, 1.4),
    ("GB-MAN1", "Manchester", "GB", "M1 1AE", 53.481, -2.243, 1.1),
    ("GB-LDS1", "Leeds", "GB", "LS1 4AP", 53.801, -1.549, 1.0),
    ("GB-GLA1", "Glasgow", "GB", "G1 1XQ", 55.864, -4.252, 0.7),
    ("GB-BRS1", "Bristol", "GB", "BS1 4ST", 51.454, -2.588, 0.8),
    ("NL-AMS1", "Amsterdam", "NL", "1012 JS", 52.370, 4.895, 1.0),
    ("NL-RTM1", "Rotterdam", "NL", "3011 AD", 51.922, 4.479, 0.9),
    ("NL-EIN1", "Eindhoven", "NL", "5611 AA", 51.441, 5.470, 0.6),
)
COUNTRY_SHARE = (("DE", 0.6), ("GB", 0.4))
"""Where orders go."""
NOT_GB_DESTINATIONS = frozenset({"GY", "JE", "IM"})
"""Postcode areas filed under GB in the centroid data that are not UK mainland or Northern Ireland."""

# Distance classes (upper bound km) and their price factor on the domestic base bands.
DISTANCE_CLASSES: tuple[tuple[float, Decimal, tuple[int, int]], ...] = (
    (80.0, Decimal("1.00"), (1, 1)),
    (200.0, Decimal("1.12"), (1, 2)),
    (350.0, Decimal("1.25"), (1, 2)),
    (550.0, Decimal("1.40"), (2, 3)),
    (math.inf, Decimal("1.55"), (2, 4)),
)
DOMESTIC_BANDS = (
    ("1", "3.60"),
    ("2", "4.20"),
    ("5", "5.40"),
    ("10", "7.20"),
    ("20", "10.50"),
    ("31.5", "14.40"),
)
DOMESTIC_EXTRA_KG = Decimal("0.55")
INTERNATIONAL_BANDS = (
    ("1", "12.90"),
    ("2", "15.90"),
    ("5", "21.90"),
    ("10", "31.90"),
    ("20", "49.90"),
    ("31.5", "64.90"),
)
INTERNATIONAL_EXTRA_KG = Decimal("1.90")
MAX_WEIGHT_KG = Decimal(100)
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


@dataclass(frozen=True)
class Region:
    """A destination region: a postal prefix with its centroid."""

    country: str
    prefix: str
    lat: float
    lon: float


@dataclass
class Network:
    """Everything a benchmark plans against: nodes, products, rate cards, stock placement and quantities."""

    seed: int
    nodes: list[NodeProfile]
    sizes: dict[str, float]
    products: dict[str, ProductInfo]
    prices: dict[str, Decimal]
    popularity: list[float]
    category: list[int]
    skus: list[str]
    placement: dict[str, tuple[str, ...]]
    on_hand: dict[tuple[str, str], Decimal]
    cards: tuple[RateCard, ...]
    regions: dict[str, list[Region]]
    rule_set: RuleSet
    by_category: list[list[int]] = field(default_factory=list)

    def levels(self, on_hand: dict[tuple[str, str], Decimal] | None = None) -> StockView:
        """A fresh stock view (nothing reserved) of `on_hand` (default: the network's own stock)."""
        source = self.on_hand if on_hand is None else on_hand
        zero = Decimal(0)
        return StockView(Level(node, sku, qty, zero, zero) for (node, sku), qty in source.items())

    def context(self, *, rater: FastRater | None = None, distance: DistanceModel | None = None) -> PlanningContext:
        """A planning context on this network (a new rater and distance model unless given)."""
        return PlanningContext(
            rule_set=self.rule_set,
            nodes=list(self.nodes),
            now=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
            distance=distance if distance is not None else DistanceModel(),
            rater=rater if rater is not None else FastRater(self.cards),
        )


# -- geography ---------------------------------------------------------------------------------------------------
def regions() -> dict[str, list[Region]]:
    """The DE Leitregionen and GB postcode areas of the packaged centroid tables (the carriers' zones)."""
    folder = resources.files("hub.geo").joinpath("data")
    out: dict[str, list[Region]] = {}
    for country in ("DE", "GB"):
        text = folder.joinpath(f"{country.lower()}.csv").read_text(encoding="utf-8-sig")
        for row in csv.DictReader(text.splitlines()):
            if row["prefix"]:
                region = Region(country, row["prefix"], float(row["latitude"]), float(row["longitude"]))
                out.setdefault(country, []).append(region)
    return out


def _distance_class(km: float) -> tuple[Decimal, tuple[int, int]]:
    for bound, factor, transit in DISTANCE_CLASSES:
        if km < bound:
            return factor, transit
    raise AssertionError("the last class is unbounded")


def _bands(bands: Sequence[tuple[str, str]], factor: Decimal) -> list[dict[str, str]]:
    return [{"up_to_kg": kg, "price": str((Decimal(p) * factor).quantize(Decimal("0.01")))} for kg, p in bands]


def _card(
    code: str, name: str, home: Sequence[str], abroad: str, nodes: Sequence[tuple[Any, ...]], zones: list[Region]
) -> RateCard:
    """One carrier: a zone per destination region at home (priced by distance class from each node) and one
    international zone (the other country), a standard service per node it collects at."""
    table: list[dict[str, Any]] = [
        {"zone": f"{r.country}-{r.prefix}", "country": r.country, "postal_prefixes": [r.prefix]} for r in zones
    ]
    table.append({"zone": "INTL", "country": abroad})
    services = []
    for node_code, _city, country, _postal, lat, lon, _size in nodes:
        if country not in home:
            continue
        rates: dict[str, Any] = {}
        transit: dict[str, Any] = {}
        for r in zones:
            factor, days = _distance_class(haversine_km(lat, lon, r.lat, r.lon))
            zone = f"{r.country}-{r.prefix}"
            rates[zone] = {
                "bands": _bands(DOMESTIC_BANDS, factor),
                "extra_kg_price": str(DOMESTIC_EXTRA_KG * factor),
                "max_weight_kg": str(MAX_WEIGHT_KG),
            }
            transit[zone] = list(days)
        rates["INTL"] = {
            "bands": _bands(INTERNATIONAL_BANDS, Decimal(1)),
            "extra_kg_price": str(INTERNATIONAL_EXTRA_KG),
            "max_weight_kg": str(MAX_WEIGHT_KG),
        }
        transit["INTL"] = [3, 5]
        services.append(
            {
                "code": f"STD-{node_code}",
                "name": f"Standard from {node_code}",
                "level": "standard",
                "max_weight_kg": str(MAX_WEIGHT_KG),
                "nodes": {node_code: {"cutoff": "17:00", "pickup_days": WEEKDAYS}},
                "rates": rates,
                "transit_days": transit,
            }
        )
    data = {
        "carrier": {"code": code, "name": name},
        # Both cards are priced in EUR: the planner compares quote totals as plain numbers (no exchange rates).
        "currency": "EUR",
        "zones": table,
        "services": services,
    }
    return parse_rate_card(data, f"<bench card {code}>")


def rate_cards(where: dict[str, list[Region]]) -> tuple[RateCard, ...]:
    """A German carrier collecting at the DE and NL nodes, a British one at the GB nodes (fictional prices)."""
    return (
        _card("STORCH", "Storch Paket (fictional)", ("DE", "NL"), "GB", NODES, where["DE"]),
        _card("MERLIN", "Merlin Parcels (fictional)", ("GB",), "DE", NODES, where["GB"]),
    )


# -- catalogue and stock -----------------------------------------------------------------------------------------
def _weight(rng: random.Random) -> Decimal:
    kg = min(max(rng.lognormvariate(math.log(0.6), 1.0), 0.05), 15.0)
    return Decimal(str(round(kg, 2)))


def build_network(*, skus: int = 10_000, seed: int = 7, categories: int = 100, cover: float = 1.4) -> Network:
    """Nodes, a catalogue of `skus` (Zipf popularity, lognormal weights), each SKU stocked at 3-8 nodes (popular
    ones at more, mostly nodes of its category's home set), quantities `cover` times the expected demand of
    100,000 orders spread over those nodes by node size."""
    rng = random.Random(seed)
    profiles = [
        NodeProfile(
            code=c,
            priority=100,
            name=city,
            country=country,
            postal_code=postal,
            latitude=Decimal(str(lat)),
            longitude=Decimal(str(lon)),
            timezone="Europe/London" if country == "GB" else "Europe/Berlin",
        )
        for c, city, country, postal, lat, lon, _ in NODES
    ]
    sizes = {n[0]: n[6] for n in NODES}
    codes = [n[0] for n in NODES]
    # each category has a home set of nodes (some in each country), where most of its SKUs are stocked
    homes: list[list[str]] = []
    for _ in range(categories):
        de = rng.sample([c for c in codes if not c.startswith("GB")], 5)
        gb = rng.sample([c for c in codes if c.startswith("GB")], 3)
        homes.append(de + gb)
    names = [f"SKU-{i:05d}" for i in range(skus)]
    order = list(range(skus))
    rng.shuffle(order)
    popularity = [0.0] * skus
    for rank, index in enumerate(order):
        popularity[index] = 1.0 / (rank + 20) ** 0.9
    total_pop = sum(popularity)
    popularity = [p / total_pop for p in popularity]
    category = [rng.randrange(categories) for _ in range(skus)]
    by_category: list[list[int]] = [[] for _ in range(categories)]
    for index, cat in enumerate(category):
        by_category[cat].append(index)
    products: dict[str, ProductInfo] = {}
    prices: dict[str, Decimal] = {}
    placement: dict[str, tuple[str, ...]] = {}
    on_hand: dict[tuple[str, str], Decimal] = {}
    expected_units = 100_000 * 2.0 * 1.35  # orders x lines per order x units per line
    for index, sku in enumerate(names):
        weight = _weight(rng)
        products[sku] = ProductInfo(sku=sku, weight_kg=weight)
        prices[sku] = Decimal(rng.randint(300, 20_000)) / 100
        share = popularity[index] * skus  # 1.0 = average popularity
        many = 3 + int(math.log2(1 + share * 2))  # the popular SKUs at more nodes
        many = max(3, min(8, many + rng.choice((-1, 0, 0, 1))))
        home = homes[category[index]]
        chosen: list[str] = []
        while len(chosen) < many:
            pool = home if rng.random() < 0.85 else codes
            pick = rng.choices(pool, weights=[sizes[c] for c in pool])[0]
            if pick not in chosen:
                chosen.append(pick)
        placement[sku] = tuple(chosen)
        demand = popularity[index] * expected_units * cover
        weights = [sizes[c] * rng.uniform(0.5, 1.5) for c in chosen]
        spread = sum(weights)
        for node, w in zip(chosen, weights, strict=True):
            on_hand[(node, sku)] = Decimal(max(2, math.ceil(demand * w / spread)))
    where = regions()
    return Network(
        seed=seed,
        nodes=profiles,
        sizes=sizes,
        products=products,
        prices=prices,
        popularity=popularity,
        category=category,
        skus=names,
        placement=placement,
        on_hand=on_hand,
        cards=rate_cards(where),
        regions=where,
        rule_set=load_rule_set_text(RULE_SET, "<bench rule set>"),
        by_category=by_category,
    )


# -- orders ------------------------------------------------------------------------------------------------------
LINE_COUNTS = ((1, 0.45), (2, 0.30), (3, 0.15), (4, 0.10))
QUANTITIES = ((1, 0.76), (2, 0.16), (3, 0.05), (4, 0.02), (6, 0.01))
LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def destination(rng: random.Random, where: dict[str, list[Region]]) -> tuple[str, str]:
    """A random DE or GB address (country, postal code) in a region the centroids and the rate cards know."""
    country = rng.choices([c for c, _ in COUNTRY_SHARE], weights=[w for _, w in COUNTRY_SHARE])[0]
    if country == "DE":
        region = rng.choice(where["DE"])
        return "DE", f"{region.prefix}{rng.randint(0, 999):03d}"
    areas = [r for r in where["GB"] if r.prefix not in NOT_GB_DESTINATIONS]
    area = rng.choice(areas).prefix
    return "GB", f"{area}{rng.randint(1, 20)} {rng.randint(0, 9)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}"


class OrderMaker:
    """Orders of 1-4 lines over a SKU pool (popularity-weighted; later lines mostly from the first line's category)."""

    def __init__(self, network: Network, rng: random.Random, pool: Sequence[int] | None = None) -> None:
        self.net, self.rng = network, rng
        self.pool = list(pool) if pool is not None else list(range(len(network.skus)))
        weights = [network.popularity[i] for i in self.pool]
        self._cum: list[float] = []
        running = 0.0
        for w in weights:
            running += w
            self._cum.append(running)
        in_pool = set(self.pool)
        self._category = [[i for i in members if i in in_pool] for members in network.by_category]
        self._count = 0

    def _pick(self) -> int:
        return self.rng.choices(self.pool, cum_weights=self._cum)[0]

    def _pick_in(self, category: int) -> int:
        members = self._category[category]
        if not members:
            return self._pick()
        return self.rng.choices(members, weights=[self.net.popularity[i] for i in members])[0]

    def order(self) -> Order:
        rng, net = self.rng, self.net
        lines = rng.choices([n for n, _ in LINE_COUNTS], weights=[w for _, w in LINE_COUNTS])[0]
        lines = min(lines, len(self.pool))
        chosen: list[int] = []
        first = self._pick()
        chosen.append(first)
        tries = 0
        while len(chosen) < lines and tries < 50:
            tries += 1
            index = self._pick_in(net.category[first]) if rng.random() < 0.8 else self._pick()
            if index not in chosen:
                chosen.append(index)
        country, postal = destination(rng, net.regions)
        order_lines = []
        for line_no, index in enumerate(chosen, start=1):
            sku = net.skus[index]
            weight = net.products[sku].weight_kg or Decimal(1)
            qty = 1 if weight > 5 else rng.choices([q for q, _ in QUANTITIES], weights=[w for _, w in QUANTITIES])[0]
            order_lines.append(OrderLine(line_no=line_no, sku=sku, quantity=Decimal(qty), unit_price=net.prices[sku]))
        self._count += 1
        return Order(
            source="shop",
            external_id=f"B{net.seed}-{self._count:07d}",
            currency="EUR",
            placed_at=datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
            ship_to=Address(name="Customer", country_code=country, postal_code=postal),
            lines=order_lines,
        )

    def orders(self, count: int) -> list[Order]:
        return [self.order() for _ in range(count)]


def single_node_share(network: Network, orders: Iterable[Order]) -> float:
    """The share of orders that one node could ship whole from the initial stock (ignoring other orders)."""
    whole = total = 0
    for order in orders:
        total += 1
        needed = {(ln.sku, ln.quantity) for ln in order.lines}
        nodes = set.intersection(*(set(network.placement[sku]) for sku, _ in needed))
        whole += any(all(network.on_hand.get((n, sku), 0) >= q for sku, q in needed) for n in nodes)
    return whole / total if total else 0.0
