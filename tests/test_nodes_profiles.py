"""Node profiles: saving fields, network-file imports (all or none, errors with file and key), the CLI, fixtures."""

from __future__ import annotations

import json
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from hub.allocation.nodes_store import import_nodes, read_network, save_node_profile
from hub.allocation.profiles import load_node_profiles
from hub.calendars import load_calendar_dir
from hub.carriers import load_rate_cards
from hub.errors import ConfigError
from hub.geo import DistanceModel
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only

REPO = Path(__file__).resolve().parent.parent
NETWORK = REPO / "fixtures" / "network" / "nodes.yaml"
CODES = ["BER", "DE-LEJ1", "DE-DUS1", "AMS", "GB-LDS1", "LON"]


def profiles(engine: Engine, tenant: str = "t1", *, enabled_only: bool = False) -> dict:
    with read_only(engine) as conn:
        return {p.code: p for p in load_node_profiles(conn, tenant, enabled_only=enabled_only)}


def write(tmp_path: Path, text: str, name: str = "network.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the example network -----------------------------------------------------------------------------------


def test_fixture_network_imports_cleanly(engine: Engine) -> None:
    assert import_nodes(engine, "t1", NETWORK) == CODES
    found = profiles(engine)
    assert list(found) == CODES  # priority order
    assert {p.country for p in found.values()} == {"DE", "NL", "GB"}
    ber = found["BER"]
    assert (ber.latitude, ber.longitude) == (Decimal("52.39"), Decimal("13.52"))
    assert (ber.timezone, ber.cutoff, ber.capacity_per_day) == ("Europe/Berlin", time(14, 0), 2000)
    assert ber.attributes == {"hazmat": True, "oversize": True, "operator": "own"}
    ams = found["AMS"]
    assert (ams.country, ams.postal_code, ams.timezone) == ("NL", "1043 AP", "Europe/Amsterdam")
    assert ams.attributes["hazmat"] is False and ams.attributes["operator"] == "3pl"
    assert all(p.latitude is not None and p.timezone and p.cutoff for p in found.values())
    # importing again changes nothing
    assert import_nodes(engine, "t1", NETWORK) == CODES
    assert profiles(engine) == found


def test_fixture_codes_match_the_calendar_and_carrier_fixtures() -> None:
    nodes = {n.code: n for n in read_network(NETWORK)}
    calendars = load_calendar_dir(REPO / "fixtures" / "calendars").nodes
    assert set(calendars) <= set(nodes)
    for code, calendar in calendars.items():
        assert nodes[code].timezone == calendar.calendar.timezone.key
        assert nodes[code].cutoff == calendar.cutoff.strftime("%H:%M")
    carrier_nodes = {
        n for card in load_rate_cards(REPO / "fixtures" / "carriers") for s in card.services for n in s.nodes
    }
    assert carrier_nodes - set(nodes) == {"GB-BHX1"}  # Birmingham: a second KS-48 pickup, not in this network


def test_distances_from_the_stored_network(engine: Engine) -> None:
    import_nodes(engine, "t1", NETWORK)
    found = profiles(engine)
    model = DistanceModel()
    to_munich = {code: model.distance_km(node, "DE", "80331") for code, node in found.items()}
    nearest = sorted(to_munich, key=lambda code: to_munich[code].rank)  # type: ignore[union-attr]
    assert nearest == ["DE-LEJ1", "DE-DUS1", "BER", "AMS", "LON", "GB-LDS1"]
    assert Decimal(340) < to_munich["DE-LEJ1"].km < Decimal(380)  # type: ignore[operator,union-attr]
    assert to_munich["DE-LEJ1"].how.startswith("DE-LEJ1 (51.42, 12.22) to DE-80 centroid")  # type: ignore[union-attr]
    to_manchester = model.distance_km(found["GB-LDS1"], "GB", "M1 1AE")
    assert to_manchester is not None and Decimal(50) < to_manchester.km < Decimal(65)  # type: ignore[operator]


# --- saving fields -----------------------------------------------------------------------------------------


def test_save_sets_only_the_given_fields_and_merges_attributes(engine: Engine) -> None:
    with engine.begin() as conn:
        changed = save_node_profile(
            conn, "t1", "WH1", {"country": "de", "postal_code": " 10115 ", "attributes": {"Hazmat": "yes"}}
        )
        assert changed == ["country", "postal_code", "attributes"]
        save_node_profile(conn, "t1", "WH1", {"cutoff": "14:00", "attributes": {"oversize": "no", "zone": "north"}})
    wh1 = profiles(engine)["WH1"]
    assert (wh1.name, wh1.priority, wh1.enabled) == ("WH1", 100, True)  # created with defaults
    assert (wh1.country, wh1.postal_code, wh1.cutoff) == ("DE", "10115", time(14, 0))
    assert wh1.attributes == {"oversize": False, "zone": "north"}  # replaced without merge_attributes
    with engine.begin() as conn:
        save_node_profile(conn, "t1", "WH1", {"attributes": {"hazmat": "true", "zone": ""}}, merge_attributes=True)
        save_node_profile(conn, "t1", "WH1", {"enabled": False, "capacity_per_day": 0, "timezone": "Europe/Berlin"})
    wh1 = profiles(engine)["WH1"]
    assert wh1.attributes == {"oversize": False, "hazmat": True}  # merged; an empty value removed "zone"
    assert (wh1.enabled, wh1.capacity_per_day, wh1.timezone) == (False, 0, "Europe/Berlin")
    assert "WH1" not in profiles(engine, enabled_only=True)


def test_coordinates_go_together(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(ConfigError, match="latitude and longitude go together") as caught:
        save_node_profile(conn, "t1", "WH1", {"latitude": "52.5"})
    assert caught.value.location.field == "longitude"
    with engine.begin() as conn:
        save_node_profile(conn, "t1", "WH1", {"latitude": "52.5", "longitude": "13.4"})
        save_node_profile(conn, "t1", "WH1", {"latitude": "48.137154"})  # the longitude is already there
    wh1 = profiles(engine)["WH1"]
    assert (wh1.latitude, wh1.longitude) == (Decimal("48.137154"), Decimal("13.4"))


def test_a_named_connection_must_exist(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(ConfigError, match="no connection named 'wms'") as caught:
        save_node_profile(conn, "t1", "WH1", {"connection": "wms"})
    assert caught.value.location.field == "connection"
    with engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="wms", adapter="order_files", channel="wms", tenant="t1"))
        save_node_profile(conn, "t1", "WH1", {"connection": "wms"})
    assert profiles(engine)["WH1"].connection == "wms"


# --- bad network files -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "key", "words"),
    [
        ("{code: X, cutoff: '25:00'}", "nodes[1].cutoff", "HH:MM"),
        ("{code: X, cutoff: 1400}", "nodes[1].cutoff", "string"),
        ("{code: X, timezone: Europe/Berlinn}", "nodes[1].timezone", "unknown IANA time zone"),
        ("{code: X, country: DEU}", "nodes[1].country", "alpha-2"),
        ("{code: X, capacity_per_day: -5}", "nodes[1].capacity_per_day", "greater than or equal to 0"),
        ("{code: X, latitude: 95, longitude: 10}", "nodes[1].latitude", "between -90 and 90"),
        ("{code: X, latitude: 52.1234567, longitude: 10}", "nodes[1].latitude", "6 decimal places"),
        ("{code: X, latitude: 52.5}", "nodes[1].longitude", "go together"),
        ("{code: X, priority: first}", "nodes[1].priority", "integer"),
        ("{code: X, enabled: maybe}", "nodes[1].enabled", "boolean"),
        ("{code: X, attributes: [hazmat]}", "nodes[1].attributes", "dictionary"),
        ("{code: X, colour: red}", "nodes[1].colour", "unknown key"),
        ("{name: no code}", "nodes[1].code", "required key is missing"),
        ("{code: BER}", "nodes[1].code", "already nodes[0]"),
        ("{code: X, connection: nowhere}", "nodes[1].connection", "no connection named 'nowhere'"),
    ],
)
def test_bad_network_files_name_file_and_key_and_write_nothing(
    engine: Engine, tmp_path: Path, entry: str, key: str, words: str
) -> None:
    path = write(tmp_path, f"kind: network\nnodes:\n  - {{code: BER, country: DE}}\n  - {entry}\n")
    with pytest.raises(ConfigError) as caught:
        import_nodes(engine, "t1", path)
    assert (caught.value.location.file, caught.value.location.field) == (str(path), key)
    assert words in str(caught.value) and str(path) in str(caught.value)
    assert profiles(engine) == {}  # BER (the good first entry) was not written either


def test_network_file_shapes(engine: Engine, tmp_path: Path) -> None:
    assert import_nodes(engine, "t1", write(tmp_path, "- {code: A}\n- {code: B, priority: 2}\n")) == ["A", "B"]
    for text, key in [
        ("kind: nodes\nnodes: [{code: A}]\n", "kind"),
        ("nodes: []\n", "nodes"),
        ("just text\n", "(top level)"),
    ]:
        with pytest.raises(ConfigError) as caught:
            read_network(write(tmp_path, text))
        assert caught.value.location.field == key, text
    with pytest.raises(ConfigError, match="invalid YAML") as caught:
        read_network(write(tmp_path, "nodes:\n  - {code: A\n"))
    assert caught.value.location.line is not None


# --- CLI ---------------------------------------------------------------------------------------------------


@pytest.fixture
def cli(cli, monkeypatch: pytest.MonkeyPatch):  # the shared one, with room for the wide node table
    monkeypatch.setenv("COLUMNS", "250")
    return cli


def listed(cli) -> dict:
    return {n["code"]: n for n in json.loads(cli("nodes", "list", "--json").stdout)["nodes"]}


def test_cli_nodes_set_and_list(cli) -> None:
    cli("nodes", "add", "BER", "--priority", "1")
    result = cli(
        "nodes", "set", "BER", "--country", "de", "--postal-code", "12529", "--lat", "52.39", "--lon", "13.52",
        "--timezone", "Europe/Berlin", "--cutoff", "14:00", "--capacity", "2000",
        "--attr", "hazmat=true", "--attr", "operator=own",
    )  # fmt: skip
    assert "node BER saved" in result.stdout and "--cutoff" in result.stdout
    cli("nodes", "set", "BER", "--attr", "oversize=no", "--attr", "operator=", "--disable")
    ber = listed(cli)["BER"]
    assert ber == ber | {
        "priority": 1,
        "enabled": False,
        "country": "DE",
        "postal_code": "12529",
        "latitude": "52.39",
        "longitude": "13.52",
        "timezone": "Europe/Berlin",
        "cutoff": "14:00",
        "capacity_per_day": 2000,
        "attributes": {"hazmat": True, "oversize": False},
        "stock_as_of": None,
    }
    cli("nodes", "set", "BER", "--enable", "--name", "Berlin")
    assert (listed(cli)["BER"]["enabled"], listed(cli)["BER"]["name"]) == (True, "Berlin")
    human = cli("nodes", "list").stdout
    assert "Europe/Berlin" in human and "hazmat=true" in human


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--cutoff", "2pm"], "--cutoff: '2pm' is not a local time HH:MM"),
        (["--timezone", "Mars/Olympus"], "--timezone: unknown IANA time zone 'Mars/Olympus'"),
        (["--country", "Germany"], "--country: 'Germany' is not an ISO 3166-1 alpha-2"),
        (["--capacity", "-1"], "--capacity: Input should be greater than or equal to 0"),
        (["--lat", "north"], "--lat: 'north' is not a number"),
        (["--lat", "52.5"], "longitude: node BER: latitude and longitude go together"),
        (["--attr", "hazmat"], "--attr 'hazmat' must look like KEY=VALUE"),
        (["--connection", "nowhere"], "no connection named 'nowhere'"),
        ([], "nothing to set"),
    ],
)
def test_cli_nodes_set_refuses_bad_values(cli, args: list[str], words: str) -> None:
    result = cli("nodes", "set", "BER", *args, code=2)
    assert words in result.output
    assert "BER" not in listed(cli)


def test_cli_nodes_import(cli, tmp_path: Path) -> None:
    assert json.loads(cli("nodes", "import", NETWORK, "--json").stdout) == {"file": str(NETWORK), "nodes": CODES}
    nodes = listed(cli)
    assert list(nodes) == CODES and nodes["GB-LDS1"]["cutoff"] == "15:30"
    bad = write(tmp_path, "kind: network\nnodes:\n  - {code: NEW}\n  - {code: X, cutoff: '24:00'}\n")
    failed = cli("nodes", "import", bad, code=2)
    assert "nodes[1].cutoff" in failed.output and "network.yaml" in failed.output
    assert "NEW" not in listed(cli)
    assert "imported 6 nodes" in cli("nodes", "import", NETWORK).stdout
