"""`hub orders reject|short-pick|delay|retry-backorders` and the workbench actions that allocate again or cancel."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import FILES, as_json


def _network(cli, tmp_path: Path) -> None:
    cli("nodes", "add", "BER", "--priority", "1")
    cli("nodes", "add", "AMS", "--priority", "2")
    stock = tmp_path / "stock.csv"
    stock.write_text(
        "node,sku,on_hand\nBER,TSHIRT-BLK-M,10\nBER,MUG-WHT,5\nBER,STICKER-PACK,50\n"
        "AMS,TSHIRT-BLK-M,10\nAMS,MUG-WHT,5\nAMS,STICKER-PACK,50\nBER,HOODIE-GRY-L,2\nBER,SOCKS-3PK,9\n",
        encoding="utf-8",
    )
    cli("stock", "import", stock)
    cli("ingest", FILES / "orders-2024-05-01.csv")


def _held(cli, key: str) -> set[str]:
    return {r["node"] for r in as_json(cli("orders", "show", key, "--json"))["reservations"] if r["status"] == "held"}


def test_reject_then_resolve_by_reallocating_elsewhere(cli, tmp_path: Path) -> None:
    _network(cli, tmp_path)
    assert _held(cli, "SO-1001") == {"BER"}
    recorded = as_json(cli("orders", "reject", "SO-1001", "--node", "BER", "--no-reallocate", "--json"))
    assert recorded["allocation"] is None and recorded["exception"]["kind"] == "node_rejection"
    assert _held(cli, "SO-1001") == set()
    resolved = as_json(cli("exceptions", "resolve", recorded["exception"]["id"], "--json"))
    assert resolved["action"] == "reallocate_elsewhere" and resolved["exception"]["state"] == "resolved"
    assert _held(cli, "SO-1001") == {"AMS"}


def test_short_pick_reallocates_and_cancel_releases_everything(cli, tmp_path: Path) -> None:
    _network(cli, tmp_path)
    human = cli("orders", "short-pick", "SO-1001", "TSHIRT-BLK-M=1", "--node", "BER").stdout
    assert "short_pick" in human and "allocated again" in human
    assert _held(cli, "SO-1001") == {"BER", "AMS"}
    cli("orders", "short-pick", "SO-1001", "TSHIRT-BLK-M=x", "--node", "BER", code=2)
    cli("orders", "short-pick", "SO-1001", "TSHIRT-BLK-M=0", "--node", "BER", code=2)
    cli("orders", "short-pick", "SO-1001", "CAP-RED=1", "--node", "BER", code=1)  # not held there

    (node,) = _held(cli, "SO-1002")
    rejected = as_json(cli("orders", "reject", "SO-1002", "--node", node, "--no-reallocate", "--json"))
    cancelled = as_json(cli("exceptions", "resolve", rejected["exception"]["id"], "--action", "cancel_order", "--json"))
    assert cancelled["result"].startswith("order cancelled")
    shown = as_json(cli("orders", "show", "SO-1002", "--json"))
    assert shown["status"] == "cancelled" and _held(cli, "SO-1002") == set()


def test_delay_and_backorder_retry_on_the_command_line(cli, tmp_path: Path) -> None:
    _network(cli, tmp_path)
    delayed = as_json(cli("orders", "delay", "SO-1001", "--delivery-date", "2024-05-09", "--json"))["exceptions"]
    assert [e["kind"] for e in delayed] == ["carrier_delay"]  # no promise was given: nothing else breaks
    cli("orders", "delay", "SO-1001", "--delivery-date", "next week", code=2)
    assert as_json(cli("orders", "retry-backorders", "--json")) == {"allocated": []}
    backordered = as_json(cli("orders", "list", "--status", "backordered", "--json"))["orders"]
    assert [o["external_id"] for o in backordered] == ["SO-1003"]  # beans and a grinder: none anywhere
    if backordered:  # stock arrives, and the retry takes it
        missing = tmp_path / "more.csv"
        rows = {ln["sku"] for o in backordered for ln in o["lines"]}
        missing.write_text("node,sku,on_hand\n" + "".join(f"AMS,{sku},100\n" for sku in sorted(rows)))
        cli("stock", "import", missing)
        retried = cli("orders", "retry-backorders").stdout
        assert f"{len(backordered)} backordered order(s) allocated" in retried
        assert as_json(cli("orders", "show", "SO-1003", "--json"))["status"] == "allocated"
