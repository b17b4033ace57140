"""Every invalid rate card raises a ConfigError that names the file and the key."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hub.carriers import load_rate_card_text, load_rate_cards, parse_rate_card
from hub.errors import ConfigError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"


def card_data() -> dict[str, Any]:
    return {
        "carrier": {"code": "TEST", "name": "Test Carrier"},
        "currency": "EUR",
        "zones": [{"zone": "A", "country": "DE"}, {"zone": "B", "country": "DE", "postal_prefixes": ["1"]}],
        "services": [
            {
                "code": "STD",
                "name": "Standard",
                "level": "standard",
                "nodes": {"WH1": {"cutoff": "17:00", "pickup_days": ["mon", "fri"]}},
                "transit_days": {"A": [1, 2], "B": [2, 3]},
                "rates": {
                    "A": {"bands": [{"up_to_kg": 2, "price": "5.00"}, {"up_to_kg": 5, "price": "6.00"}]},
                    "B": {"bands": [{"up_to_kg": 5, "price": "7.00"}]},
                },
            }
        ],
    }


def _svc(d: dict[str, Any]) -> dict[str, Any]:
    return d["services"][0]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets a dotted path (list indexes as numbers) in the card data."""

    def apply(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = d
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return apply


def _del(path: str) -> Callable[[dict[str, Any]], None]:
    def apply(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = d
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]

    return apply


BAND = "services.0.rates.A"
CASES: list[tuple[str, Callable[[dict[str, Any]], Any], str, str]] = [
    ("bands not ascending", _set(f"{BAND}.bands.1.up_to_kg", 2), f"{BAND}.bands", "must be above band 0"),
    ("band price falls", _set(f"{BAND}.bands.1.price", "4.00"), f"{BAND}.bands", "is below band 0 price"),
    ("empty bands", _set(f"{BAND}.bands", []), f"{BAND}.bands", "at least 1"),
    ("negative price", _set(f"{BAND}.bands.0.price", "-1"), f"{BAND}.bands.0.price", "greater than or equal"),
    ("float price", _set(f"{BAND}.bands.0.price", 4.99), f"{BAND}.bands.0.price", "never float"),
    ("max weight below last band", _set(f"{BAND}.max_weight_kg", 4), f"{BAND}.max_weight_kg", "below the last band"),
    ("max weight without extra price", _set(f"{BAND}.max_weight_kg", 10), f"{BAND}.max_weight_kg", "extra_kg_price"),
    ("card currency", _set("currency", "EURO"), "currency", "ISO 4217"),
    ("service currency", _set("services.0.currency", "XYZ"), "services.0.currency", "ISO 4217"),
    ("no currency at all", _del("currency"), "services.0.currency", "required"),
    ("zone country", _set("zones.0.country", "Germany"), "zones.0.country", "ISO 3166-1"),
    ("two country defaults", _set("zones.1", {"zone": "B", "country": "DE"}), "zones.1", "already has a default"),
    ("empty prefix", _set("zones.1.postal_prefixes", [" "]), "zones.1.postal_prefixes.0", "must not be empty"),
    (
        "unknown zone in rates",
        lambda d: (
            _set("services.0.rates.Z", {"bands": [{"up_to_kg": 1, "price": 1}]})(d),
            _set("services.0.transit_days.Z", [1, 1])(d),
        ),
        "services.0.rates.Z",
        "not defined in zones",
    ),
    ("rates without transit", _del("services.0.transit_days.B"), "services.0.transit_days", "no transit days"),
    ("transit without rates", _set("services.0.transit_days.C", [1, 1]), "services.0.transit_days.C", "no rates"),
    (
        "transit min above max",
        _set("services.0.transit_days.A", {"min": 3, "max": 1}),
        "services.0.transit_days.A.min",
        "above max",
    ),
    ("unknown level", _set("services.0.level", "overnight"), "services.0.level", "economy"),
    (
        "bad weekday",
        _set("services.0.nodes.WH1.pickup_days", ["mon", "someday"]),
        "services.0.nodes.WH1.pickup_days.1",
        "mon",
    ),
    (
        "weekday twice",
        _set("services.0.nodes.WH1.pickup_days", ["mon", "mon"]),
        "services.0.nodes.WH1.pickup_days",
        "twice",
    ),
    ("bad cut-off", _set("services.0.nodes.WH1.cutoff", "25:00"), "services.0.nodes.WH1.cutoff", "time"),
    ("no nodes", _set("services.0.nodes", {}), "services.0.nodes", "at least 1"),
    ("unknown key", _set("services.0.colour", "red"), "services.0.colour", "not permitted"),
    ("zero divisor", _set("volumetric_divisor", 0), "volumetric_divisor", "greater than 0"),
    ("fuel above 100%", _set("surcharges", {"fuel_percent": 150}), "surcharges.fuel_percent", "less than or equal"),
    (
        "duplicate surcharge code",
        _set(
            "surcharges",
            {"per_parcel": [{"code": "x", "amount": 1}], "oversize": [{"code": "x", "above_cm": 100, "amount": 1}]},
        ),
        "surcharges.oversize.0.code",
        "used twice",
    ),
    (
        "remote prefix twice",
        _set(
            "surcharges",
            {
                "remote_area": [
                    {"code": "a", "country": "DE", "postal_prefixes": ["25"], "amount": 1},
                    {"code": "b", "country": "DE", "postal_prefixes": ["25"], "amount": 2},
                ]
            },
        ),
        "surcharges.remote_area.1.postal_prefixes",
        "already listed",
    ),
    (
        "oversize dimension",
        _set("surcharges", {"oversize": [{"code": "o", "dimension": "depth", "above_cm": 1, "amount": 1}]}),
        "surcharges.oversize.0.dimension",
        "longest_side",
    ),
    ("duplicate service code", lambda d: d["services"].append(copy.deepcopy(_svc(d))), "services.1.code", "twice"),
    ("no services", _set("services", []), "services", "at least 1"),
    ("unquoted numeric prefix", _set("zones.1.postal_prefixes", ["1", 25]), "zones.1.postal_prefixes.1", "quoted"),
    ("missing carrier name", _del("carrier.name"), "carrier.name", "required"),
]


@pytest.mark.parametrize(("label", "mutate", "key", "words"), CASES, ids=[c[0] for c in CASES])
def test_invalid_card_names_file_and_key(
    label: str, mutate: Callable[[dict[str, Any]], Any], key: str, words: str
) -> None:
    data = card_data()
    mutate(data)
    with pytest.raises(ConfigError) as caught:
        parse_rate_card(data, "cards/test.yaml")
    err = caught.value
    assert err.location.file == "cards/test.yaml"
    assert err.location.field == key, str(err)
    assert f"rate card cards/test.yaml: {key}: " in err.message
    assert words in err.message, err.message
    assert err.code == "rate_card_invalid"


def test_prefix_overlap_between_zones_is_refused() -> None:
    data = card_data()
    data["zones"].append({"zone": "C", "country": "DE", "postal_prefixes": ["2", "1"]})
    with pytest.raises(ConfigError, match=r"zones\.2\.postal_prefixes: prefix '1' in DE is already in zones\.1"):
        parse_rate_card(data, "t.yaml")
    data["zones"][2] = {"zone": "B", "country": "AT", "postal_prefixes": ["1"]}  # other country: fine
    parse_rate_card(data, "t.yaml")


def test_the_valid_base_card_loads() -> None:
    card = parse_rate_card(card_data(), "t.yaml")
    assert card.source == "t.yaml"
    assert card.services[0].currency == "EUR"


def test_root_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError, match=r"rate card t\.yaml: \(root\)"):
        load_rate_card_text("- just a list\n", "t.yaml")


def test_yaml_duplicate_keys_and_syntax_errors_name_the_file() -> None:
    text = "carrier: {code: A, name: B}\ncurrency: EUR\ncurrency: GBP\n"
    with pytest.raises(ConfigError, match="duplicate key 'currency'") as caught:
        load_rate_card_text(text, "dup.yaml")
    assert caught.value.location.file == "dup.yaml" and caught.value.location.line == 3
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_rate_card_text("carrier: [unclosed\n", "bad.yaml")


def test_yaml_scalars_are_exact_and_literal() -> None:
    text = (FIXTURES / "kranich_paket_de.yaml").read_text(encoding="utf-8")
    text = text.replace('cutoff: "18:00"', "cutoff: 18:00", 1)  # unquoted: still a time, not 1080
    card = load_rate_card_text(text, "k.yaml")
    assert card.services[0].nodes["DE-LEJ1"].cutoff.isoformat() == "18:00:00"
    assert card.services[0].rates["DE"].bands[-1].up_to_kg == Decimal("31.5")
    assert card.surcharges is not None and card.surcharges.fuel_percent == Decimal("8.5")


def test_loader_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_rate_cards(tmp_path / "missing")
    with pytest.raises(ConfigError, match="holds no rate card"):
        load_rate_cards(tmp_path)
    source = (FIXTURES / "kestrel_parcels_gb.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(source, encoding="utf-8")
    (tmp_path / "b.yml").write_text(source, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"carrier\.code: carrier 'KESTREL' already has a card") as caught:
        load_rate_cards(tmp_path)
    assert caught.value.location.file == str(tmp_path / "b.yml")
    (tmp_path / "b.yml").unlink()
    (tmp_path / "notes.txt").write_text("not a card", encoding="utf-8")
    assert [c.carrier.code for c in load_rate_cards(tmp_path)] == ["KESTREL"]
    assert [c.carrier.code for c in load_rate_cards(tmp_path / "a.yaml")] == ["KESTREL"]


def test_the_documented_example_card_loads() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "carriers.md").read_text(encoding="utf-8")
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    card = load_rate_card_text(block, "docs/carriers.md")
    assert [s.code for s in card.services] == ["KS-48"]
    assert card.services[0].rates["GB-HI"].limit_kg == Decimal(30)


def test_only_real_extra_problems_are_counted() -> None:
    data = card_data()
    data["services"][0]["rates"]["A"]["bands"][1]["up_to_kg"] = 2
    with pytest.raises(ConfigError) as caught:
        parse_rate_card(data, "t.yaml")
    assert "more problem" not in caught.value.message
    data["services"][0]["level"] = "overnight"
    with pytest.raises(ConfigError, match=r"\(and 1 more problem\(s\)\)"):
        parse_rate_card(data, "t.yaml")
