"""The demo scenario end to end: what it reports must be what happened."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli.main import app
from hub.demo import MARKER, DemoError, run_demo


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory):
    return run_demo(tmp_path_factory.mktemp("demo") / "home")


def test_orders_from_three_sources_and_duplicates_collapsed(summary) -> None:
    assert len(summary.orders) == 9
    assert {o["source"] for o in summary.orders} == {"webshop", "marketplace", "shopmart", "shop-de"}
    assert [f["status"] for f in summary.files] == [
        "accepted",
        "duplicate",
        "accepted",
        "rejected",
        "accepted",  # the retailer's X12 850
        "duplicate",  # the same interchange again: TA1 025, nothing created
        "accepted",  # the Shopify webhook, signed, through POST /webhooks/shop-de
        "duplicate",  # the same event delivered again
        "refused",  # signed with the wrong secret: 401, nothing stored
        "accepted",  # the 3PL's 945
    ]
    assert summary.duplicates == 3
    assert sum(summary.orders_by_status.values()) == 9
    assert summary.orders_by_status.get("backordered") == 1


def test_x12_order_is_released_to_the_3pl_shipped_and_confirmed_to_the_retailer(summary) -> None:
    [edi_order] = [o for o in summary.orders if o["source"] == "shopmart"]
    assert (edi_order["external_id"], edi_order["status"], edi_order["node"]) == ("7700123", "shipped", "NJ3")
    sent = {(Path(f).parent.name, Path(f).name.split("-")[0]) for f in summary.outbound_files}
    assert {("logix-edi", "order_release"), ("shopmart-edi", "order_ack"), ("shopmart-edi", "shipment")} <= sent
    assert ("shopmart-edi", "invoice") in sent  # the retailer's profile asks for 810s
    resent = next(f for f in summary.files if f["path"].endswith("-resent.edi"))
    assert [(a["kind"], a["code"]) for a in resent["acks"]] == [("TA1", "025")]
    asn = next(f for f in summary.outbound_files if f.startswith("outbound/shopmart-edi/shipment-"))
    text = (Path(summary.home) / asn).read_text()
    assert "ST*856*" in text and "1Z4X81E20398124470" in text


def test_malformed_message_is_kept_with_its_error(summary) -> None:
    (failed,) = summary.failed_messages
    assert failed["id"].startswith("msg_") and failed["filename"] == "bad-json.jsonl"
    assert failed["error"]["code"] == "decode_error"
    assert failed["error"]["location"]["line"] == 2


def test_stock_is_reserved_at_both_nodes(summary) -> None:
    before = {(r["node"], r["sku"]): r for r in summary.stock_before}
    after = {(r["node"], r["sku"]): r for r in summary.stock_after}
    assert all(r["reserved"] == "0" for r in before.values())
    assert after["BER", "STICKER-PACK"]["reserved"] == "11"  # 10 for the files, 1 for the Shopify order
    assert after["AMS", "GRINDER-HND"]["available"] == "0"
    assert {o["node"] for o in summary.orders} == {"BER", "AMS", "NJ3", None}


def test_releases_are_delivered_to_the_file_sinks(summary) -> None:
    releases = [d for d in summary.deliveries if d["kind"] == "order_release"]
    assert len(releases) == 8 and all(d["outcome"] == "delivered" for d in releases)
    assert summary.delivered >= 8
    written = [f for f in summary.outbound_files if "order_release" in f]
    assert len(written) == 8
    assert {Path(f).parent.name for f in written} == {"wms-berlin", "wms-amsterdam", "logix-edi"}
    assert all((Path(summary.home) / f).is_file() for f in summary.outbound_files)


def test_stock_is_published_to_the_channel(summary) -> None:
    stock = [d for d in summary.deliveries if d["kind"] == "stock"]
    assert stock and all(d["outcome"] in {"delivered", "superseded"} for d in stock)
    assert any(f.startswith("outbound/webshop-stock/") for f in summary.outbound_files)


def test_demo_refuses_to_wipe_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(DemoError):
        run_demo(tmp_path)
    assert (tmp_path / "precious.txt").exists()


def test_demo_reruns_in_the_same_folder(tmp_path: Path) -> None:
    home = tmp_path / "again"
    run_demo(home)
    assert (home / MARKER).exists()
    assert len(run_demo(home).orders) == 9


def test_hub_demo_command_prints_the_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    result = CliRunner().invoke(app, ["demo", "--home", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    expected = ("Files received", "duplicate", "Orders (9)", "Stock before -> after", "Outbox", "messages replay")
    for text in (*expected, "Operator console", "hub_tok_"):
        assert text in result.stdout


def test_every_order_is_decided_by_the_demo_rule_set_and_explained(summary) -> None:
    assert {o["rule_set"] for o in summary.orders} == {"demo v1"}
    assert all(o["why"] for o in summary.orders)
    backordered = [o for o in summary.orders if o["status"] == "backordered"]
    assert {e["kind"] for e in summary.exceptions} >= {"backorder"} if backordered else True
    assert all(e["order_id"] for e in summary.exceptions)


def test_webhooks_go_through_the_real_intake(summary) -> None:
    """Signed, the order lands once; the redelivery is a duplicate; the forgery is refused with nothing stored."""
    hooks = [f for f in summary.files if "webhook" in f["connection"]]
    assert [(f["status"], f["message_id"] is not None) for f in hooks] == [
        ("accepted", True),
        ("duplicate", True),
        ("refused", False),
    ]
    assert hooks[1]["message_id"] == hooks[0]["message_id"]
    assert hooks[2]["errors"][0]["code"] == "bad_signature"
    (shop_order,) = [o for o in summary.orders if o["source"] == "shop-de"]
    assert (shop_order["external_id"], shop_order["status"], shop_order["node"]) == ("7001", "released", "BER")


def test_the_console_token_signs_in(summary) -> None:
    from hub.auth import Role, authenticate
    from hub.store.db import make_engine

    engine = make_engine(f"sqlite:///{Path(summary.home) / 'hub.db'}")
    try:
        principal = authenticate(engine, summary.console_token)
    finally:
        engine.dispose()
    assert principal is not None and principal.role is Role.OPERATOR
