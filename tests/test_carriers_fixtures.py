"""Golden quotes and choices on the example rate cards in fixtures/carriers (totals computed by hand)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

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
    load_rate_cards,
    quote,
)

D = Decimal
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"


@pytest.fixture(scope="module")
def cards() -> dict[str, RateCard]:
    return {card.carrier.code: card for card in load_rate_cards(FIXTURES)}


def _parcel(weight: str, dims: tuple[int, int, int] | None = None) -> Parcel:
    if dims is None:
        return Parcel(weight_kg=D(weight))
    return Parcel(weight_kg=D(weight), length_cm=D(dims[0]), width_cm=D(dims[1]), height_cm=D(dims[2]))


GOLDEN = [
    # carrier, service, node, country, postcode, weight, dims, zone, charges (code, amount), total
    # KP-STD Berlin, 3.2 kg (vol 1.8 kg): band 5 kg 6.49 + energy 0.15 = 6.64; fuel 8.5% = 0.5644 -> 0.56
    (
        "KRANICH",
        "KP-STD",
        "DE-LEJ1",
        "DE",
        "10115",
        "3.2",
        (30, 20, 15),
        "DE",
        [("base", "6.49"), ("energy", "0.15"), ("fuel", "0.56")],
        "7.20",
    ),
    # KP-STD Sylt, 1 kg but 60x40x40 = 19.2 kg volumetric: band 20 kg 12.99 + 0.15 + island 4.50 = 17.64;
    # fuel 8.5% = 1.4994 -> 1.50
    (
        "KRANICH",
        "KP-STD",
        "DE-LEJ1",
        "DE",
        "25980",
        "1.0",
        (60, 40, 40),
        "DE",
        [("base", "12.99"), ("energy", "0.15"), ("island", "4.50"), ("fuel", "1.50")],
        "19.14",
    ),
    # KP-EXP Munich, 34 kg: 27.90 + 4 started kg x 1.20 = 32.70; + 0.15 = 32.85; fuel 14.5% = 4.76325 -> 4.76
    (
        "KRANICH",
        "KP-EXP",
        "DE-LEJ1",
        "DE",
        "80331",
        "34",
        None,
        "DE",
        [("base", "32.70"), ("energy", "0.15"), ("fuel", "4.76")],
        "37.61",
    ),
    # KP-STD Vienna, 12 kg with a 130 cm side: EU1 band 20 kg 29.90 + 0.15 + bulky 24.00 = 54.05;
    # fuel 8.5% = 4.59425 -> 4.59
    (
        "KRANICH",
        "KP-STD",
        "DE-LEJ1",
        "AT",
        "1010",
        "12",
        (130, 30, 20),
        "EU1",
        [("base", "29.90"), ("energy", "0.15"), ("bulky", "24.00"), ("fuel", "4.59")],
        "58.64",
    ),
    # KS-48 Manchester, 2.3 kg, 40x30x20 = 4.8 kg volumetric, whole kg -> 5: 5.89; fuel 6.25% of base = 0.37
    (
        "KESTREL",
        "KS-48",
        "GB-LDS1",
        "GB",
        "M1 1AE",
        "2.3",
        (40, 30, 20),
        "GB-MAIN",
        [("base", "5.89"), ("fuel", "0.37")],
        "6.26",
    ),
    # KS-48 Kirkwall: KW15 beats KW -> GB-ISLANDS; 0.8 kg -> 1 kg: 9.99; fuel 0.624375 -> 0.62
    (
        "KESTREL",
        "KS-48",
        "GB-LDS1",
        "GB",
        "KW151AB",
        "0.8",
        None,
        "GB-ISLANDS",
        [("base", "9.99"), ("fuel", "0.62")],
        "10.61",
    ),
    # KS-48 Inverness: GB-HI band 10 kg 15.49; fuel 0.968125 -> 0.97
    (
        "KESTREL",
        "KS-48",
        "GB-LDS1",
        "GB",
        "IV2 3XY",
        "7",
        None,
        "GB-HI",
        [("base", "15.49"), ("fuel", "0.97")],
        "16.46",
    ),
    # KS-48 Isles of Scilly: mainland zone + scilly 5.50; fuel on base only: 4.29 x 6.25% = 0.268125 -> 0.27
    (
        "KESTREL",
        "KS-48",
        "GB-LDS1",
        "GB",
        "TR21 0LW",
        "1.5",
        None,
        "GB-MAIN",
        [("base", "4.29"), ("scilly", "5.50"), ("fuel", "0.27")],
        "10.06",
    ),
    # KS-INTL Berlin, 22 kg: 54.95 + 2 kg x 2.50 = 59.95; + customs 0.85 = 60.80; fuel 12% = 7.296 -> 7.30
    (
        "KESTREL",
        "KS-INTL",
        "GB-LDS1",
        "DE",
        "10115",
        "22",
        None,
        "EU",
        [("base", "59.95"), ("customs_data", "0.85"), ("fuel", "7.30")],
        "68.10",
    ),
]


@pytest.mark.parametrize(
    ("carrier", "service", "node", "country", "postal", "weight", "dims", "zone", "charges", "total"),
    GOLDEN,
    ids=[f"{g[1]}-{g[4]}-{g[5]}kg" for g in GOLDEN],
)
def test_golden_quotes(
    cards: dict[str, RateCard],
    carrier: str,
    service: str,
    node: str,
    country: str,
    postal: str,
    weight: str,
    dims: tuple[int, int, int] | None,
    zone: str,
    charges: list[tuple[str, str]],
    total: str,
) -> None:
    result = quote(
        cards[carrier], service, _parcel(weight, dims), Destination(country=country, postal_code=postal), node
    )
    assert isinstance(result, Quote), result
    assert result.zone == zone
    assert [(c.code, c.amount.amount) for c in result.charges] == [(code, D(amount)) for code, amount in charges]
    assert result.total.amount == D(total)
    assert result.total.amount.as_tuple().exponent == -2


def test_fixture_rejections(cards: dict[str, RateCard]) -> None:
    kranich = cards["KRANICH"]
    canaries = quote(kranich, "KP-STD", _parcel("1"), Destination(country="ES", postal_code="35001"), "DE-LEJ1")
    assert isinstance(canaries, Rejection) and canaries.reason is RejectReason.ZONE_NOT_SERVED
    madrid = quote(kranich, "KP-STD", _parcel("1"), Destination(country="ES", postal_code="28001"), "DE-LEJ1")
    assert isinstance(madrid, Quote) and madrid.zone == "EU2"
    heavy = quote(kranich, "KP-EXP", _parcel("41"), Destination(country="DE", postal_code="80331"), "DE-LEJ1")
    assert isinstance(heavy, Rejection) and heavy.reason is RejectReason.OVER_MAX_WEIGHT
    eu_heavy = quote(kranich, "KP-EXP", _parcel("21"), Destination(country="AT", postal_code="1010"), "DE-LEJ1")
    assert isinstance(eu_heavy, Rejection) and "zone EU1 limit of 20 kg" in eu_heavy.detail


def test_choice_on_fixture_cards(cards: dict[str, RateCard]) -> None:
    request = ShipmentRequest(
        destination=Destination(country="GB", postal_code="M1 1AE"), parcels=(_parcel("2.3", (40, 30, 20)),)
    )
    everything = list(cards.values())
    cheapest = choose_service(everything, request, service_level="standard", node="GB-LDS1")
    assert cheapest.winner is not None and cheapest.winner.service == "KS-48"
    assert cheapest.explain() == [
        "chosen KESTREL/KS-48 (standard): 6.26 GBP, 1-2 days",
        "rank 2 KESTREL/KS-24 (express): 9.02 GBP, 1-1 days",
        "rejected KESTREL/KS-ECO (economy): below_service_level: economy is slower than the requested standard",
        "rejected KESTREL/KS-INTL (standard): zone_not_served: KS-INTL has no rates for zone GB-MAIN",
        "rejected KRANICH/KP-ECO (economy): below_service_level: economy is slower than the requested standard",
        "rejected KRANICH/KP-STD (standard): node_not_served: no pickup at node 'GB-LDS1'",
        "rejected KRANICH/KP-EXP (express): node_not_served: no pickup at node 'GB-LDS1'",
    ]
    fastest = choose_service(everything, request, service_level="standard", node="GB-LDS1", prefer="speed")
    assert fastest.winner is not None and fastest.winner.service == "KS-24"
    # Saver: 24000 / 6000 = 4 kg -> band 5 kg 4.99; fuel 0.311875 -> 0.31
    saver = choose_service(everything, request, service_level="economy", node="GB-LDS1")
    assert saver.winner is not None and saver.winner.service == "KS-ECO"
    assert saver.winner.total is not None and saver.winner.total.amount == D("5.30")


def test_saturday_pickup_only_for_express(cards: dict[str, RateCard]) -> None:
    request = ShipmentRequest(destination=Destination(country="DE", postal_code="10115"), parcels=(_parcel("3"),))
    saturday = date(2026, 3, 7)
    choice = choose_service([cards["KRANICH"]], request, service_level="economy", node="DE-LEJ1", ship_date=saturday)
    assert choice.winner is not None and choice.winner.service == "KP-EXP"
    assert [c.rejection.reason for c in choice.candidates if c.rejection] == [RejectReason.NO_PICKUP_ON_DATE] * 2
