"""FastRater against choose_service: same winner, exact same total and transit days, on seeded random and edge cases."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from hub.carriers import (
    Choice,
    Destination,
    Parcel,
    RateCard,
    ShipmentRequest,
    choose_service,
    load_rate_cards,
    parse_rate_card,
)
from hub.carriers.fast import FastQuote, FastRater

D = Decimal
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"
NODES = ("DE-LEJ1", "DE-DUS1", "GB-LDS1", "GB-BHX1", "NL-AMS1", "NOWHERE")
DESTINATIONS: tuple[tuple[str, str | None], ...] = (
    ("GB", "M1 1AE"),
    ("GB", "m1 1ae"),
    ("GB", "LS1 4AP"),
    ("GB", "TR21 0LW"),
    ("GB", "TR210LW"),
    ("GB", "TR1 1AA"),
    ("GB", "TR2 4AA"),
    ("GB", "KW1 4AA"),
    ("GB", "KW15 1AA"),
    ("GB", "KW16 3AA"),
    ("GB", "IV1 1AA"),
    ("GB", "IV11 1AA"),
    ("GB", "PA20 0AA"),
    ("GB", "PA201AA"),
    ("GB", "PA2 0AB"),
    ("GB", "PH17 4AA"),
    ("GB", "HS1 2AB"),
    ("GB", "ZE1 0AA"),
    ("GB", "BT1 1AA"),
    ("GB", "AB36 8AA"),
    ("GB", " tr22  0aa "),
    ("GB", ""),
    ("GB", None),
    ("DE", "10115"),
    ("DE", "80331"),
    ("DE", "25980"),
    ("DE", "25999"),
    ("DE", "25901"),
    ("DE", "27498"),
    ("DE", "18565"),
    ("DE", "2598"),
    ("DE", None),
    ("de", "26465"),
    ("ES", "35001"),
    ("ES", "38010"),
    ("ES", "28001"),
    ("FR", "75001"),
    ("NL", "1011 AB"),
    ("AT", "1010"),
    ("IT", "00100"),
    ("IE", None),
    ("US", "10001"),
    ("JP", "100-0001"),
    ("ZZ", "12345"),
)
_EDGE_TEXT = """0.001 0.5 0.999 1 1.001 1.5 2 2.001 2.5 2.501 3 3.001 5 5.001 7.5 7.501 10 10.001 12.5 12.501 12.75
12.751 15 15.001 19.999 20 20.001 20.5 21 25 25.001 30 30.001 30.5 31 31.5 31.501 32 39.999 40 40.001 45 60.2"""
EDGES = tuple(D(w) for w in _EDGE_TEXT.split())
"""Weights at and just above the band edges, service and zone limits of the cards."""
FX_FULL = {"EUR": D("0.86"), "GBP": D("1"), "USD": D("0.79"), "JPY": D("0.0053")}
FX_PARTIAL = {"EUR": D("0.86"), "GBP": D("1"), "USD": D("0.79")}

ZEPHYR: dict[str, Any] = {
    "carrier": {"code": "ZEPHYR", "name": "Zephyr Test Freight"},
    "currency": "USD",
    "volumetric_divisor": 4000,
    "chargeable_weight_step_kg": D("0.5"),
    "surcharges": {
        "fuel_percent": D("7.3"),
        "fuel_on_surcharges": True,
        "per_parcel": [{"code": "security", "amount": D("0.333")}],
        "remote_area": [
            {"code": "far", "country": "GB", "postal_prefixes": ["KW", "TR2"], "amount": D("3.005")},
            {"code": "farther", "country": "GB", "postal_prefixes": ["KW15"], "amount": D("6.125")},
            {"code": "insel", "country": "DE", "postal_prefixes": ["259"], "amount": D("2.50")},
        ],
        "oversize": [
            {"code": "long1", "dimension": "longest_side", "above_cm": 80, "amount": D("4.00")},
            {"code": "long2", "dimension": "longest_side", "above_cm": 120, "amount": D("9.00")},
            {"code": "long2b", "dimension": "longest_side", "above_cm": 120, "amount": D("11.00")},
            {"code": "girthy", "dimension": "girth", "above_cm": 150, "amount": D("5.005")},
            {"code": "lpg", "dimension": "length_plus_girth", "above_cm": 250, "amount": D("7.50")},
        ],
    },
    "zones": [
        {"zone": "DOM", "country": "GB"},
        {"zone": "NORTH", "country": "GB", "postal_prefixes": ["KW", "IV1 "]},
        {"zone": "CONT", "country": "DE"},
        {"zone": "CONT", "country": "FR"},
        {"zone": "ISL", "country": "DE", "postal_prefixes": ["2598"]},
        {"zone": "FAR", "country": "JP"},
    ],
    "services": [
        {
            "code": "Z-ANY",
            "name": "Zephyr Anywhere",
            "level": "standard",
            "nodes": {"*": {"cutoff": "12:00", "pickup_days": ["mon", "wed", "fri"]}},
            "transit_days": {"DOM": [1, 2], "NORTH": [2, 4], "CONT": [2, 3], "ISL": 4},
            "rates": {
                "DOM": {
                    "bands": [{"up_to_kg": 1, "price": D("2.995")}, {"up_to_kg": D("7.5"), "price": D("5.005")}],
                    "extra_kg_price": D("0.715"),
                },
                "NORTH": {"bands": [{"up_to_kg": 3, "price": 8}], "extra_kg_price": D("1.1"), "max_weight_kg": 25},
                "CONT": {
                    "bands": [{"up_to_kg": D("2.5"), "price": D("6.50")}, {"up_to_kg": D("12.75"), "price": D("9.99")}]
                },
                "ISL": {"bands": [{"up_to_kg": 10, "price": 12}]},
            },
        },
        {
            "code": "Z-FAST",
            "name": "Zephyr Fast",
            "level": "express",
            "volumetric_divisor": 6000,
            "chargeable_weight_step_kg": None,
            "max_weight_kg": 20,
            "max_longest_side_cm": 150,
            "max_length_plus_girth_cm": 280,
            "surcharges": {"oversize": [{"code": "long", "above_cm": 100, "amount": D("6.00")}]},
            "nodes": {
                "GB-LDS1": {"cutoff": "12:00", "pickup_days": ["mon", "tue", "wed", "thu", "fri", "sat"]},
                "*": {"cutoff": "10:00", "pickup_days": ["tue"]},
            },
            "transit_days": {"DOM": 1, "NORTH": [1, 2], "CONT": [1, 2]},
            "rates": {
                "DOM": {"bands": [{"up_to_kg": 5, "price": D("9.99")}, {"up_to_kg": 20, "price": D("14.99")}]},
                "NORTH": {"bands": [{"up_to_kg": 5, "price": D("19.99")}], "extra_kg_price": 2, "max_weight_kg": 12},
                "CONT": {"bands": [{"up_to_kg": 10, "price": D("24.50")}]},
            },
        },
        {
            "code": "Z-ECO",
            "name": "Zephyr Economy (EUR)",
            "level": "economy",
            "currency": "EUR",
            "max_weight_kg": D("31.5"),
            "nodes": {"*": {"cutoff": "18:00", "pickup_days": ["mon", "tue", "wed", "thu", "fri"]}},
            "transit_days": {"CONT": [3, 6], "DOM": [4, 7]},
            "rates": {
                "CONT": {"bands": [{"up_to_kg": D("31.5"), "price": D("3.49")}]},
                "DOM": {"bands": [{"up_to_kg": 10, "price": D("4.10")}, {"up_to_kg": 30, "price": D("4.10")}]},
            },
        },
        {
            "code": "Z-JP",
            "name": "Zephyr Japan (JPY)",
            "level": "economy",
            "currency": "JPY",
            "nodes": {"*": {"cutoff": "18:00", "pickup_days": ["mon", "tue", "wed", "thu", "fri"]}},
            "transit_days": {"FAR": [6, 9], "DOM": [5, 8]},
            "rates": {
                "FAR": {"bands": [{"up_to_kg": 2, "price": 1250}, {"up_to_kg": 10, "price": 2890}]},
                "DOM": {"bands": [{"up_to_kg": 5, "price": 650}], "extra_kg_price": 75, "max_weight_kg": 35},
            },
        },
    ],
}


@dataclass(frozen=True)
class Case:
    node: str
    country: str
    postal: str | None
    weight: Decimal
    dims: tuple[Decimal, Decimal, Decimal] | None = None
    level: str | None = None
    prefer: str = "cost"
    ship_date: date | None = None
    fx: dict[str, Decimal] | None = None


@pytest.fixture(scope="module")
def fixture_cards() -> tuple[RateCard, ...]:
    return load_rate_cards(FIXTURES)


@pytest.fixture(scope="module")
def all_cards(fixture_cards: tuple[RateCard, ...]) -> tuple[RateCard, ...]:
    return (*fixture_cards, parse_rate_card(ZEPHYR, "zephyr.yaml"))


def choose(cards: tuple[RateCard, ...], case: Case) -> Choice | ValueError:
    dims = dict(zip(("length_cm", "width_cm", "height_cm"), case.dims, strict=True)) if case.dims else {}
    try:
        request = ShipmentRequest(
            destination=Destination(country=case.country, postal_code=case.postal),
            parcels=(Parcel(weight_kg=case.weight, **dims),),
        )
        return choose_service(
            cards,
            request,
            service_level=case.level,  # type: ignore[arg-type]
            node=case.node,
            ship_date=case.ship_date,
            prefer=case.prefer,  # type: ignore[arg-type]
            fx=case.fx,
        )
    except ValueError as exc:
        return exc


def fast_options(rater: FastRater, case: Case) -> list[FastQuote] | ValueError:
    try:
        return rater.all_options(
            case.node,
            case.country,
            case.postal,
            case.weight,
            level=case.level,
            prefer=case.prefer,
            dims_cm=case.dims,
            ship_date=case.ship_date,
            fx=case.fx,
        )
    except ValueError as exc:
        return exc


def check(rater: FastRater, cards: tuple[RateCard, ...], case: Case) -> str:
    """Assert FastRater agrees with choose_service on `case`; the outcome's kind, for coverage counts."""
    expected, got = choose(cards, case), fast_options(rater, case)
    if isinstance(expected, ValueError):
        assert isinstance(got, ValueError), (case, expected, got)
        return "error"
    assert not isinstance(got, ValueError), (case, got)
    ranked = [c for c in expected.candidates if c.rank is not None]
    assert len(got) == len(ranked), (case, got, expected.explain())
    for mine, theirs in zip(got, ranked, strict=True):
        assert theirs.total is not None and theirs.transit_days is not None
        assert (mine.carrier, mine.service, mine.level) == (theirs.carrier, theirs.service, theirs.level), case
        assert mine.total == theirs.total.amount and str(mine.total) == str(theirs.total.amount), (case, mine)
        assert mine.currency == theirs.total.currency, case
        assert (mine.transit_min, mine.transit_max) == (theirs.transit_days.min, theirs.transit_days.max), case
    best = rater.best(
        case.node,
        case.country,
        case.postal,
        case.weight,
        level=case.level,
        prefer=case.prefer,
        dims_cm=case.dims,
        ship_date=case.ship_date,
        fx=case.fx,
    )
    if expected.winner is None:
        assert best is None, (case, best)
        return "none"
    assert best == got[0]
    return f"{best.carrier}/{best.service}"


def random_case(rng: random.Random, fx_choices: tuple[dict[str, Decimal] | None, ...]) -> Case:
    country, postal = rng.choice(DESTINATIONS)
    weight = rng.choice(EDGES) if rng.random() < 0.4 else D(rng.randint(1, 42_000)) / 1000
    dims = None
    if rng.random() < 0.4:
        dims = tuple(D(rng.randint(5, 190)) / rng.choice((1, 1, 10)) for _ in range(3))
    ship_date = date(2026, 11, 23) + timedelta(days=rng.randint(0, 6)) if rng.random() < 0.2 else None
    home = [n for n in NODES if n.startswith(country.upper())]
    return Case(
        node=rng.choice(home) if home and rng.random() < 0.6 else rng.choice(NODES),
        country=country,
        postal=postal,
        weight=weight,
        dims=dims,  # type: ignore[arg-type]
        level=rng.choice((None, "economy", "standard", "express")),
        prefer=rng.choice(("cost", "speed")),
        ship_date=ship_date,
        fx=rng.choice(fx_choices),
    )


def test_matches_choose_service_on_the_fixture_cards(fixture_cards: tuple[RateCard, ...]) -> None:
    rng = random.Random(20261124)
    rater = FastRater(fixture_cards)
    outcomes = Counter(check(rater, fixture_cards, random_case(rng, (None,))) for _ in range(3000))
    assert outcomes["none"] > 300, outcomes
    for service in ("KRANICH/KP-ECO", "KRANICH/KP-STD", "KRANICH/KP-EXP", "KESTREL/KS-ECO", "KESTREL/KS-48"):
        assert outcomes[service] > 20, outcomes
    assert outcomes["KESTREL/KS-24"] + outcomes["KESTREL/KS-INTL"] > 20, outcomes
    assert rater.cache_info().hits > 0


def test_matches_choose_service_with_mixed_currencies_and_exchange_rates(all_cards: tuple[RateCard, ...]) -> None:
    rng = random.Random(4242)
    rater = FastRater(all_cards)
    cases = [random_case(rng, (None, FX_FULL, FX_PARTIAL, FX_FULL)) for _ in range(2500)]
    outcomes = Counter(check(rater, all_cards, case) for case in cases)
    assert outcomes["error"] > 100, outcomes  # mixed currencies without fx: both refuse
    assert outcomes["none"] > 100, outcomes
    for service in ("ZEPHYR/Z-ANY", "ZEPHYR/Z-FAST", "ZEPHYR/Z-ECO", "ZEPHYR/Z-JP"):
        assert outcomes[service] > 5, outcomes


def test_without_memo_matches_too(all_cards: tuple[RateCard, ...]) -> None:
    rng = random.Random(77)
    rater = FastRater(all_cards, cache_size=0)
    for _ in range(600):
        check(rater, all_cards, random_case(rng, (FX_FULL,)))
    assert rater.cache_info().size == 0 and rater.cache_info().hits == 0


HAND_PICKED = [
    Case("DE-LEJ1", "DE", "10115", D("2")),  # band edge, inclusive
    Case("DE-LEJ1", "DE", "10115", D("2.001")),
    Case("DE-LEJ1", "DE", "25980", D("1"), (D(60), D(40), D(40))),  # Sylt, volumetric 19.2 kg
    Case("DE-LEJ1", "DE", "80331", D("34"), level="express"),  # extra kg above 30
    Case("DE-LEJ1", "DE", "80331", D("40.001"), level="express"),  # over the zone limit
    Case("DE-DUS1", "DE", "80331", D("31.5")),
    Case("DE-DUS1", "DE", "80331", D("31.501")),  # over every service's max weight
    Case("DE-DUS1", "DE", "80331", D("2"), level="express"),  # express only collects at LEJ
    Case("DE-LEJ1", "DE", "80331", D("2"), (D(121), D(10), D(10))),  # bulky surcharge, not ECO (120 cm)
    Case("DE-LEJ1", "ES", "35001", D("2")),  # Canaries: zone not served
    Case("DE-LEJ1", "ZZ", "1", D("2")),  # unknown country
    Case("GB-LDS1", "GB", "M1 1AE", D("2.3"), (D(40), D(30), D(20))),
    Case("GB-LDS1", "GB", "TR21 0LW", D("1.5"), level="standard"),
    Case("GB-LDS1", "GB", "KW15 1AA", D("0.2"), prefer="speed"),
    Case("GB-LDS1", "GB", "PA2 0AB", D("3")),
    Case("GB-LDS1", "GB", "PA201AA", D("3")),
    Case("GB-LDS1", "DE", "10115", D("22")),  # international with extra kg
    Case("GB-LDS1", "US", "10001", D("20.001")),
    Case("GB-BHX1", "GB", "M1 1AE", D("1"), level="economy"),  # only KS-48 collects there
    Case("GB-LDS1", "GB", "M1 1AE", D("1"), ship_date=date(2026, 11, 28)),  # a Saturday: no pickup
    Case("NOWHERE", "GB", "M1 1AE", D("1")),  # node without schedules
    Case("GB-LDS1", "GB", "M1 1AE", D("30"), (D(150), D(50), D(25))),  # length + girth exactly 300
    Case("GB-LDS1", "GB", "M1 1AE", D("30"), (D(150), D(50), D("25.1"))),
]


@pytest.mark.parametrize("case", HAND_PICKED, ids=lambda c: f"{c.node}-{c.country}-{c.postal}-{c.weight}")
def test_hand_picked_edge_cases(fixture_cards: tuple[RateCard, ...], case: Case) -> None:
    check(FastRater(fixture_cards), fixture_cards, case)


@pytest.mark.parametrize(
    ("node", "country", "postal", "weight", "dims", "level", "total"),
    [
        ("DE-LEJ1", "DE", "10115", "3.2", (30, 20, 15), "standard", "7.20"),
        ("DE-LEJ1", "DE", "25980", "1", (60, 40, 40), "standard", "19.14"),
        ("DE-LEJ1", "DE", "80331", "34", None, "express", "37.61"),
        ("GB-LDS1", "GB", "M1 1AE", "2.3", (40, 30, 20), "standard", "6.26"),
        ("GB-LDS1", "GB", "TR21 0LW", "1.5", None, "standard", "10.06"),
        ("GB-LDS1", "DE", "10115", "22", None, "standard", "68.10"),
    ],
)
def test_hand_computed_totals_of_the_fixture_readme(
    fixture_cards: tuple[RateCard, ...],
    node: str,
    country: str,
    postal: str,
    weight: str,
    dims: Any,
    level: str,
    total: str,
) -> None:
    dims_cm = tuple(D(d) for d in dims) if dims else None
    best = FastRater(fixture_cards).best(node, country, postal, D(weight), level=level, dims_cm=dims_cm)
    assert best is not None and str(best.total) == total


def test_memo_entry_shared_only_for_same_zone_and_same_remote_surcharge(fixture_cards: tuple[RateCard, ...]) -> None:
    rater = FastRater(fixture_cards)

    def price(postal: str, weight: str = "1.5") -> Decimal:
        best = rater.best("GB-LDS1", "GB", postal, D(weight), level="standard")
        assert best is not None
        return best.total

    assert price("M1 1AE") == D("4.56")
    assert rater.cache_info() == (0, 1, 1)
    assert price("LS1 4AP") == D("4.56") and price("TR1 1AA") == D("4.56")  # same zone, no remote surcharge
    assert price("M1 1AE", "1.2") == D("4.56")  # same 2 kg step
    assert rater.cache_info() == (3, 1, 1)
    assert price("TR21 0LW") == D("10.06")  # same zone, island surcharge: its own entry
    assert price("TR25 0AA") == D("10.06")  # same zone, same surcharge: shared
    assert rater.cache_info() == (4, 2, 2)
    assert price("KW1 4AA") == D("8.49") and price("KW15 1AA") == D("12.21")  # KW15 beats KW: another zone
    assert price("M1 1AE", "2.5") == D("6.26")  # another weight step
    assert rater.cache_info() == (4, 5, 5)


def test_memo_entry_separates_weights_in_different_bands(fixture_cards: tuple[RateCard, ...]) -> None:
    rater = FastRater(fixture_cards)
    totals = [rater.best("DE-LEJ1", "DE", "10115", D(w), level="standard") for w in ("1.9", "2", "2.001", "1.9")]
    assert [t.total if t else None for t in totals] == [D("5.58"), D("5.58"), D("7.20"), D("5.58")]
    assert rater.cache_info() == (2, 2, 2)


@pytest.mark.parametrize(
    ("node", "country", "postal", "level", "fx"),
    [
        ("GB-LDS1", "GB", "M1 1AE", "standard", None),
        ("GB-LDS1", "GB", "M1 1AE", None, FX_FULL),
        ("GB-LDS1", "GB", "KW1 4AA", "express", None),
        ("GB-LDS1", "GB", "TR21 0LW", None, FX_PARTIAL),
        ("GB-LDS1", "DE", "10115", "standard", None),
        ("GB-LDS1", "DE", "25980", None, FX_FULL),
        ("DE-LEJ1", "DE", "80331", "economy", None),
        ("DE-LEJ1", "DE", "80331", "express", None),
        ("DE-LEJ1", "JP", "100-0001", None, FX_FULL),
        ("DE-DUS1", "FR", "75001", None, FX_FULL),
        ("NOWHERE", "GB", "M1 1AE", None, FX_FULL),
        ("NOWHERE", "GB", "M1 1AE", "standard", FX_FULL),  # 0.5 kg steps, extra kg without a limit
        ("NOWHERE", "FR", "75001", "standard", FX_FULL),  # 0.5 kg steps against a 12.75 kg band edge
        ("NOWHERE", "ES", "35001", None, None),
    ],
)
def test_step_costs_agree_with_best_at_every_weight(
    fixture_cards: tuple[RateCard, ...],
    all_cards: tuple[RateCard, ...],
    node: str,
    country: str,
    postal: str,
    level: str | None,
    fx: Any,
) -> None:
    rater = FastRater(fixture_cards if fx is None else all_cards)  # the test card's USD would need fx
    limit = D(50)
    curve = rater.step_costs(node, country, postal, level=level, max_weight_kg=limit, fx=fx)
    ups = [up for up, _ in curve]
    assert ups == sorted(set(ups)) and all(a[1] != b[1] for a, b in pairwise(curve))
    rng = random.Random(f"{node} {country} {postal} {level}")
    weights = [D(rng.randint(1, 50_000)) / 1000 for _ in range(400)] + list(EDGES) + ups
    weights += [up + D("0.001") for up in ups]
    for weight in weights:
        best = rater.best(node, country, postal, weight, level=level, fx=fx)
        segment = next((cost for up, cost in curve if weight <= up), None)
        if segment is None:
            assert best is None or weight > limit, (weight, best, curve)
        else:
            assert best is not None, (weight, curve)
            assert segment == (best.total if fx is None else best.total * fx[best.currency]), (weight, curve)


def test_step_costs_of_a_known_curve(fixture_cards: tuple[RateCard, ...]) -> None:
    curve = FastRater(fixture_cards).step_costs("GB-LDS1", "GB", "M1 1AE", level="standard", max_weight_kg=D(35))
    expected = [(1, "3.92"), (2, "4.56"), (5, "6.26"), (10, "9.02"), (15, "12.74"), (20, "15.40"), (30, "21.24")]
    assert curve == [(D(w), D(c)) for w, c in expected]
    assert FastRater(fixture_cards).step_costs("NOWHERE", "GB", "M1 1AE", level=None, max_weight_kg=D(5)) == []


def test_size_given_as_longest_side_girth_and_volume(all_cards: tuple[RateCard, ...]) -> None:
    rater = FastRater(all_cards)
    dims = (D(110), D(30), D("25.5"))
    for node, country, postal in (("GB-LDS1", "GB", "KW15 1AA"), ("DE-LEJ1", "DE", "25980"), ("X", "FR", "75001")):
        by_dims = rater.all_options(node, country, postal, D("3.2"), dims_cm=dims, fx=FX_FULL)
        by_size = rater.all_options(
            node,
            country,
            postal,
            D("3.2"),
            longest_side_cm=D(110),
            length_plus_girth_cm=D(221),
            volume_cm3=D(110) * D(30) * D("25.5"),
            fx=FX_FULL,
        )
        assert by_dims == by_size and by_dims
    with pytest.raises(ValueError, match="volume"):
        rater.best("GB-LDS1", "GB", "M1 1AE", D(1), longest_side_cm=D(50), length_plus_girth_cm=D(120))
    with pytest.raises(ValueError, match="together"):
        rater.best("GB-LDS1", "GB", "M1 1AE", D(1), longest_side_cm=D(50))
    with pytest.raises(ValueError, match="not both"):
        rater.best("GB-LDS1", "GB", "M1 1AE", D(1), dims_cm=dims, volume_cm3=D(5))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"prefer": "fast"}, "prefer"),
        ({"level": "overnight"}, "level"),
        ({"country": "Germany"}, "country"),
        ({"weight_kg": 1.5}, "Decimal"),
        ({"weight_kg": D(0)}, "above 0"),
        ({"weight_kg": D("NaN")}, "above 0"),
    ],
)
def test_bad_arguments_are_refused(fixture_cards: tuple[RateCard, ...], kwargs: dict[str, Any], match: str) -> None:
    call = {"node": "DE-LEJ1", "country": "DE", "postal_code": "10115", "weight_kg": D(1), **kwargs}
    with pytest.raises(ValueError, match=match):
        FastRater(fixture_cards).best(**call)


def test_mixed_currencies_without_fx_are_refused_like_choose_service(all_cards: tuple[RateCard, ...]) -> None:
    case = Case("DE-LEJ1", "DE", "10115", D(2))
    assert isinstance(choose(all_cards, case), ValueError)
    with pytest.raises(ValueError, match="fx"):
        FastRater(all_cards).best(case.node, case.country, case.postal, case.weight)
    rater = FastRater(all_cards)
    assert rater.all_options("NOWHERE", "JP", "100-0001", D(2), fx=FX_PARTIAL) == []  # JPY only, no JPY rate
    japan = rater.best("NOWHERE", "JP", "100-0001", D(2), fx=FX_FULL)
    assert japan is not None and (japan.service, japan.total, japan.currency) == (
        "Z-JP",
        D(1341),
        "JPY",
    )  # 1250 + 0 + 91


def test_memo_is_bounded_and_can_be_cleared(fixture_cards: tuple[RateCard, ...]) -> None:
    rater = FastRater(fixture_cards, cache_size=2)
    totals = [rater.best("DE-LEJ1", "DE", "10115", w, level="standard") for w in (1, 3, 7, 1)]
    assert [t.total if t else None for t in totals] == [D("5.58"), D("7.20"), D("9.92"), D("5.58")]
    assert rater.cache_info().size <= 2 and rater.cache_info().misses == 4  # int weights are taken as Decimal
    rater.clear_cache()
    assert rater.cache_info() == (0, 0, 0)


def test_ties_are_broken_like_choose_service() -> None:
    def service(code: str, transit: list[int], price: str) -> dict[str, Any]:
        return {
            "code": code,
            "name": code,
            "level": "standard",
            "nodes": {"*": {"cutoff": "12:00", "pickup_days": ["mon"]}},
            "transit_days": {"ALL": transit},
            "rates": {"ALL": {"bands": [{"up_to_kg": 10, "price": D(price)}]}},
        }

    card = {
        "carrier": {"code": "TIE", "name": "Tie Test"},
        "currency": "EUR",
        "zones": [{"zone": "ALL", "country": "DE"}],
        "services": [
            service("A", [1, 3], "5.00"),
            service("B", [2, 2], "5.00"),
            service("C", [2, 2], "4.00"),
            service("D", [1, 2], "6.00"),
            service("E", [1, 2], "6.00"),
        ],
    }
    cards = (parse_rate_card(card, "tie.yaml"),)
    rater = FastRater(cards)
    by_cost = [q.service for q in rater.all_options("N", "DE", None, D(1), prefer="cost")]
    by_speed = [q.service for q in rater.all_options("N", "DE", None, D(1), prefer="speed")]
    assert by_cost == ["C", "B", "A", "D", "E"]
    assert by_speed == ["D", "E", "C", "B", "A"]
    for prefer in ("cost", "speed"):
        check(rater, cards, Case("N", "DE", None, D(1), prefer=prefer))


def test_step_costs_round_band_edges_down_to_the_weight_step() -> None:
    card = {
        "carrier": {"code": "STEP", "name": "Step Test"},
        "currency": "EUR",
        "chargeable_weight_step_kg": D("0.4"),
        "zones": [{"zone": "ALL", "country": "DE"}],
        "services": [
            {
                "code": "S",
                "name": "S",
                "level": "standard",
                "nodes": {"*": {"cutoff": "12:00", "pickup_days": ["mon"]}},
                "transit_days": {"ALL": 1},
                "rates": {"ALL": {"bands": [{"up_to_kg": 1, "price": 3}, {"up_to_kg": D("2.7"), "price": 4}]}},
            }
        ],
    }
    cards = (parse_rate_card(card, "step.yaml"),)
    rater = FastRater(cards)
    curve = rater.step_costs("N", "DE", None, level=None, max_weight_kg=D(5))
    assert curve == [(D("0.8"), D("3.00")), (D("2.4"), D("4.00"))]  # 2.5 kg is charged as 2.8 kg: too heavy
    for weight in ("0.8", "0.801", "2.4", "2.401"):
        check(rater, cards, Case("N", "DE", None, D(weight)))


def test_memo_entry_separates_volumetric_weights_of_the_same_size_class(fixture_cards: tuple[RateCard, ...]) -> None:
    rater = FastRater(fixture_cards)
    small, deep = (D(30), D(20), D(10)), (D(30), D(20), D(20))  # 1.2 kg and 2.4 kg volumetric at 5000 cm3/kg
    for dims, total in ((small, "5.58"), (deep, "7.20"), (small, "5.58")):
        best = rater.best("DE-LEJ1", "DE", "10115", D(1), level="standard", dims_cm=dims)
        assert best is not None and str(best.total) == total
    assert rater.cache_info() == (1, 2, 2)
