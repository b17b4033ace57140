"""Channel holds, available-to-sell per channel, and availability updates through the outbox (latest wins)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, select, update

from hub.allocation.ledger import ReservationConflict, apply_reservations, load_levels, reserve
from hub.context import HubContext
from hub.stock import service
from hub.stock.channels import (
    available_to_sell,
    list_channel_reservations,
    remove_channel_reservation,
    set_channel_reservation,
)
from hub.stock.errors import ChannelHoldError, StockMovementError
from hub.stock.holds import HoldRule, applicable
from hub.stock.movements import record_movement
from hub.stock.publish import availability_updates, stock_publishers
from hub.stock.safety import set_safety
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.tables import nodes, outbox

T = "default"


def stock(engine: Engine, levels: dict[tuple[str, str], tuple[int, int, int]]) -> None:
    """(node, sku) -> (on hand, reserved, safety)."""
    with engine.begin() as conn:
        for (node, sku), (on_hand, reserved, safety) in levels.items():
            record_movement(conn, T, node, sku, Decimal(on_hand), "receipt")
            if reserved:
                assert reserve(conn, T, node, sku, Decimal(reserved))
            if safety:
                set_safety(conn, T, node, sku, Decimal(safety))


def test_the_most_specific_rule_of_a_channel_wins() -> None:
    rules = [
        HoldRule("web", "*", "*", "fixed", Decimal(1)),
        HoldRule("web", "*", "MUG", "fixed", Decimal(2)),
        HoldRule("web", "BER", "*", "fixed", Decimal(3)),
        HoldRule("web", "BER", "MUG", "fixed", Decimal(4)),
        HoldRule("mkt", "*", "*", "share", Decimal("0.5")),
    ]
    held = {(n, s): applicable(rules, n, s)["web"].value for n in ("BER", "AMS") for s in ("MUG", "CAP")}
    assert held == {("BER", "MUG"): 4, ("BER", "CAP"): 3, ("AMS", "MUG"): 2, ("AMS", "CAP"): 1}
    assert applicable(rules, "AMS", "CAP")["mkt"].mode == "share"
    assert applicable(rules[1:2], "AMS", "CAP") == {}


def test_available_to_sell_subtracts_the_holds_of_other_channels(engine: Engine) -> None:
    stock(engine, {("BER", "MUG"): (100, 10, 10), ("AMS", "MUG"): (20, 0, 0), ("OFF", "MUG"): (50, 0, 0)})
    with engine.begin() as conn:
        conn.execute(update(nodes).where(nodes.c.code == "OFF").values(enabled=0))
        set_channel_reservation(conn, T, "web", share=Decimal("0.25"))  # every node, every SKU
        set_channel_reservation(conn, T, "mkt", node="BER", sku="MUG", fixed=Decimal(30))
        set_channel_reservation(conn, T, "mkt", sku="MUG", fixed=Decimal(1))
        set_channel_reservation(conn, T, "b2b", node="AMS", fixed=Decimal(50))  # more than is free: all of it
    # BER: free 80, web floor(0.25*80)=20, mkt 30.  AMS: free 20, web 5, mkt 1, b2b 20.  OFF is disabled.
    with read_only(engine) as conn:
        ats = {ch: available_to_sell(conn, T, ch, ["MUG", "NONE"]) for ch in ("web", "mkt", "b2b", "pos")}
        view = load_levels(conn, T, ["MUG"])
    assert ats == {
        "web": {"MUG": Decimal(50 + 0), "NONE": 0},  # BER 80-30; AMS 20-1-20 -> 0
        "mkt": {"MUG": Decimal(60 + 0), "NONE": 0},  # BER 80-20; AMS 20-5-20 -> 0
        "b2b": {"MUG": Decimal(30 + 14), "NONE": 0},  # BER 80-50; AMS 20-5-1
        "pos": {"MUG": Decimal(30 + 0), "NONE": 0},
    }
    assert view.get("BER", "MUG").holds == {"mkt": 30, "web": 20}
    assert view.get("AMS", "MUG").holds == {"b2b": 20, "mkt": 1, "web": 5}
    assert view.available("BER", "MUG") == 30  # no channel: every hold subtracted
    assert view.get("BER", "MUG").available == 80  # physically free


def test_allocation_view_respects_holds_and_the_guard_stays_physical(engine: Engine) -> None:
    stock(engine, {("BER", "MUG"): (10, 0, 0)})
    with engine.begin() as conn:
        set_channel_reservation(conn, T, "web", fixed=Decimal(6))
    with engine.begin() as conn:
        view = load_levels(conn, T, ["MUG"])
        assert not view.reserve("BER", "MUG", Decimal(5), channel="mkt")  # 4 left for anyone but web
        assert view.reserve("BER", "MUG", Decimal(4), channel="mkt")
        assert view.reserve("BER", "MUG", Decimal(6), channel="web")  # web sells its own hold
        assert not view.reserve("BER", "MUG", Decimal(1), channel="web")
        apply_reservations(conn, T, view)
    with engine.begin() as conn:  # holds are not a physical guard: a stale view still meets the UPDATE guard
        stale = load_levels(conn, T, ["MUG"])
        stale.get("BER", "MUG").reserved = Decimal(0)
        assert stale.reserve("BER", "MUG", Decimal(1), channel="web")
        with pytest.raises(ReservationConflict):
            apply_reservations(conn, T, stale)


def test_hold_rules_are_checked_replaced_and_removed(engine: Engine) -> None:
    bad = [
        ({}, "either fixed units or a share"),
        ({"fixed": Decimal(1), "share": Decimal("0.1")}, "either fixed units or a share"),
        ({"share": Decimal("1.5")}, "between 0 and 1"),
        ({"share": Decimal("-0.1")}, "between 0 and 1"),
        ({"fixed": Decimal(-1)}, "0 or more units"),
    ]
    for kwargs, message in bad:
        with pytest.raises(ChannelHoldError, match=message), engine.begin() as conn:
            set_channel_reservation(conn, T, "web", **kwargs)
    with engine.begin() as conn:
        set_channel_reservation(conn, T, "web", sku="MUG", fixed=Decimal(3))
        set_channel_reservation(conn, T, "web", sku="MUG", share=Decimal("0.2"))  # replaces
        set_channel_reservation(conn, T, "mkt", node="BER", fixed=Decimal(1))
        assert [(r.channel, r.node, r.sku, r.mode, r.value) for r in list_channel_reservations(conn, T)] == [
            ("mkt", "BER", "*", "fixed", 1),
            ("web", "*", "MUG", "share", Decimal("0.2")),
        ]
        assert remove_channel_reservation(conn, T, "web", sku="MUG")
        assert not remove_channel_reservation(conn, T, "web", sku="MUG")
        assert [r.channel for r in list_channel_reservations(conn, T, channel="mkt")] == ["mkt"]
        assert list_channel_reservations(conn, T, channel="web") == []


def connections(ctx: HubContext) -> None:
    with ctx.engine.begin() as conn:
        for name, channel, options, enabled in (
            ("shop", "web", {"publish_stock": True}, True),
            ("market", "mkt", {"publish_stock": "yes"}, True),
            ("quiet", "pos", {}, True),
            ("paused", "b2b", {"publish_stock": "true"}, False),
            ("ghost", "old", {"publish_stock": "true"}, True),  # adapter not installed
        ):
            adapter = "ghost_adapter" if name == "ghost" else "test_json"
            add_connection(
                conn,
                ConnectionRecord(
                    name=name, adapter=adapter, channel=channel, tenant=T, options=options, enabled=enabled
                ),
            )


def pending(ctx: HubContext) -> dict[tuple[str, str], list[str]]:
    with read_only(ctx.engine) as conn:
        rows = conn.execute(select(outbox).where(outbox.c.status == "pending", outbox.c.kind == "stock"))
        found: dict[tuple[str, str], list[str]] = {}
        for r in rows:
            found.setdefault((r.connection, r.body["sku"]), []).append(r.body["available"])
    return found


def test_a_burst_of_movements_leaves_one_update_per_sku_per_channel(hub_ctx: HubContext) -> None:
    connections(hub_ctx)
    with hub_ctx.engine.begin() as conn:
        assert [r.name for r in stock_publishers(hub_ctx, hub_ctx.connections(conn))] == ["market", "shop"]
        set_channel_reservation(conn, T, "mkt", fixed=Decimal(5))
    for i in range(10):
        service.move(hub_ctx, "BER", "MUG", Decimal(i + 1), "receipt", reference=f"GRN-{i}")  # 55 in all
    service.move(hub_ctx, "AMS", "MUG", Decimal(3), "receipt")
    service.move(hub_ctx, "BER", "CAP", Decimal(2), "receipt")
    # BER MUG 55 (mkt holds 5), AMS MUG 3 (mkt holds 3), BER CAP 2 (mkt holds 2)
    assert pending(hub_ctx) == {
        ("shop", "MUG"): ["50"],
        ("market", "MUG"): ["58"],
        ("shop", "CAP"): ["0"],
        ("market", "CAP"): ["2"],
    }
    with read_only(hub_ctx.engine) as conn:
        superseded = conn.execute(select(outbox.c.connection).where(outbox.c.status == "superseded")).scalars().all()
        body = conn.execute(select(outbox.c.body).where(outbox.c.status == "pending")).scalars().first()
    assert sorted(superseded) == ["market"] * 10 + ["shop"] * 10
    assert set(body) == {"sku", "available", "as_of"}

    with pytest.raises(StockMovementError):  # refused: nothing is published either
        service.move(hub_ctx, "BER", "MUG", Decimal(-100), "shipment")
    assert pending(hub_ctx)[("shop", "MUG")] == ["50"]
    service.move(hub_ctx, "BER", "MUG", Decimal(-10), "shipment")
    service.safety(hub_ctx, "AMS", "MUG", Decimal(1))
    service.hold(hub_ctx, "web", node="BER", share=Decimal("0.1"))  # every SKU at BER changes for mkt
    # BER MUG free 45: web 4, mkt 5.  AMS MUG free 2: mkt 2 (web holds at BER only).  BER CAP free 2: web 0, mkt 2.
    assert pending(hub_ctx) == {
        ("shop", "MUG"): ["40"],
        ("market", "MUG"): ["43"],
        ("shop", "CAP"): ["0"],
        ("market", "CAP"): ["2"],
    }


def test_availability_from_the_pipelines_view(hub_ctx: HubContext) -> None:
    connections(hub_ctx)
    stock(hub_ctx.engine, {("BER", "MUG"): (10, 0, 0)})
    with hub_ctx.engine.begin() as conn:
        view = load_levels(conn, T, ["MUG"])
        assert view.reserve("BER", "MUG", Decimal(4))  # reserved in the view, not yet written
        updates = availability_updates(conn, hub_ctx, ["MUG"], view=view, node_codes=["BER"])
        assert [(u.connection, u.coalesce_key, u.body["available"]) for u in updates] == [
            ("market", "stock:market:MUG", "6"),
            ("shop", "stock:shop:MUG", "6"),
        ]
        assert availability_updates(conn, hub_ctx, ["MUG"], view=view, node_codes=[])[0].body["available"] == "0"
        assert availability_updates(conn, hub_ctx, []) == []
        assert availability_updates(conn, hub_ctx, ["MUG"])[0].body["available"] == "10"
