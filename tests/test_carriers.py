"""Rating and service choice on small hand-made rate cards."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from hub.carriers import (
    Destination,
    Parcel,
    Quote,
    RateCard,
    Rejection,
    RejectReason,
    ShipmentRequest,
    choose_service,
    parse_rate_card,
    quote,
    resolve_zone,
)
from hub.carriers.zones import normalize_postal_code

D = Decimal
NODE = "WH1"


def card_data() -> dict[str, Any]:
    """A small EUR card: DE zones A (default), B (prefix 1) and C (prefix 12); no surcharges."""
    return {
        "carrier": {"code": "TEST", "name": "Test Carrier"},
        "currency": "EUR",
        "volumetric_divisor": 5000,
        "zones": [
            {"zone": "A", "country": "DE"},
            {"zone": "B", "country": "DE", "postal_prefixes": ["1"]},
            {"zone": "C", "country": "DE", "postal_prefixes": ["12"]},
        ],
        "services": [
            {
                "code": "STD",
                "name": "Standard",
                "level": "standard",
                "max_weight_kg": D("31.5"),
                "max_longest_side_cm": 150,
                "nodes": {NODE: {"cutoff": "17:00", "pickup_days": ["mon", "tue", "wed", "thu", "fri"]}},
                "transit_days": {"A": {"min": 1, "max": 2}, "B": [2, 3], "C": 3},
                "rates": {
                    "A": {
                        "bands": [
                            {"up_to_kg": 2, "price": "5.00"},
                            {"up_to_kg": 5, "price": "6.00"},
                            {"up_to_kg": D("31.5"), "price": "10.00"},
                        ]
                    },
                    "B": {"bands": [{"up_to_kg": 10, "price": "7.00"}], "extra_kg_price": "0.50", "max_weight_kg": 20},
                    "C": {"bands": [{"up_to_kg": 10, "price": "9.00"}]},
                },
            }
        ],
    }


def make(data: dict[str, Any] | None = None) -> RateCard:
    return parse_rate_card(data or card_data(), "test.yaml")


def parcel(weight: str, dims: tuple[int, int, int] | None = None) -> Parcel:
    if dims is None:
        return Parcel(weight_kg=D(weight))
    return Parcel(weight_kg=D(weight), length_cm=D(dims[0]), width_cm=D(dims[1]), height_cm=D(dims[2]))


def rate(card: RateCard, p: Parcel, postal: str | None = "80331", country: str = "DE") -> Quote:
    result = quote(card, "STD", p, Destination(country=country, postal_code=postal), NODE)
    assert isinstance(result, Quote), result
    return result


def reject(card: RateCard, p: Parcel, postal: str | None = "80331", country: str = "DE", node: str = NODE) -> Rejection:
    result = quote(card, "STD", p, Destination(country=country, postal_code=postal), node)
    assert isinstance(result, Rejection), result
    return result


@pytest.mark.parametrize(
    ("weight", "price"),
    [("0.1", "5.00"), ("2", "5.00"), ("2.001", "6.00"), ("5", "6.00"), ("5.01", "10.00"), ("31.5", "10.00")],
)
def test_weight_band_edges_are_inclusive_upper_bounds(weight: str, price: str) -> None:
    assert rate(make(), parcel(weight)).total.amount == D(price)


def test_above_last_band_without_extra_price_is_rejected() -> None:
    data = card_data()
    del data["services"][0]["max_weight_kg"]
    rejection = reject(make(data), parcel("31.6"))
    assert rejection.reason is RejectReason.OVER_MAX_WEIGHT
    assert "31.6" in rejection.detail and "31.5" in rejection.detail


def test_extra_kg_price_per_started_kg_up_to_the_zone_limit() -> None:
    card = make()
    assert rate(card, parcel("10"), postal="10115").total.amount == D("7.00")
    assert rate(card, parcel("10.2"), postal="10115").total.amount == D("7.50")
    assert rate(card, parcel("12"), postal="10115").total.amount == D("8.00")
    assert rate(card, parcel("20"), postal="10115").total.amount == D("12.00")
    assert reject(card, parcel("20.5"), postal="10115").reason is RejectReason.OVER_MAX_WEIGHT


def test_service_max_weight_rejects_with_reason() -> None:
    rejection = reject(make(), parcel("32"))
    assert rejection.reason is RejectReason.OVER_MAX_WEIGHT
    assert rejection.detail == "weight 32 kg is above the limit of 31.5 kg"


def test_over_max_size_is_rejected() -> None:
    rejection = reject(make(), parcel("1", (151, 10, 10)))
    assert rejection.reason is RejectReason.OVER_MAX_SIZE
    assert "longest_side 151 cm" in rejection.detail


def test_volumetric_weight_wins_when_larger() -> None:
    q = rate(make(), parcel("1", (50, 40, 30)))  # 60000 / 5000 = 12 kg
    assert q.volumetric_weight_kg == D("12.000")
    assert q.chargeable_weight_kg == D("12.000")
    assert q.total.amount == D("10.00")


def test_actual_weight_wins_when_larger() -> None:
    q = rate(make(), parcel("3", (20, 10, 10)))  # 0.4 kg volumetric
    assert q.volumetric_weight_kg == D("0.400")
    assert q.chargeable_weight_kg == D("3")
    assert q.total.amount == D("6.00")


def test_volumetric_weight_rounds_up_to_the_gram_and_step() -> None:
    data = card_data()
    data["volumetric_divisor"] = 6000
    data["chargeable_weight_step_kg"] = D("0.5")
    q = rate(make(data), parcel("1", (21, 21, 21)))  # 9261 / 6000 = 1.5435 -> 1.544 -> step 2.0
    assert q.volumetric_weight_kg == D("1.544")
    assert q.chargeable_weight_kg == D("2.0")
    assert q.total.amount == D("5.00")


def test_most_specific_prefix_wins() -> None:
    card = make()
    assert resolve_zone(card.zones, "DE", "80331") == "A"
    assert resolve_zone(card.zones, "DE", "10115") == "B"
    assert resolve_zone(card.zones, "DE", "12345") == "C"
    assert resolve_zone(card.zones, "DE", None) == "A"
    assert resolve_zone(card.zones, "FR", "75001") is None


def test_uk_outward_codes_are_not_confused() -> None:
    data = card_data()
    data["zones"] = [{"zone": "MAIN", "country": "GB"}, {"zone": "HI", "country": "GB", "postal_prefixes": ["PA20"]}]
    card = make(_retarget(data, ["MAIN", "HI"]))
    assert normalize_postal_code("GB", "pa201aa") == "PA20 1AA"
    assert resolve_zone(card.zones, "GB", "PA20 1AA") == "HI"
    assert resolve_zone(card.zones, "GB", "PA201AA") == "HI"
    assert resolve_zone(card.zones, "GB", "PA2 0AB") == "MAIN"  # Paisley, not Rothesay
    assert resolve_zone(card.zones, "GB", "PA20AB") == "MAIN"


def _retarget(data: dict[str, Any], zones: list[str]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    svc = data["services"][0]
    bands = {"bands": [{"up_to_kg": 10, "price": "5.00"}]}
    svc["rates"] = {z: bands for z in zones}
    svc["transit_days"] = {z: [1, 2] for z in zones}
    return data


def test_no_zone_and_zone_not_served_are_distinct_reasons() -> None:
    data = card_data()
    data["zones"].append({"zone": "X", "country": "AT"})
    card = make(data)
    assert reject(card, parcel("1"), country="FR", postal="75001").reason is RejectReason.NO_ZONE
    assert reject(card, parcel("1"), country="AT", postal="1010").reason is RejectReason.ZONE_NOT_SERVED
    assert reject(card, parcel("1"), node="ELSEWHERE").reason is RejectReason.NODE_NOT_SERVED


def test_surcharges_itemised_with_fuel_on_top() -> None:
    data = card_data()
    data["surcharges"] = {
        "fuel_percent": "10",
        "per_parcel": [{"code": "energy", "amount": "0.20"}],
        "remote_area": [
            {"code": "island", "country": "DE", "postal_prefixes": ["18565"], "amount": "3.00"},
            {"code": "north", "country": "DE", "postal_prefixes": ["18"], "amount": "1.00"},
        ],
        "oversize": [
            {"code": "long", "above_cm": 100, "amount": "4.00"},
            {"code": "very_long", "above_cm": 120, "amount": "9.00"},
        ],
    }
    card = make(data)
    q = rate(card, parcel("1", (130, 10, 10)), postal="18565")
    assert [(c.kind, c.code, c.amount.amount) for c in q.charges] == [
        ("base", "base", D("7.00")),  # zone B: 18565 starts with "1"
        ("per_parcel", "energy", D("0.20")),
        ("remote_area", "island", D("3.00")),  # the most specific remote area only
        ("oversize", "very_long", D("9.00")),  # the highest tier reached only
        ("fuel", "fuel", D("1.92")),  # 10% of 19.20
    ]
    assert q.total.amount == D("21.12")
    assert rate(card, parcel("1"), postal="18055").total.amount == D("9.02")  # (7 + 0.2 + 1) * 1.1


def test_fuel_on_base_only_and_rounding_half_even() -> None:
    data = card_data()
    data["surcharges"] = {
        "fuel_percent": "12.5",
        "fuel_on_surcharges": False,
        "per_parcel": [{"code": "fee", "amount": "1.00"}],
    }
    q = rate(make(data), parcel("1"))
    assert q.charges[-1].amount.amount == D("0.62")  # 0.625 -> 0.62 (banker's rounding)
    assert q.total.amount == D("6.62")
    assert q.total.amount == sum(c.amount.amount for c in q.charges)


def test_quote_reports_transit_and_cutoff() -> None:
    q = rate(make(), parcel("1"), postal="12000")
    assert q.zone == "C"
    assert (q.transit_days.min, q.transit_days.max) == (3, 3)
    assert q.cutoff.isoformat() == "17:00:00"


def test_floats_are_refused() -> None:
    with pytest.raises(ValueError, match="never float"):
        Parcel(weight_kg=1.5)  # type: ignore[arg-type]


def _choice_card() -> RateCard:
    data = card_data()
    std = data["services"][0]
    express = copy.deepcopy(std) | {"code": "EXP", "name": "Express", "level": "express"}
    express["rates"] = {"A": {"bands": [{"up_to_kg": "31.5", "price": "9.00"}]}}
    express["transit_days"] = {"A": [1, 1]}
    eco = copy.deepcopy(std) | {"code": "ECO", "name": "Economy", "level": "economy"}
    eco["rates"] = {"A": {"bands": [{"up_to_kg": "31.5", "price": "4.00"}]}}
    eco["transit_days"] = {"A": [3, 5]}
    eco["nodes"] = {"*": {"cutoff": "18:00", "pickup_days": ["mon", "wed", "fri"]}}
    data["services"] = [express, std, eco]
    return make(data)


def _request(weight: str = "3", postal: str = "80331") -> ShipmentRequest:
    return ShipmentRequest(destination=Destination(country="DE", postal_code=postal), parcels=(parcel(weight),))


def test_service_level_filter_keeps_faster_levels() -> None:
    choice = choose_service([_choice_card()], _request(), service_level="standard", node=NODE)
    assert choice.winner is not None and choice.winner.service == "STD"
    eco = next(c for c in choice.candidates if c.service == "ECO")
    assert eco.rejection is not None and eco.rejection.reason is RejectReason.BELOW_SERVICE_LEVEL
    assert [c.service for c in choice.candidates if c.viable] == ["STD", "EXP"]


def test_cost_versus_speed_ranking() -> None:
    card = _choice_card()
    cheapest = choose_service([card], _request(), service_level="economy", node=NODE, prefer="cost")
    fastest = choose_service([card], _request(), service_level="economy", node=NODE, prefer="speed")
    assert [c.service for c in cheapest.candidates] == ["ECO", "STD", "EXP"]
    assert [c.service for c in fastest.candidates] == ["EXP", "STD", "ECO"]
    assert [c.rank for c in fastest.candidates] == [1, 2, 3]
    assert cheapest.explain()[0] == "chosen TEST/ECO (economy): 4.00 EUR, 3-5 days"


def test_cost_tie_broken_by_transit_time() -> None:
    data = card_data()
    slow = copy.deepcopy(data["services"][0]) | {"code": "SLOW"}
    slow["transit_days"] = {"A": [2, 4], "B": [2, 3], "C": 3}
    data["services"].insert(0, slow)
    choice = choose_service([make(data)], _request(), service_level=None, node=NODE)
    assert [c.service for c in choice.candidates] == ["STD", "SLOW"]


def test_multi_parcel_totals_and_rejections_explained() -> None:
    request = ShipmentRequest(
        destination=Destination(country="DE", postal_code="80331"), parcels=(parcel("1"), parcel("3"))
    )
    choice = choose_service([_choice_card()], request, service_level="standard", node=NODE)
    assert choice.winner is not None and choice.winner.total is not None
    assert choice.winner.total.amount == D("11.00")
    assert len(choice.winner.quotes) == 2
    heavy = ShipmentRequest(destination=request.destination, parcels=(parcel("1"), parcel("40")))
    none = choose_service([_choice_card()], heavy, service_level="standard", node=NODE)
    assert none.winner is None
    assert all(c.rejection is not None for c in none.candidates)
    assert none.as_dict()["candidates"][0]["rejection"]["reason"] == "over_max_weight"


def test_pickup_weekday_check() -> None:
    card = _choice_card()
    saturday, monday, tuesday = date(2026, 3, 7), date(2026, 3, 9), date(2026, 3, 10)
    on_sat = choose_service([card], _request(), service_level="economy", node=NODE, ship_date=saturday)
    assert on_sat.winner is None
    assert {c.rejection.reason for c in on_sat.candidates if c.rejection} == {RejectReason.NO_PICKUP_ON_DATE}
    on_tue = choose_service([card], _request(), service_level="economy", node=NODE, ship_date=tuesday)
    assert [c.service for c in on_tue.candidates if c.viable] == ["STD", "EXP"]
    on_mon = choose_service([card], _request(), service_level="economy", node=NODE, ship_date=monday)
    assert on_mon.winner is not None and on_mon.winner.service == "ECO"


def test_mixed_currencies_need_exchange_rates() -> None:
    eur = _choice_card()
    data = card_data()
    data["carrier"] = {"code": "GBX", "name": "Pound Carrier"}
    data["currency"] = "GBP"
    data["services"][0]["rates"]["A"] = {"bands": [{"up_to_kg": "31.5", "price": "3.00"}]}
    gbp = make(data)
    with pytest.raises(ValueError, match="fx"):
        choose_service([eur, gbp], _request(), service_level="standard", node=NODE)
    choice = choose_service(
        [eur, gbp], _request(), service_level="standard", node=NODE, fx={"EUR": D("1"), "GBP": D("1.17")}
    )
    assert choice.winner is not None and choice.winner.carrier == "GBX"  # 3.51 EUR-equivalent
    partial = choose_service([eur, gbp], _request(), service_level="standard", node=NODE, fx={"EUR": D(1)})
    gbx = next(c for c in partial.candidates if c.carrier == "GBX")
    assert gbx.rejection is not None and gbx.rejection.reason is RejectReason.NO_EXCHANGE_RATE
