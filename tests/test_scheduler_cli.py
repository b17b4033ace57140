"""`hub connections list` shows each connection's polling: schedule, last poll, last success, cursor, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.context import HubContext
from hub.errors import TransientError
from hub.plugins.registry import default_registry
from hub.scheduler.polling import poll_connection
from hub.store.db import make_engine
from tests.test_scheduler_adapters import Script, scripted_adapter

TOKEN = "tok-5e5e-never-shown"


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Script:
    script = Script(feed=2)
    monkeypatch.setitem(default_registry()._adapters, "test_script", scripted_adapter(script))
    monkeypatch.setenv("WMS_TOKEN", TOKEN)
    return script


def test_add_checks_the_schedule_options(cli, script: Script) -> None:
    bad_cron = cli("connections", "add", "wms", "--adapter", "test_script", "--option", "poll_cron=*/5 * *", code=2)
    assert "connection 'wms'" in bad_cron.output and "poll_cron" in bad_cron.output
    bad_interval = cli(
        "connections", "add", "wms", "--adapter", "test_script", "--option", "poll_interval_seconds=-1", code=2
    )
    assert "poll_interval_seconds=" in bad_interval.output
    assert json.loads(cli("connections", "list", "--json").output)["connections"] == []
    cli("connections", "add", "wms", "--adapter", "test_script", "--option", "poll_cron=*/5 * * * *")
    (wms,) = json.loads(cli("connections", "list", "--json").output)["connections"]
    assert (wms["schedule"], wms["poll"], wms["cursor"]) == ("cron */5 * * * *", None, None)


def test_list_shows_last_poll_success_cursor_and_errors(cli, home: Path, script: Script) -> None:
    cli(
        "connections", "add", "wms", "--adapter", "test_script", "--secret", "token=WMS_TOKEN",
        "--option", "poll_interval_seconds=30",
    )  # fmt: skip
    ctx = HubContext(engine=make_engine(), registry=default_registry(), home=home)
    assert poll_connection(ctx, "wms").messages == 2
    script.errors.append(TransientError(f"gateway timeout calling with {TOKEN}", code="http_504"))
    assert poll_connection(ctx, "wms").outcome == "failed"
    ctx.engine.dispose()

    listed = cli("connections", "list", "--json")
    human = cli("connections", "list")
    assert TOKEN not in listed.output + human.output
    (wms,) = json.loads(listed.output)["connections"]
    poll = wms["poll"]
    assert wms["schedule"] == "every 30s"
    assert wms["cursor"] == {"lower": "000002", "seen_at_lower": ["000002"], "upper": None}
    assert (poll["consecutive_errors"], poll["last_error_code"], poll["messages_polled"], poll["polls"]) == (
        1,
        "http_504",
        2,
        2,
    )
    assert poll["last_error"] == "gateway timeout calling with ***"
    assert poll["last_poll_at"] >= poll["last_success_at"] and poll["next_poll_at"] > poll["last_error_at"]
    for shown in ("every 30s", ">= 000002 (+1 seen)", "1 in a row", "http_504", "gateway timeout calling with ***"):
        assert shown in human.output
    assert poll["last_success_at"][:19].replace("T", " ") in human.output
