"""Schedule options: intervals and cron expressions, checked with errors naming the connection and the option."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.errors import ConfigError
from hub.scheduler.schedule import DEFAULT_INTERVAL_SECONDS, Schedule, schedule_for


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_options_give_an_interval_or_a_cron() -> None:
    assert schedule_for("c", {}) == Schedule(interval=DEFAULT_INTERVAL_SECONDS)
    assert schedule_for("c", {"poll_interval_seconds": 300}) == Schedule(interval=300.0)
    assert schedule_for("c", {"poll_interval_seconds": "0.5"}) == Schedule(interval=0.5)  # CLI options arrive as text
    assert schedule_for("c", {"poll_cron": " */5 * * * * "}) == Schedule(cron="*/5 * * * *")
    assert schedule_for("c", {"poll_cron": "*/5 * * * *"}).describe() == "cron */5 * * * *"
    assert schedule_for("c", {"poll_interval_seconds": 90}).describe() == "every 90s"


@pytest.mark.parametrize(
    "options, words",
    [
        ({"poll_interval_seconds": 0}, ["poll_interval_seconds=0", "at least"]),
        ({"poll_interval_seconds": -5}, ["poll_interval_seconds=-5"]),
        ({"poll_interval_seconds": "soon"}, ["poll_interval_seconds='soon'"]),
        ({"poll_interval_seconds": "nan"}, ["poll_interval_seconds='nan'"]),
        ({"poll_interval_seconds": True}, ["poll_interval_seconds=True"]),
        ({"poll_cron": "*/5 * * *"}, ["poll_cron='*/5 * * *'", "five-field", "Wrong number of fields"]),
        ({"poll_cron": "61 * * * *"}, ["poll_cron='61 * * * *'", "61"]),
        ({"poll_cron": ""}, ["poll_cron"]),
        ({"poll_cron": 5}, ["poll_cron"]),
        ({"poll_cron": "* * * * *", "poll_interval_seconds": 60}, ["poll_interval_seconds and poll_cron"]),
    ],
)
def test_invalid_options_name_the_connection_and_the_option(options: dict, words: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        schedule_for("wms-east", options)
    message = caught.value.message
    assert message.startswith("connection 'wms-east': ")
    for word in words:
        assert word in message


def test_interval_slots_fall_on_a_grid_every_instance_shares() -> None:
    half = Schedule(interval=0.5)
    assert half.slot(at("2026-03-01T10:00:00.499999")) == at("2026-03-01T10:00:00")
    assert half.slot(at("2026-03-01T10:00:00.5")) == at("2026-03-01T10:00:00.5")
    five = Schedule(interval=300)
    assert five.slot(at("2026-03-01T10:04:59")) == at("2026-03-01T10:00:00")
    # The trigger fires on the same grid the slots are cut from.
    fire = five.trigger().get_next_fire_time(None, at("2026-03-01T10:01:00"))
    assert fire == at("2026-03-01T10:05:00") and five.slot(fire) == fire


def test_cron_slots_are_the_latest_fire_time() -> None:
    every5 = Schedule(cron="*/5 * * * *")
    assert every5.slot(at("2026-03-01T10:04:59")) == at("2026-03-01T10:00:00")
    assert every5.slot(at("2026-03-01T10:05:00")) == at("2026-03-01T10:05:00")
    nightly = Schedule(cron="30 2 * * *")
    assert nightly.slot(at("2026-03-01T01:00:00")) == at("2026-02-28T02:30:00")
    monthly = Schedule(cron="0 0 1 * *")
    assert monthly.slot(at("2026-03-20T00:00:00")) == at("2026-03-01T00:00:00")
    fire = nightly.trigger().get_next_fire_time(None, at("2026-03-01T01:00:00"))
    assert fire == at("2026-03-01T02:30:00") and nightly.slot(fire) == fire
