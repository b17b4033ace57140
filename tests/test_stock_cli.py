"""`hub stock show|move|snapshot|drift|incoming|safety|hold|holds` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from hub.cli.main import app


@pytest.fixture
def cli(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The CLI pointed at the test database (for PostgreSQL: the test's own schema)."""
    monkeypatch.setenv("HUB_HOME", str(tmp_path / "hub"))
    monkeypatch.setenv("COLUMNS", "200")
    for var in ("HUB_TENANT", "HUB_SECRETS_FILE", "HUB_DATABASE_SCHEMA"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HUB_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            monkeypatch.setenv("HUB_DATABASE_SCHEMA", conn.execute(text("select current_schema()")).scalar_one())
    runner = CliRunner()

    def invoke(*args: object, code: int | None = 0):
        result = runner.invoke(app, [str(a) for a in args])
        if code is not None:
            assert result.exit_code == code, (result.exit_code, result.output, result.exception)
        return result

    return invoke


def as_json(result: Any) -> Any:
    return json.loads(result.stdout)


def test_move_safety_incoming_hold_and_show(cli) -> None:
    cli("connections", "add", "shop", "--adapter", "order_files", "--channel", "web", "--option", "publish_stock=true")
    assert "on hand 10" in cli("stock", "move", "BER", "MUG", "10", "--kind", "receipt", "--reference", "GRN-1").stdout
    moved = as_json(cli("stock", "move", "BER", "MUG", "-3", "--kind", "shipment", "--json"))
    assert (moved["delta"], moved["on_hand"], moved["short"]) == ("-3", "7", "0")
    cli("stock", "move", "AMS", "MUG", "4", "--kind", "receipt")
    assert "(was 0)" in cli("stock", "safety", "BER", "MUG", "2").stdout
    added = cli("stock", "incoming", "add", "BER", "MUG", "5", "--expected", "2030-01-15", "--reference", "PO-1")
    assert "expecting 5 MUG at BER on 2030-01-15" in added.stdout
    cli("stock", "hold", "mkt", "--fixed", "1")
    cli("stock", "hold", "web", "--node", "BER", "--sku", "MUG", "--share", "0.5")

    shown = as_json(cli("stock", "show", "MUG", "--json"))
    ber, ams = sorted(shown["nodes"], key=lambda n: n["node"] != "BER")
    # BER: 7 on hand, safety 2 -> 5 free; web holds floor(2.5) = 2, mkt 1.  AMS: 4 free, mkt holds 1.
    assert (ber["on_hand"], ber["reserved"], ber["safety"], ber["available"]) == ("7", "0", "2", "5")
    assert ber["holds"] == {"mkt": "1", "web": "2"}
    assert [(i["expected_on"], i["quantity"], i["reference"]) for i in ber["incoming"]] == [("2030-01-15", "5", "PO-1")]
    assert ber["stock_as_of"] is not None and ber["age_seconds"] >= 0
    assert (ams["available"], ams["incoming"]) == ("4", [])
    assert (shown["available"], shown["incoming"]) == ("9", "5")
    channels = {c["channel"]: c for c in shown["channels"]}
    assert {ch: c["available"] for ch, c in channels.items()} == {"mkt": "7", "web": "7"}  # 5-2 + 4 ; 5-1 + 4-1
    assert channels["web"]["connections"] == ["shop"] and channels["mkt"]["connections"] == []
    assert channels["web"]["by_node"] == {"AMS": "3", "BER": "4"}

    human = cli("stock", "show", "MUG").stdout
    assert "5 on 2030-01-15" in human and "web 2" in human and "Available to sell per channel" in human
    holds = as_json(cli("stock", "holds", "--json"))["holds"]
    assert [(h["channel"], h["node"], h["sku"], h["mode"], h["value"]) for h in holds] == [
        ("mkt", "*", "*", "fixed", "1"),
        ("web", "BER", "MUG", "share", "0.5"),
    ]
    cli("stock", "unhold", "mkt")
    assert [h["channel"] for h in as_json(cli("stock", "holds", "--json"))["holds"]] == ["web"]
    cli("stock", "unhold", "mkt", code=2)
    # Every change was published to the shop (channel web); only the latest figure is still pending.
    pending = as_json(cli("messages", "list", "--box", "outbox", "--status", "pending", "--json"))["messages"]
    assert [(m["connection"], m["kind"]) for m in pending] == [("shop", "stock")]
    body = as_json(cli("messages", "show", pending[0]["id"], "--json"))["body"]
    assert (body["sku"], body["available"]) == ("MUG", "9")  # mkt's hold is gone: BER 5 + AMS 4


def test_refusals_and_usage_errors(cli) -> None:
    cli("stock", "move", "BER", "MUG", "2", "--kind", "receipt")
    assert (
        "would make on hand negative: on hand is 2"
        in cli("stock", "move", "BER", "MUG", "-3", "--kind", "shipment", code=1).output
    )
    assert "delta must be negative" in cli("stock", "move", "BER", "MUG", "3", "--kind", "shipment", code=1).output
    assert "is not one of" in cli("stock", "move", "BER", "MUG", "1", "--kind", "gift", code=2).output
    assert "is not a number" in cli("stock", "move", "BER", "MUG", "lots", "--kind", "receipt", code=2).output
    assert "exactly one of --fixed or --share" in cli("stock", "hold", "web", code=2).output
    assert "between 0 and 1" in cli("stock", "hold", "web", "--share", "2", code=2).output
    assert "not a date" in cli("stock", "incoming", "add", "BER", "MUG", "1", "--expected", "soon", code=2).output
    assert "0 or more" in cli("stock", "safety", "BER", "MUG", "-1", code=1).output
    assert as_json(cli("stock", "--sku", "MUG", "--json"))["stock"][0]["on_hand"] == "2"


def test_snapshot_prints_the_drift_and_refuses_stale_counts(cli, tmp_path: Path) -> None:
    cli("stock", "move", "BER", "MUG", "10", "--kind", "receipt")
    cli("stock", "move", "BER", "CAP", "4", "--kind", "receipt")
    cli("stock", "move", "BER", "HAT", "1", "--kind", "receipt")
    count = tmp_path / "count.csv"
    count.write_text("sku,on_hand\nMUG,8\nCAP,4\n", encoding="utf-8")

    partial = as_json(cli("stock", "snapshot", count, "--node", "BER", "--partial", "--json"))
    assert [(d["sku"], d["ledger"], d["counted"], d["drift"]) for d in partial["drifts"]] == [("MUG", "10", "8", "-2")]
    assert (partial["skus_counted"], partial["total_drift"], partial["zeroed"]) == (2, "2", [])

    full = cli("stock", "snapshot", count, "--node", "BER").stdout
    assert "BER counted 2 SKUs" in full and "1 drifted, total drift 1" in full
    assert "HAT" in full and "not in count" in full

    drifts = as_json(cli("stock", "drift", "--node", "BER", "--json"))["drifts"]
    assert [(d["sku"], d["drift"], d["snapshot"]) for d in drifts] == [
        ("HAT", "-1", "count.csv"),
        ("MUG", "-2", "count.csv"),
    ]
    assert as_json(cli("stock", "drift", "--node", "AMS", "--json"))["drifts"] == []
    assert "HAT" in cli("stock", "drift").stdout

    stale = cli("stock", "snapshot", count, "--node", "BER", "--as-of", "2020-01-01T00:00:00Z", code=1)
    assert "older than the stock confirmed" in stale.output
    count.write_text("sku,on_hand\nMUG,9\n", encoding="utf-8")
    forced = as_json(
        cli(
            "stock",
            "snapshot",
            count,
            "--node",
            "BER",
            "--partial",
            "--as-of",
            "2020-01-01T00:00:00Z",
            "--force",
            "--json",
        )
    )
    assert forced["as_of"] == "2020-01-01T00:00:00+00:00" and forced["total_drift"] == "1"
    assert (
        "needs a time zone" in cli("stock", "snapshot", count, "--node", "BER", "--as-of", "2020-01-01", code=2).output
    )
    count.write_text("sku,on_hand\nMUG,-1\n", encoding="utf-8")
    assert "count.csv line 2" in cli("stock", "snapshot", count, "--node", "BER", code=1).output


def test_incoming_list_receive_cancel(cli) -> None:
    cli("stock", "incoming", "add", "BER", "MUG", "5", "--expected", "2030-02-01", "--reference", "PO-2")
    cli("stock", "incoming", "add", "AMS", "MUG", "3", "--expected", "2030-01-20")
    listed = as_json(cli("stock", "incoming", "list", "--json"))["incoming"]
    assert [(i["node"], i["expected_on"], i["quantity"]) for i in listed] == [
        ("AMS", "2030-01-20", "3"),
        ("BER", "2030-02-01", "5"),
    ]
    ams, ber = (i["id"] for i in listed)
    assert "on hand 2" in cli("stock", "incoming", "receive", ber, "--qty", "2").stdout
    assert "cancelled 3 MUG at AMS on 2030-01-20" in cli("stock", "incoming", "cancel", ams).stdout
    assert "is cancelled, not open" in cli("stock", "incoming", "receive", ams, code=1).output
    still_open = as_json(cli("stock", "incoming", "list", "--json"))["incoming"]
    assert [(i["id"], i["quantity"]) for i in still_open] == [(ber, "3")]
    every = as_json(cli("stock", "incoming", "list", "--all", "--sku", "MUG", "--json"))["incoming"]
    assert sorted(i["status"] for i in every) == ["cancelled", "open", "received"]
    assert date.fromisoformat(every[0]["expected_on"]).year == 2030
    assert "PO-2" in cli("stock", "incoming", "list").stdout
