"""Calendar files: valid ones load, invalid ones raise ConfigError naming the file and the key."""

from __future__ import annotations

import textwrap
from datetime import date, time
from pathlib import Path

import pytest

from hub.calendars import (
    load_calendar_dir,
    load_carrier_calendars,
    load_node_calendar,
    parse_carrier_calendars,
    parse_node_calendar,
)
from hub.errors import ConfigError

NODE = """\
kind: node
node: BER
timezone: Europe/Berlin
working_weekdays: [mon, tue, wed, thu, fri]
cutoff: "14:00"
handling_days: 1
holidays:
  - 2026-12-25
  - {date: 2026-12-26, name: Boxing Day}
recurring_holidays:
  - "12-24"
  - {date: "12-31", name: New Year's Eve}
extra_working_days:
  - {date: 2026-12-19, name: peak Saturday}
"""

CARRIER = """\
kind: carrier
carrier: acme
timezone: Europe/London
pickup_weekdays: [mon, tue, wed, thu, fri]
holidays: [2026-12-25]
services:
  standard:
    delivery_weekdays: [mon, tue, wed, thu, fri]
  express:
    pickup_weekdays: [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday]
    delivery_weekdays: [mon, tue, wed, thu, fri, sat]
    extra_delivery_days: [2026-12-20]
"""


def write(tmp_path: Path, text: str, name: str = "cal.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_node_file_loads(tmp_path: Path) -> None:
    n = load_node_calendar(write(tmp_path, NODE))
    assert n.node == "BER" and n.cutoff == time(14, 0) and n.handling_days == 1
    cal = n.calendar
    assert cal.tz_name == "Europe/Berlin"
    assert cal.working_weekdays == frozenset(range(5))
    assert cal.holidays == {date(2026, 12, 25): "", date(2026, 12, 26): "Boxing Day"}
    assert cal.recurring_holidays == {(12, 24): "", (12, 31): "New Year's Eve"}
    assert cal.extra_working_days == {date(2026, 12, 19): "peak Saturday"}


def test_unquoted_cutoff_is_read_as_a_time(tmp_path: Path) -> None:
    n = load_node_calendar(write(tmp_path, NODE.replace('cutoff: "14:00"', "cutoff: 14:00")))
    assert n.cutoff == time(14, 0)


def test_carrier_file_loads_one_calendar_per_service(tmp_path: Path) -> None:
    services = load_carrier_calendars(write(tmp_path, CARRIER))
    assert set(services) == {"standard", "express"}
    standard, express = services["standard"], services["express"]
    assert standard.label == "acme/standard"
    assert standard.pickup.working_weekdays == frozenset(range(5))
    assert express.pickup.working_weekdays == frozenset(range(6))
    assert express.delivery.working_weekdays == frozenset(range(6))
    assert date(2026, 12, 25) in standard.delivery.holidays and date(2026, 12, 25) in express.pickup.holidays
    assert express.delivery.extra_working_days == {date(2026, 12, 20): ""}
    assert standard.delivery.extra_working_days == {}


def test_folder_loads_by_kind(tmp_path: Path) -> None:
    write(tmp_path, NODE, "node.yaml")
    write(tmp_path, CARRIER, "carrier.yml")
    calendars = load_calendar_dir(tmp_path)
    assert calendars.node("BER").node == "BER"
    assert calendars.carrier("acme", "express").service == "express"
    with pytest.raises(ConfigError, match="no calendar for node 'XXX'; known: BER"):
        calendars.node("XXX")
    with pytest.raises(ConfigError, match=r"known: acme/express, acme/standard"):
        calendars.carrier("acme", "overnight")


def test_folder_refuses_duplicates_and_unknown_kinds(tmp_path: Path) -> None:
    write(tmp_path, NODE, "a.yaml")
    write(tmp_path, NODE, "b.yaml")
    with pytest.raises(ConfigError, match=r"b\.yaml: node: node 'BER' already has a calendar"):
        load_calendar_dir(tmp_path)
    (tmp_path / "b.yaml").unlink()
    write(tmp_path, NODE.replace("kind: node", "kind: depot"), "c.yaml")
    with pytest.raises(ConfigError, match=r"c\.yaml: kind: expected 'node' or 'carrier', got 'depot'"):
        load_calendar_dir(tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ("timezone: Europe/Berlin", "timezone: Europe/Berln", "timezone", "unknown IANA time zone 'Europe/Berln'"),
        ("[mon, tue, wed, thu, fri]", "[mon, tue, funday]", "working_weekdays[2]", "expected a weekday"),
        ("[mon, tue, wed, thu, fri]", "[]", "working_weekdays", "at least 1 item"),
        ('cutoff: "14:00"', 'cutoff: "25:00"', "cutoff", "is not a time of day"),
        ('cutoff: "14:00"', "cutoff: 2pm", "cutoff", "expected a local time written HH:MM"),
        ('cutoff: "14:00"\n', "", "cutoff", "required key is missing"),
        ("handling_days: 1", "handling_days: -1", "handling_days", "greater than or equal to 0"),
        ("handling_days: 1", "handling_days: one", "handling_days", "valid integer"),
        ("  - 2026-12-25", "  - 2026-02-30", "holidays[0].date", "not a valid date"),
        ("  - 2026-12-25", "  - 25.12.2026", "holidays[0].date", "expected a date written YYYY-MM-DD"),
        ("name: Boxing Day}", "name: Boxing Day, when: x}", "holidays[1].when", "unknown key"),
        ('  - "12-24"', '  - "13-01"', "recurring_holidays[0].date", "is not a day of the year"),
        ('  - "12-24"', '  - "12/24"', "recurring_holidays[0].date", "expected a yearly date written MM-DD"),
        ("handling_days: 1", "handling_days: 1\ncut_off: x", "cut_off", "unknown key"),
        ("kind: node\n", "", "kind", "required key is missing"),
        ("  - 2026-12-25", "  - 2026-12-26", "holidays[1].date", "2026-12-26 is listed twice"),
        ('  - "12-24"', '  - "12-31"', "recurring_holidays[1].date", "listed twice"),
        ("2026-12-19", "2026-12-25", "extra_working_days[0].date", "also listed under holidays"),
    ],
)
def test_invalid_node_file_names_the_key(tmp_path: Path, old: str, new: str, key: str, message: str) -> None:
    assert old in NODE
    path = write(tmp_path, NODE.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_node_calendar(path)
    err = info.value
    assert err.code == "config_error"
    assert err.message.startswith(f"{path}: {key}: "), err.message
    assert message in err.message
    assert err.location.file == str(path) and err.location.field == key


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            "    delivery_weekdays: [mon, tue, wed, thu, fri]\n",
            "    {}\n",
            "services.standard.delivery_weekdays",
            "missing",
        ),
        (
            "    extra_delivery_days: [2026-12-20]",
            "    extra_delivery_days: [2026-12-25]",
            "services.express.extra_delivery_days[0].date",
            "also listed under holidays",
        ),
        ("pickup_weekdays: [mon, tue, wed, thu, fri]\nholidays", "holidays", "pickup_weekdays", "missing"),
        ("carrier: acme", "carrier: ''", "carrier", "at least 1 character"),
    ],
)
def test_invalid_carrier_file_names_the_key(tmp_path: Path, old: str, new: str, key: str, message: str) -> None:
    assert old in CARRIER
    path = write(tmp_path, CARRIER.replace(old, new, 1))
    with pytest.raises(ConfigError, match=message) as info:
        load_carrier_calendars(path)
    assert info.value.message.startswith(f"{path}: {key}: "), info.value.message


def test_carrier_without_services(tmp_path: Path) -> None:
    text = CARRIER[: CARRIER.index("services:")] + "services: {}\n"
    with pytest.raises(ConfigError, match=r": services: .*at least 1 item"):
        load_carrier_calendars(write(tmp_path, text))


def test_several_problems_are_counted(tmp_path: Path) -> None:
    path = write(tmp_path, NODE.replace("Europe/Berlin", "Mars/Olympus").replace('"14:00"', '"99:99"'))
    with pytest.raises(ConfigError, match=r"and 1 more problem\)"):
        load_node_calendar(path)


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "kind: node\nholidays: [2026-12-25\n")
    with pytest.raises(ConfigError, match=r"invalid YAML") as info:
        load_node_calendar(path)
    assert info.value.location.file == str(path) and info.value.location.line is not None


def test_not_a_mapping_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\(top level\): expected a mapping"):
        load_node_calendar(write(tmp_path, "- 2026-12-25\n"))
    with pytest.raises(ConfigError, match="cannot read calendar file"):
        load_node_calendar(tmp_path / "missing.yaml")


def test_parse_from_a_mapping_names_the_source() -> None:
    with pytest.raises(ConfigError, match=r"^inline: kind: expected 'node' for a node calendar, got 'carrier'"):
        parse_node_calendar({"kind": "carrier"}, "inline")
    with pytest.raises(ConfigError, match=r"^inline: kind: expected 'carrier'"):
        parse_carrier_calendars({"kind": "node"}, "inline")
