"""Geo: packaged centroids, longest-prefix and UK area matching, great-circle distances, zone tables, bad files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from hub.allocation.profiles import NodeProfile
from hub.errors import ConfigError
from hub.geo import (
    UNZONED,
    Centroids,
    DistanceModel,
    ZoneTable,
    haversine_km,
    packaged_centroids,
    uk_area,
    uk_candidates,
)

BERLIN = (52.5200, 13.4050)
MUNICH = (48.1372, 11.5756)
LONDON = (51.5074, -0.1278)
MANCHESTER = (53.4808, -2.2426)

EU27 = [
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
]
# rough bounding boxes (south, north, west, east) that every region point of the country must lie in
BOXES = {
    "DE": (47.2, 55.1, 5.8, 15.1),
    "AT": (46.3, 49.1, 9.5, 17.2),
    "NL": (50.7, 53.6, 3.3, 7.3),
    "BE": (49.5, 51.6, 2.5, 6.5),
    "GB": (49.1, 61.0, -8.7, 2.0),
    "IE": (51.4, 55.5, -10.6, -5.9),
    "PL": (49.0, 54.9, 14.1, 24.2),
    "CZ": (48.5, 51.1, 12.0, 18.9),
    "DK": (54.5, 57.8, 8.0, 15.2),
    "CH": (45.8, 47.9, 5.9, 10.5),
}
METROPOLITAN_FR = (41.3, 51.2, -5.2, 9.6)


def node(code: str = "BER", **fields: object) -> NodeProfile:
    return NodeProfile(code=code, **fields)  # type: ignore[arg-type]


def located_near(found: object, point: tuple[float, float], km: float) -> bool:
    assert found is not None
    return haversine_km(float(found.lat), float(found.lon), *point) <= km  # type: ignore[attr-defined]


# --- great-circle distance ---------------------------------------------------------------------------------


def test_haversine_known_straight_line_distances() -> None:
    assert haversine_km(*BERLIN, *MUNICH) == pytest.approx(504, rel=0.01)
    assert haversine_km(*LONDON, *MANCHESTER) == pytest.approx(262, rel=0.01)
    assert haversine_km(*BERLIN, *BERLIN) == 0.0
    assert haversine_km(0, 0, 0, 180) == pytest.approx(20015, rel=0.001)  # half the equator


def test_distance_berlin_node_to_munich_postcode() -> None:
    model = DistanceModel()
    ber = node("BER", latitude=Decimal("52.520000"), longitude=Decimal("13.405000"))
    found = model.distance_km(ber, "DE", "80331")
    assert found is not None
    assert isinstance(found.km, Decimal) and found.km == found.km.quantize(Decimal("0.1"))
    assert float(found.km) == pytest.approx(504, rel=0.03)
    assert found.how == f"BER (52.52, 13.405) to DE-80 centroid, {found.km} km"
    assert found.zone is None and found.rank == (UNZONED, found.km)


def test_node_without_coordinates_is_placed_at_its_own_postcode_centroid() -> None:
    model = DistanceModel()
    lon = node("LON", country="GB", postal_code="WC2N 5DU")
    found = model.distance_km(lon, "GB", "M1 1AE")
    assert found is not None and float(found.km) == pytest.approx(262, rel=0.04)
    assert found.how.startswith("LON (GB-WC centroid) to GB-M centroid")


def test_unknown_ends_give_none() -> None:
    model = DistanceModel()
    ber = node("BER", latitude=Decimal("52.52"), longitude=Decimal("13.40"))
    assert model.distance_km(ber, "XX", "12345") is None
    assert model.distance_km(node("NOWHERE"), "DE", "80331") is None
    assert model.distance_km(node("MARS", country="ZZ", postal_code="1"), "DE", "80331") is None


def test_country_fallback_when_the_postcode_matches_no_prefix() -> None:
    model = DistanceModel()
    ber = node("BER", latitude=Decimal("52.52"), longitude=Decimal("13.40"))
    for code in (None, "", "05123", "ABC"):
        found = model.distance_km(ber, "DE", code)
        assert found is not None and "to DE country centroid" in found.how
    assert model.distance_km(ber, "SE", "11122").how.endswith(  # type: ignore[union-attr]
        f"to SE country centroid, {model.distance_km(ber, 'SE', None).km} km"  # type: ignore[union-attr]
    )


def test_answers_are_cached_per_node_country_and_prefix() -> None:
    model = DistanceModel()
    ber = node("BER", latitude=Decimal("52.52"), longitude=Decimal("13.40"))
    first = model.distance_km(ber, "DE", "80331")
    assert model.distance_km(ber, "de", "80 999") is first  # same node, country and prefix "80"
    assert model.distance_km(ber, "DE", "81241") is not first
    lon = node("LON", latitude=Decimal("51.5"), longitude=Decimal("-0.12"))
    assert model.distance_km(lon, "GB", "sw1a 1aa") is model.distance_km(lon, "GB", "SW1A1AA")
    model.clear()
    again = model.distance_km(ber, "DE", "80331")
    assert again is not first and again == first


# --- centroids ---------------------------------------------------------------------------------------------


def test_longest_prefix_wins() -> None:
    c = packaged_centroids()
    assert c.locate("DK", "3700").matched == "DK-37"  # type: ignore[union-attr]
    assert c.locate("DK", "3000").matched == "DK-3"  # type: ignore[union-attr]
    assert c.locate("CH", "6900").matched == "CH-69"  # type: ignore[union-attr]
    assert c.locate("CH", "6003").matched == "CH-6"  # type: ignore[union-attr]
    assert c.locate("FR", "97100").matched == "FR-971"  # type: ignore[union-attr]
    assert c.locate("FR", "98000").matched == "FR-980"  # type: ignore[union-attr]
    assert c.locate("FR", "01000").matched == "FR-01"  # type: ignore[union-attr]
    assert c.locate("PL", "00-950").matched == "PL-0"  # type: ignore[union-attr]
    assert c.locate("nl", "1012 ab").matched == "NL-10"  # type: ignore[union-attr]
    found = c.locate("DE", "80331")
    assert found is not None and (found.precision, found.name) == ("prefix", "München (centre)")
    country = c.locate("DE", None)
    assert country is not None and (country.precision, country.matched) == ("country", "DE")


def test_gb_postcodes_match_by_area_letters() -> None:
    assert uk_area("M11AE") == "M"
    assert uk_area("SW1A1AA") == "SW"
    assert uk_candidates("SW1A1AA") == ("SW1A", "SW1", "SW")
    assert uk_candidates("PA200AA") == ("PA20", "PA")
    assert uk_candidates("M1") == ("M1", "M")
    c = packaged_centroids()
    assert c.locate("GB", "M1 1AE").matched == "GB-M"  # type: ignore[union-attr]
    assert c.locate("GB", "sw1a 1aa").matched == "GB-SW"  # type: ignore[union-attr]
    assert c.locate("GB", "S1 2HE").matched == "GB-S"  # Sheffield, not London SW  # type: ignore[union-attr]
    assert c.locate("GB", "LS1 4AP").matched == "GB-LS"  # type: ignore[union-attr]
    assert c.locate("GB", "EC1A 1BB").matched == "GB-EC"  # type: ignore[union-attr]
    assert c.locate("GB", "QQ1 1QQ").matched == "GB"  # no such area: the country  # type: ignore[union-attr]


def test_gb_district_rows_beat_the_area(tmp_path: Path) -> None:
    data = tmp_path / "gb.csv"
    data.write_text(
        "country,prefix,latitude,longitude,name\n"
        "GB,SW,51.46,-0.17,London SW\n"
        "GB,SW1A,51.50,-0.14,Westminster\n"
        "GB,SW1,51.49,-0.15,SW1 district\n",
        encoding="utf-8",
    )
    c = Centroids.load([data])
    assert c.locate("GB", "SW1A 1AA").name == "Westminster"  # type: ignore[union-attr]
    assert c.locate("GB", "SW1E 5JL").name == "SW1 district"  # type: ignore[union-attr]
    assert c.locate("GB", "SW19 5AE").name == "London SW"  # SW19 is not SW1  # type: ignore[union-attr]
    assert c.locate("GB", None) is None  # no country row in this file


def test_packaged_data_covers_the_promised_regions() -> None:
    c = packaged_centroids()
    unassigned = {"00", "05", "43", "62"}
    assert c.prefixes("DE") == {f"{n:02d}" for n in range(100)} - unassigned
    assert c.prefixes("NL") == {str(n) for n in range(10, 100)}
    assert {f"{n:02d}" for n in range(1, 96)} <= c.prefixes("FR")
    for country in ("AT", "BE", "CH", "DK"):
        assert {str(n) for n in range(1, 10)} <= c.prefixes(country)
    assert c.prefixes("PL") == {str(n) for n in range(10)}
    assert c.prefixes("CZ") == {str(n) for n in range(1, 8)}
    assert len(c.prefixes("IE")) == 15
    biggest = [
        "AB",
        "B",
        "BS",
        "CB",
        "CF",
        "CR",
        "E",
        "EC",
        "EH",
        "G",
        "GL",
        "IP",
        "L",
        "LE",
        "LS",
        "M",
        "MK",
        "N",
        "NE",
        "NG",
        "NW",
        "OX",
        "PO",
        "RG",
        "S",
        "SE",
        "SO",
        "SW",
        "W",
        "WC",
    ]
    assert set(biggest) <= c.prefixes("GB") and len(c.prefixes("GB")) >= 121
    for country in [*EU27, "GB", "US", "CA", "CH"]:
        found = c.locate(country, None)
        assert found is not None and found.precision == "country", country


def test_packaged_points_lie_inside_their_country() -> None:
    c = packaged_centroids()
    for country, (south, north, west, east) in BOXES.items():
        for prefix in c.prefixes(country):
            p = c.locate(country, prefix)
            assert p is not None and p.matched == f"{country}-{prefix}"
            assert south <= p.lat <= north and west <= p.lon <= east, (country, prefix, p)
    south, north, west, east = METROPOLITAN_FR
    for prefix in c.prefixes("FR") - {"971", "972", "973", "974", "975", "976", "980"}:
        p = c.locate("FR", prefix)
        assert p is not None and south <= p.lat <= north and west <= p.lon <= east, prefix


@pytest.mark.parametrize(
    ("country", "code", "city", "within_km"),
    [
        ("DE", "10115", BERLIN, 5),
        ("DE", "80331", MUNICH, 5),
        ("DE", "20095", (53.5511, 9.9937), 5),
        ("GB", "LS1 4AP", (53.7997, -1.5492), 5),
        ("GB", "M1 1AE", MANCHESTER, 5),
        ("FR", "75001", (48.8566, 2.3522), 5),
        ("NL", "1012 AB", (52.3676, 4.9041), 5),
        ("AT", "1010", (48.2082, 16.3738), 5),
        ("DK", "1050", (55.6761, 12.5683), 5),
        ("IE", "D02 X285", (53.3498, -6.2603), 5),
    ],
)
def test_region_points_are_real_places(country: str, code: str, city: tuple[float, float], within_km: int) -> None:
    assert located_near(packaged_centroids().locate(country, code), city, within_km)


# --- bad centroid files ------------------------------------------------------------------------------------

HEADER = "country,prefix,latitude,longitude,name\n"


@pytest.mark.parametrize(
    ("body", "line", "field", "words"),
    [
        ("DE,80,48.1,11.6,ok\nDE,81,95,11.6,too far north\n", 3, "latitude", "latitude"),
        ("DE,80,48.1,eleven,x\n", 2, "longitude", "longitude"),
        ("Germany,80,48.1,11.6,x\n", 2, "country", "alpha-2"),
        ("DE,8-0!,48.1,11.6,x\n", 2, "prefix", "postal prefix"),
        ("GB,S1X2,53.4,-1.5,x\n", 2, "prefix", "outward code"),
        ("DE,80,48.1,11.6,a\nDE,80,48.2,11.5,b\n", 3, "prefix", "already defined"),
    ],
)
def test_bad_centroid_rows_name_file_line_and_column(
    tmp_path: Path, body: str, line: int, field: str, words: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Centroids.load([tmp_path])
    error = caught.value
    assert (error.location.file, error.location.line, error.location.field) == (str(path), line, field)
    assert words in str(error) and "bad.csv" in str(error)


def test_missing_columns_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("country,prefix,lat,lon\nDE,80,48,11\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="missing column\\(s\\) latitude, longitude, name") as caught:
        Centroids.load([path])
    assert (caught.value.location.file, caught.value.location.line) == (str(path), 1)
    with pytest.raises(ConfigError, match="no such file"):
        Centroids.load([tmp_path / "absent.csv"])


def test_duplicates_across_files_name_the_first_place(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(HEADER + "DE,80,48.1,11.6,a\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text(HEADER + "\nDE,80,48.1,11.6,b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"a\.csv line 2") as caught:
        Centroids.load([tmp_path])
    assert caught.value.location.file == str(tmp_path / "b.csv") and caught.value.location.line == 3


# --- zone tables -------------------------------------------------------------------------------------------

ZONES = """\
kind: distance_zones
name: example
nodes:
  BER:
    - {zone: 1, country: DE, postal_prefixes: ["0", "1"]}
    - {zone: 2, country: DE}
    - {zone: 3, country: PL}
  MUC:
    - {zone: 1, country: DE, postal_prefixes: ["8", "9"]}
    - {zone: 2, country: DE, postal_prefixes: ["7"]}
    - {zone: 3, country: DE}
  LDS:
    - {zone: 1, country: GB, postal_prefixes: [LS, BD, "PA2"]}
    - {zone: 2, country: GB}
"""


@pytest.fixture
def zones(tmp_path: Path) -> ZoneTable:
    path = tmp_path / "zones.yaml"
    path.write_text(ZONES, encoding="utf-8")
    return ZoneTable.load(path)


def test_zone_lookup_longest_prefix_and_country_default(zones: ZoneTable) -> None:
    assert zones.zone_for("BER", "DE", "10115").zone == 1  # type: ignore[union-attr]
    assert zones.zone_for("BER", "de", "80331").zone == 2  # type: ignore[union-attr]
    assert zones.zone_for("BER", "DE", "80331").matched == "DE"  # type: ignore[union-attr]
    assert zones.zone_for("MUC", "DE", "80331").matched == "DE-8"  # type: ignore[union-attr]
    assert zones.zone_for("MUC", "PL", "00-950") is None
    assert zones.zone_for("HAM", "DE", "20095") is None
    assert zones.zone_for("LDS", "GB", "LS1 4AP").zone == 1  # type: ignore[union-attr]
    assert zones.zone_for("LDS", "GB", "PA2 1AA").zone == 1  # type: ignore[union-attr]
    assert zones.zone_for("LDS", "GB", "PA20 0AA").zone == 2  # PA20 is not PA2  # type: ignore[union-attr]


def test_zone_is_the_distance_rank(zones: ZoneTable) -> None:
    model = DistanceModel(zones=zones)
    ber = node("BER", latitude=Decimal("52.52"), longitude=Decimal("13.40"))
    muc = node("MUC", latitude=Decimal("48.14"), longitude=Decimal("11.58"))
    ham = node("HAM", latitude=Decimal("53.55"), longitude=Decimal("10.00"))
    # Leipzig (04109): Berlin is zone 1; Munich's table says zone 3 though; Hamburg has no rule at all.
    answers = {n.code: model.distance_km(n, "DE", "04109") for n in (ber, muc, ham)}
    assert [answers[c].zone for c in ("BER", "MUC", "HAM")] == [1, 3, None]  # type: ignore[union-attr]
    assert sorted(answers, key=lambda c: answers[c].rank) == ["BER", "MUC", "HAM"]  # type: ignore[union-attr]
    assert answers["HAM"].km < answers["MUC"].km  # type: ignore[operator,union-attr]  # nearer, but unzoned
    how = answers["BER"].how  # type: ignore[union-attr]
    assert how.startswith("BER to DE-0: zone 1 in ") and "zones.yaml" in how and "DE-04 centroid" in how
    # Stuttgart (70173): for Munich, prefix 7 is zone 2 -- a one-digit zone prefix next to two-digit centroids
    assert model.distance_km(muc, "DE", "70173").zone == 2  # type: ignore[union-attr]


def test_a_zone_answers_even_when_a_node_has_no_coordinates(zones: ZoneTable) -> None:
    found = DistanceModel(zones=zones).distance_km(node("LDS"), "GB", "BD1 1AA")
    assert found is not None and (found.zone, found.km) == (1, None)
    assert found.rank == (1, Decimal("Infinity"))


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        (
            "kind: distance_zones\nnodes:\n  BER:\n    - {zone: 1, country: DE, postal_prefixes: [10]}\n",
            "nodes.BER[0].postal_prefixes[0]",
            "as text",
        ),
        ("kind: distance_zones\nnodes:\n  BER:\n    - {zone: 0, country: DE}\n", "nodes.BER[0].zone", "greater"),
        (
            "kind: distance_zones\nnodes:\n  BER:\n    - {zone: 1, country: Germany}\n",
            "nodes.BER[0].country",
            "alpha-2",
        ),
        (
            "kind: distance_zones\nnodes:\n  BER:\n    - {zone: 1, country: DE, colour: red}\n",
            "nodes.BER[0].colour",
            "unknown key",
        ),
        (
            "kind: distance_zones\nnodes:\n  BER:\n    - {zone: 1, country: DE, postal_prefixes: ['1']}\n"
            "    - {zone: 2, country: DE, postal_prefixes: ['2', '1']}\n",
            "nodes.BER[1].postal_prefixes[1]",
            "already in zone 1",
        ),
        (
            "kind: distance_zones\nnodes:\n  BER:\n    - {zone: 1, country: DE}\n    - {zone: 2, country: DE}\n",
            "nodes.BER[1].country",
            "whole country",
        ),
        (
            "kind: distance_zones\nnodes:\n  LDS:\n    - {zone: 1, country: GB, postal_prefixes: ['LS1 4AP']}\n",
            "nodes.LDS[0].postal_prefixes[0]",
            "outward code",
        ),
        ("kind: distance_zones\nnodes:\n  BER: []\n", "nodes.BER", "at least 1"),
        ("kind: rate_card\nnodes:\n  BER:\n    - {zone: 1, country: DE}\n", "kind", "distance_zones"),
        ("nodes:\n  BER:\n    - {zone: 1, country: DE}\n", "kind", "missing"),
        ("- just\n- a list\n", "(top level)", "mapping"),
    ],
)
def test_bad_zone_files_name_file_and_key(tmp_path: Path, text: str, field: str, words: str) -> None:
    path = tmp_path / "zones.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        ZoneTable.load(path)
    assert (caught.value.location.file, caught.value.location.field) == (str(path), field)
    assert words in str(caught.value) and "zones.yaml" in str(caught.value)


def test_malformed_zone_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "zones.yaml"
    path.write_text("kind: distance_zones\nnodes:\n  BER: [1\n  MUC: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid YAML") as caught:
        ZoneTable.load(path)
    assert caught.value.location.file == str(path) and caught.value.location.line is not None
    dup = tmp_path / "dup.yaml"
    dup.write_text("kind: distance_zones\nkind: distance_zones\nnodes: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="duplicate key") as caught:
        ZoneTable.load(dup)
    assert caught.value.location.line == 2
