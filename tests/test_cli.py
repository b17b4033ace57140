"""The `hub` command line: JSON shapes, exit codes, replays, and that secrets are never printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FILES = REPO / "fixtures" / "order_files"
GOOD_CSV = FILES / "orders-2024-05-01.csv"
RESEND_CSV = FILES / "orders-2024-05-01-resend.csv"
GOOD_JSONL = FILES / "orders-2024-05-02.jsonl"
BAD_JSONL = FILES / "bad-json.jsonl"


def as_json(result) -> dict:
    return json.loads(result.stdout)


def test_ingest_json_shape_and_exit_codes(cli) -> None:
    report = as_json(cli("ingest", GOOD_CSV, "--json"))
    (file,) = report["files"]
    assert set(file) >= {"path", "status", "format", "documents", "errors", "acks"}
    assert (file["status"], file["format"], file["errors"]) == ("accepted", "csv", [])
    assert [d["external_id"] for d in file["documents"]] == ["SO-1001", "SO-1002", "SO-1003"]
    assert all(d["type"] == "order" and d["id"].startswith("ord_") for d in file["documents"])

    again = as_json(cli("ingest", RESEND_CSV, "--json"))["files"][0]
    assert again["status"] == "duplicate"
    assert [d["id"] for d in again["documents"]] == [d["id"] for d in file["documents"]]

    bad = as_json(cli("ingest", GOOD_JSONL, BAD_JSONL, "--json", code=1))["files"]
    assert [f["status"] for f in bad] == ["accepted", "rejected"]
    error = bad[1]["errors"][0]
    assert set(error) >= {"code", "message", "segment", "position"}
    assert (error["code"], error["position"]) == ("decode_error", 2)


def test_ingest_usage_errors_exit_2(cli, tmp_path: Path) -> None:
    missing = cli("ingest", tmp_path / "nope.csv", "--json", code=2)
    assert "nope.csv" in missing.output
    unknown = cli("ingest", GOOD_CSV, "--source", "no-such-connection", code=2)
    assert "no connection named 'no-such-connection'" in unknown.output


def test_ingest_folder_creates_default_connection(cli, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a.csv").write_bytes(GOOD_CSV.read_bytes())
    (folder / "b.jsonl").write_bytes(GOOD_JSONL.read_bytes())
    files = as_json(cli("ingest", folder, "--json"))["files"]
    assert [f["status"] for f in files] == ["accepted", "accepted"]
    connections = as_json(cli("connections", "list", "--json"))["connections"]
    assert [(c["name"], c["adapter"]) for c in connections] == [("files", "order_files")]


def test_orders_list_and_show(cli) -> None:
    cli("ingest", GOOD_CSV)
    orders = as_json(cli("orders", "list", "--json"))["orders"]
    assert len(orders) == 3
    first = orders[0]
    assert set(first) >= {"id", "source", "external_id", "status", "currency", "ship_to", "lines"}
    assert set(first["ship_to"]) >= {"name", "country_code", "postal_code", "city"}
    assert first["ship_to"] == first["ship_to"] | {"name": "Zoë Müller", "country_code": "DE", "city": "Berlin"}
    assert first["lines"][0] == first["lines"][0] | {
        "line_no": 1,
        "sku": "TSHIRT-BLK-M",
        "quantity": "2",
        "unit_price": "19.9",
    }
    assert as_json(cli("orders", "list", "--status", "backordered", "--json"))["orders"][0]["id"] == first["id"]
    assert as_json(cli("orders", "list", "--status", "shipped", "--json"))["orders"] == []
    cli("orders", "list", "--status", "nonsense", code=2)

    shown = as_json(cli("orders", "show", "SO-1001", "--json"))
    assert shown["id"] == first["id"] and len(shown["lines"]) == 3
    assert [e["to_status"] for e in shown["events"]] == ["received", "backordered", "backordered"]
    assert shown["events"][2]["reason"].startswith("exception backorder:")  # raised on the workbench too
    assert all(e["reason"] for e in shown["events"])
    assert as_json(cli("orders", "show", first["id"], "--json"))["external_id"] == "SO-1001"
    human = cli("orders", "show", "SO-1001").stdout
    assert "TSHIRT-BLK-M" in human and "Timeline" in human
    cli("orders", "show", "SO-404", code=1)


def test_stock_import_and_levels(cli, tmp_path: Path) -> None:
    csv = tmp_path / "stock.csv"
    csv.write_text("node,sku,on_hand\nBER,MUG-WHT,5\nAMS,MUG-WHT,2.5\nBER,CAP-RED,0\n", encoding="utf-8")
    result = cli("stock", "import", csv)
    assert "imported 3 rows" in result.stdout
    rows = as_json(cli("stock", "--sku", "MUG-WHT", "--json"))["stock"]
    assert [(r["node"], r["sku"], r["on_hand"], r["reserved"], r["available"]) for r in rows] == [
        ("AMS", "MUG-WHT", "2.5", "0", "2.5"),
        ("BER", "MUG-WHT", "5", "0", "5"),
    ]
    nodes = as_json(cli("nodes", "list", "--json"))["nodes"]
    assert sorted(n["code"] for n in nodes) == ["AMS", "BER"]


def test_stock_import_bad_row_names_its_line_and_writes_nothing(cli, tmp_path: Path) -> None:
    csv = tmp_path / "stock.csv"
    csv.write_text("node,sku,on_hand\nBER,MUG-WHT,5\nBER,CAP-RED,lots\n", encoding="utf-8")
    result = cli("stock", "import", csv, code=1)
    assert "stock.csv line 3" in result.output and "on_hand" in result.output
    assert as_json(cli("stock", "--json"))["stock"] == []
    no_header = tmp_path / "no-header.csv"
    no_header.write_text("warehouse,sku,qty\nBER,MUG-WHT,5\n", encoding="utf-8")
    assert "missing column(s) node, on_hand" in cli("stock", "import", no_header, code=1).output


def test_nodes_add_with_connection(cli) -> None:
    cli("connections", "add", "wms", "--adapter", "order_files")
    cli("nodes", "add", "BER", "--priority", "1", "--connection", "wms")
    cli("nodes", "add", "AMS", "--priority", "2")
    nodes = as_json(cli("nodes", "list", "--json"))["nodes"]
    assert [(n["code"], n["priority"], n["connection"]) for n in nodes] == [("BER", 1, "wms"), ("AMS", 2, None)]
    cli("nodes", "add", "X", "--connection", "nope", code=2)


def test_connections_add_unknown_adapter_suggests(cli) -> None:
    result = cli("connections", "add", "shop", "--adapter", "order_file", code=2)
    assert "did you mean 'order_files'" in result.output


def test_connections_add_validates_options_without_echoing(cli) -> None:
    result = cli("connections", "add", "x", "--adapter", "order_files", "--option", "csv_delimiter=;;;", code=2)
    assert "csv_delimiter" in result.output and ";;;" not in result.output
    cli("connections", "add", "x", "--adapter", "order_files", "--option", "oops", code=2)


def test_secret_values_are_never_printed(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_SHOP_TOKEN", "s3cr3t-value-123")
    refused = cli(
        "connections",
        "add",
        "shop",
        "--adapter",
        "order_files",
        "--option",
        "default_currency=GBP",
        "--secret",
        "api_token=DEMO_SHOP_TOKEN",
        code=2,
    )
    assert "api_token" in refused.output and "s3cr3t-value-123" not in refused.output
    cli("connections", "add", "feed", "--adapter", "order_files", "--channel", "storefront")
    listed = cli("connections", "list", "--json")
    human = cli("connections", "list")
    for out in (listed.output, human.output):
        assert "s3cr3t-value-123" not in out
    assert [c["name"] for c in as_json(listed)["connections"]] == ["feed"]
    feed = next(c for c in as_json(listed)["connections"] if c["name"] == "feed")
    assert (feed["channel"], feed["secrets"]) == ("storefront", {})


def test_secret_reference_is_listed_by_variable_name(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.plugins.registry import default_registry
    from tests.support.adapters import TEST_ADAPTER

    registry = default_registry()
    monkeypatch.setitem(registry._adapters, TEST_ADAPTER.name, TEST_ADAPTER)
    monkeypatch.setenv("TEST_API_KEY", "s3cr3t-value-456")
    cli("connections", "add", "shop", "--adapter", "test_json", "--secret", "api_key=TEST_API_KEY")
    passed_as_option = cli("connections", "add", "x", "--adapter", "test_json", "--option", "api_key=abcd", code=2)
    assert "--secret api_key=ENV_VAR" in passed_as_option.output and "abcd" not in passed_as_option.output
    listed = cli("connections", "list", "--json")
    assert "s3cr3t-value-456" not in listed.output + cli("connections", "list").output
    (shop,) = as_json(listed)["connections"]
    assert shop["secrets"] == {"api_key": "$TEST_API_KEY"}


def test_failed_message_list_show_replay(cli) -> None:
    cli("ingest", BAD_JSONL, code=1)
    failed = as_json(cli("messages", "list", "--status", "failed", "--json"))["messages"]
    assert len(failed) == 1
    message_id = failed[0]["id"]
    assert message_id.startswith("msg_")
    assert failed[0]["error"]["code"] == "decode_error"

    shown = as_json(cli("messages", "show", message_id, "--json"))
    assert shown["error"]["step"] == "decode"
    assert shown["error"]["location"] == {"file": "bad-json.jsonl", "line": 2}
    assert "WEB-9002" in shown["body"]
    human = cli("messages", "show", message_id).stdout
    assert "decode_error" in human and f"hub messages replay {message_id}" in human

    replayed = cli("messages", "replay", message_id, "--json", code=1)
    assert as_json(replayed)["status"] == "rejected"
    assert as_json(cli("messages", "show", message_id, "--json"))["attempts"] == 2
    cli("messages", "show", "msg_nope", code=1)
    cli("messages", "list", "--status", "bogus", code=2)
    cli("messages", "list", "--box", "attic", code=2)


def test_outbox_delivery_and_replay(cli, home: Path, tmp_path: Path) -> None:
    stock = tmp_path / "stock.csv"
    stock.write_text("node,sku,on_hand\nBER,TSHIRT-BLK-M,9\nBER,MUG-WHT,9\nBER,STICKER-PACK,99\n", encoding="utf-8")
    cli("connections", "add", "wms-berlin", "--adapter", "order_files")
    cli("nodes", "add", "BER", "--priority", "1", "--connection", "wms-berlin")
    cli("stock", "import", stock)
    cli("ingest", GOOD_CSV)
    pending = as_json(cli("messages", "list", "--box", "outbox", "--json"))["messages"]
    assert [(m["kind"], m["status"]) for m in pending] == [("order_release", "pending")]
    cli("worker", "--once")
    (out,) = as_json(cli("messages", "list", "--box", "outbox", "--status", "delivered", "--json"))["messages"]
    written = list((home / "outbound" / "wms-berlin").glob("*.json"))
    assert len(written) == 1
    written[0].unlink()
    replayed = as_json(cli("messages", "replay", out["id"], "--json"))
    assert replayed["status"] == "delivered"
    assert len(list((home / "outbound" / "wms-berlin").glob("*.json"))) == 1
    assert as_json(cli("messages", "show", out["id"], "--json"))["body"]["external_id"] == "SO-1001"
    assert as_json(cli("orders", "show", "SO-1001", "--json"))["status"] in {"allocated", "released"}


def test_adapters_list(cli) -> None:
    listed = as_json(cli("adapters", "list", "--json"))
    order_files = next(a for a in listed["adapters"] if a["name"] == "order_files")
    assert order_files["capabilities"] == ["file_parser", "notification_sink", "order_sink", "stock_sink"]
    assert order_files["summary"].startswith("order_files:")
    assert isinstance(listed["failures"], list)
    assert "order_files" in cli("adapters", "list").stdout


def test_adapters_list_shows_load_failures(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.plugins.registry import default_registry

    monkeypatch.setitem(default_registry().failures, "broken_one", "ImportError: no module named broken")
    listed = as_json(cli("adapters", "list", "--json"))
    assert {"name": "broken_one", "error": "ImportError: no module named broken"} in listed["failures"]
    assert "broken_one" in cli("adapters", "list").stdout


def test_db_upgrade_is_idempotent(cli, home: Path) -> None:
    cli("db", "upgrade")
    assert "already at" in cli("db", "upgrade").stdout
    assert (home / "hub.db").exists()


def test_console_script_end_to_end(home: Path) -> None:
    hub = Path(sys.executable).parent / "hub"
    if not hub.exists():
        pytest.skip("the hub console script is not installed next to this Python")
    env = dict(os.environ, HUB_HOME=str(home))
    env.pop("HUB_DATABASE_URL", None)
    done = subprocess.run([hub, "ingest", GOOD_CSV, RESEND_CSV, "--json"], capture_output=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [f["status"] for f in json.loads(done.stdout)["files"]] == ["accepted", "duplicate"]
    done = subprocess.run([hub, "orders", "list"], capture_output=True, env=env, timeout=60, text=True)
    assert done.returncode == 0 and "SO-1003" in done.stdout


def test_adapter_new_creates_a_package_and_rejects_bad_names(cli, tmp_path: Path) -> None:
    result = cli("adapter", "new", "acme_wms", "--dest", tmp_path)
    root = tmp_path / "hub-adapter-acme-wms"
    assert (root / "pyproject.toml").is_file() and str(root) in result.stdout
    assert "lower_snake_case" in cli("adapter", "new", "Acme-WMS", "--dest", tmp_path, code=2).output
