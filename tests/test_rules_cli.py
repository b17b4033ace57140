"""`hub rules check|activate|list|show|simulate` through the real CLI, and the decision in `hub orders show`."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import FILES, as_json

RULES_V1 = """
rule_set: cli-test
version: 1
settings: {split: forbid, select: priority}
routes:
  - name: all-nodes
    nodes: all
"""

RULES_V2 = """
rule_set: cli-test
version: 2
settings: {split: allow, max_shipments: 2, select: priority}
routes:
  - name: amsterdam-first
    nodes: [AMS, BER]
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _network(cli, tmp_path: Path) -> None:
    cli("nodes", "add", "BER", "--priority", "1")
    cli("nodes", "add", "AMS", "--priority", "2")
    stock = _write(
        tmp_path,
        "stock.csv",
        "node,sku,on_hand\nBER,TSHIRT-BLK-M,10\nBER,MUG-WHT,5\nAMS,TSHIRT-BLK-M,10\nAMS,STICKER-PACK,50\n"
        "AMS,HOODIE-GRY-L,3\nBER,SOCKS-3PK,10\nAMS,BEANS-1KG,5\n",
    )
    cli("stock", "import", stock)


def test_check_reports_ok_and_names_unknown_nodes(cli, tmp_path: Path) -> None:
    good = _write(tmp_path, "v2.yaml", RULES_V2)
    offline = as_json(cli("rules", "check", good, "--offline", "--json"))
    assert (offline["ok"], offline["version"], offline["routes"], offline["warnings"]) == (True, 2, 1, [])
    online = as_json(cli("rules", "check", good, "--json"))
    assert online["warnings"] == ["names node(s) the store does not know: AMS, BER"]
    human = cli("rules", "check", good, "--offline").stdout
    assert "ok: rule set cli-test v2" in human


def test_check_fails_with_file_key_and_caret(cli, tmp_path: Path) -> None:
    bad = _write(tmp_path, "bad.yaml", RULES_V1.replace("nodes: all", "nodes: all\n    when: order.totl > 5"))
    result = cli("rules", "check", bad, "--offline", code=2)
    assert "bad.yaml: routes[0].when" in result.output
    assert "did you mean 'total'" in result.output and "^" in result.output


def test_activate_list_show_and_version_immutability(cli, tmp_path: Path) -> None:
    assert "built-in default" in cli("rules", "list").stdout
    cli("rules", "show", code=1)
    v1 = _write(tmp_path, "v1.yaml", RULES_V1)
    assert as_json(cli("rules", "activate", v1, "--json")) == {"active": 1, "rule_set": "cli-test"}
    cli("rules", "activate", v1)  # the same text again: fine
    changed = _write(tmp_path, "v1b.yaml", RULES_V1.replace("split: forbid", "split: allow"))
    conflict = cli("rules", "activate", changed, code=2)
    assert "version 1 is already stored with other rules" in conflict.output
    cli("rules", "activate", _write(tmp_path, "v2.yaml", RULES_V2))
    listed = as_json(cli("rules", "list", "--json"))["rule_sets"]
    assert [(r["version"], r["active"]) for r in listed] == [(1, False), (2, True)]
    assert cli("rules", "show").stdout.strip() == RULES_V2.strip()
    assert cli("rules", "show", "--version", "1").stdout.strip() == RULES_V1.strip()


def test_simulate_compares_without_touching_live_data(cli, tmp_path: Path) -> None:
    _network(cli, tmp_path)
    cli("rules", "activate", _write(tmp_path, "v1.yaml", RULES_V1))
    cli("ingest", FILES / "orders-2024-05-01.csv")
    before = as_json(cli("orders", "list", "--json"))["orders"]
    stock_before = as_json(cli("stock", "--json"))
    candidate = _write(tmp_path, "v2.yaml", RULES_V2)

    report = as_json(cli("rules", "simulate", candidate, "--since", "2000-01-01", "--json"))
    assert report["current"]["rule_set"] == "cli-test v1" and report["candidate"]["rule_set"] == "cli-test v2"
    assert report["current"]["orders"] == report["candidate"]["orders"] == len(before) == 3
    # v2 prefers AMS: whatever v1 sent to BER and AMS can also ship goes there instead
    assert report["candidate"]["node_load"].get("AMS", 0) >= report["current"]["node_load"].get("AMS", 0)
    assert report["changed_orders"] == len(report["differences"])
    # no rate cards here: no carrier service, so no delivery date can be promised
    assert report["current"]["promised_orders"] == 0 and report["current"]["mean_days_to_promised_delivery"] is None
    for diff in report["differences"]:
        assert diff["current"] != diff["candidate"]
    human = cli("rules", "simulate", candidate, "--since", "2000-01-01").stdout
    assert "What-if since 2000-01-01: 3 orders replayed" in human and "split rate %" in human
    # nothing live changed
    assert as_json(cli("orders", "list", "--json"))["orders"] == before
    assert as_json(cli("stock", "--json")) == stock_before
    assert [r["active"] for r in as_json(cli("rules", "list", "--json"))["rule_sets"]] == [True]
    cli("rules", "simulate", candidate, "--since", "yesterday-ish", code=2)


def test_orders_show_explains_the_decision(cli, tmp_path: Path) -> None:
    _network(cli, tmp_path)
    cli("rules", "activate", _write(tmp_path, "v2.yaml", RULES_V2))
    cli("ingest", FILES / "orders-2024-05-01.csv")
    shown = as_json(cli("orders", "show", "SO-1001", "--json"))
    decision = shown["decision"]
    assert decision["rule_set_version"] == 2 and decision["route"] == "amsterdam-first"
    assert [c["node"] for c in decision["candidates"]] == ["AMS", "BER"]
    assert all({"included", "node"} <= set(c) for c in decision["candidates"])
    human = cli("orders", "show", "SO-1001").stdout
    assert "decision" in human and "cli-test v2" in human


def test_simulate_compares_promised_delivery_dates(cli, tmp_path: Path, monkeypatch) -> None:
    from tests.test_cli import REPO

    monkeypatch.setenv("HUB_CARRIERS_DIR", str(REPO / "fixtures" / "carriers"))
    cli("nodes", "add", "DE-LEJ1", "--priority", "1")
    cli(
        "nodes",
        "set",
        "DE-LEJ1",
        "--country",
        "DE",
        "--postal-code",
        "04435",
        "--timezone",
        "Europe/Berlin",
        "--cutoff",
        "14:00",
    )
    stock = _write(
        tmp_path,
        "stock.csv",
        "node,sku,on_hand\nDE-LEJ1,TSHIRT-BLK-M,50\nDE-LEJ1,MUG-WHT,50\n"
        "DE-LEJ1,STICKER-PACK,50\nDE-LEJ1,HOODIE-GRY-L,50\nDE-LEJ1,SOCKS-3PK,50\nDE-LEJ1,BEANS-1KG,50\n",
    )
    cli("stock", "import", stock)
    cli("ingest", FILES / "orders-2024-05-01.csv")
    gone = _write(tmp_path, "gone.yaml", RULES_V2.replace("nodes: [AMS, BER]", "nodes: [AMS]"))
    report = as_json(cli("rules", "simulate", gone, "--since", "2000-01-01", "--json"))
    current, candidate = report["current"], report["candidate"]
    # an order to a destination no service from DE-LEJ1 reaches stays without a date
    assert 0 < current["promised_orders"] <= current["statuses"]["allocated"]
    assert current["mean_days_to_promised_delivery"] is not None
    assert candidate["promised_orders"] == 0  # AMS is unknown: nothing allocated, nothing promised
    allocated = [d for d in report["differences"] if d["current"]["status"] == "allocated"]
    assert allocated and any(d["current"]["promised_delivery"] for d in allocated)
    assert all(d["candidate"]["promised_delivery"] is None for d in allocated)
