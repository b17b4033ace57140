"""Allocation after the fact: node rejection, short pick, hold release, backorder retry, and their exceptions."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from hub.allocation.allocator import Allocator
from hub.allocation.flows import register_allocation_actions, report_node_rejection, report_short_pick
from hub.allocation.ledger import set_node, set_on_hand
from hub.allocation.reallocate import retry_backorders
from hub.context import HubContext
from hub.exceptions import ExceptionKind, list_exceptions
from hub.exceptions.resolve import resolve_exception
from hub.rules.store import activate, save_rule_set
from hub.store.db import read_only
from hub.store.queries import get_order
from hub.store.tables import allocations, outbox, reservations, stock_levels
from tests.test_pipeline import ingest, order, setup

SPLIT_RULES = """
rule_set: flows
version: 2
settings: {split: allow, max_shipments: 2}
holds:
  - name: fraud-review
    when: coalesce(order.fraud_score, 0) >= 80
    reason: fraud score 80 or more
"""


def _level(ctx: HubContext, node: str, sku: str) -> tuple[Decimal, Decimal]:
    with read_only(ctx.engine) as conn:
        row = conn.execute(
            select(stock_levels.c.on_hand, stock_levels.c.reserved).where(
                stock_levels.c.node == node, stock_levels.c.sku == sku
            )
        ).one()
    return Decimal(row.on_hand), Decimal(row.reserved)


def _held(ctx: HubContext, order_id: str) -> dict[tuple[str, str], Decimal]:
    with read_only(ctx.engine) as conn:
        rows = conn.execute(
            select(reservations).where(reservations.c.order_id == order_id, reservations.c.status == "held")
        ).all()
    out: dict[tuple[str, str], Decimal] = {}
    for r in rows:
        out[(r.node, r.sku)] = out.get((r.node, r.sku), Decimal(0)) + Decimal(r.quantity)
    return out


def _activate(ctx: HubContext, text: str = SPLIT_RULES) -> None:
    with ctx.engine.begin() as conn:
        save_rule_set(conn, ctx.tenant, text)
        activate(conn, ctx.tenant, 2)


def test_node_rejection_moves_the_order_elsewhere_and_raises_an_exception(hub_ctx: HubContext) -> None:
    p = setup(hub_ctx)
    order_id = ingest(p, order("REJ-1", ("A", 2))).documents[0]["id"]
    assert _held(hub_ctx, order_id) == {("EAST", "A"): Decimal(2)}

    record, allocation = report_node_rejection(hub_ctx, Allocator(), order_id, node="EAST", reason="no capacity")
    assert record.kind is ExceptionKind.NODE_REJECTION and record.suggested_action == "reallocate_elsewhere"
    assert allocation is not None and allocation.decision.nodes == ["WEST"]
    excluded = {c.node: c for c in allocation.decision.candidates}["EAST"]
    assert (excluded.included, excluded.rule) == (False, "reallocation")
    assert _held(hub_ctx, order_id) == {("WEST", "A"): Decimal(2)}
    assert _level(hub_ctx, "EAST", "A") == (Decimal(5), Decimal(0))
    assert _level(hub_ctx, "WEST", "A") == (Decimal(50), Decimal(2))
    with read_only(hub_ctx.engine) as conn:
        shown = get_order(conn, hub_ctx.tenant, order_id)
        trigger = conn.execute(select(allocations.c.reason).order_by(allocations.c.created_at.desc())).first()
    assert shown["decision"]["plan"]["shipments"][0]["node"] == "WEST"
    assert [e["kind"] for e in shown["exceptions"]] == ["node_rejection"]
    assert trigger is not None and trigger.reason == "node_rejection"
    assert any("node rejection at EAST" in e["reason"] for e in shown["events"])


def test_short_pick_writes_the_stock_off_and_reallocates_only_the_short_lines(hub_ctx: HubContext) -> None:
    p = setup(hub_ctx)
    with hub_ctx.engine.begin() as conn:
        set_on_hand(conn, hub_ctx.tenant, "EAST", "B", Decimal(4))
    order_id = ingest(p, order("SP-1", ("A", 3), ("B", 2))).documents[0]["id"]
    assert _held(hub_ctx, order_id) == {("EAST", "A"): Decimal(3), ("EAST", "B"): Decimal(2)}

    record, allocation = report_short_pick(hub_ctx, Allocator(), order_id, node="EAST", missing={"A": Decimal(1)})
    assert record.kind is ExceptionKind.SHORT_PICK
    assert record.detail["missing"] == {"A": "1"}
    assert allocation is not None and allocation.decision.nodes == ["WEST"]
    # the picked part stays at EAST; the short unit moved to WEST
    assert _held(hub_ctx, order_id) == {
        ("EAST", "A"): Decimal(2),
        ("EAST", "B"): Decimal(2),
        ("WEST", "A"): Decimal(1),
    }
    assert _level(hub_ctx, "EAST", "A") == (Decimal(4), Decimal(2))  # one unit written off, two still held
    with read_only(hub_ctx.engine) as conn:
        shown = get_order(conn, hub_ctx.tenant, order_id)
        releases = conn.execute(select(outbox.c.idempotency_key).where(outbox.c.kind == "order_release")).all()
    assert shown["status"] in {"allocated", "released"}
    assert len(releases) == 1  # WEST has no connection: only EAST's first release was queued


def test_hold_is_raised_and_released_through_the_workbench(hub_ctx: HubContext) -> None:
    register_allocation_actions()
    _activate(hub_ctx)
    p = setup(hub_ctx)
    held_order = order("H-1", ("A", 1)) | {"attributes": {"fraud_score": 91}}
    report = ingest(p, held_order)
    order_id = report.documents[0]["id"]
    assert report.documents[0]["status"] == "on_hold"
    with read_only(hub_ctx.engine) as conn:
        (exc,) = list_exceptions(conn, hub_ctx.tenant, kind=ExceptionKind.ON_HOLD, order_id=order_id)
        decision = get_order(conn, hub_ctx.tenant, order_id)["decision"]
    assert decision["hold"]["rule"] == "fraud-review" and decision["rule_set_version"] == 2
    assert "91" in decision["hold"]["explanation"]
    assert _held(hub_ctx, order_id) == {}

    outcome = resolve_exception(hub_ctx, exc.id, action="release_hold", by="test")
    assert "allocated" in outcome.as_dict()["result"] or outcome.record.state.value == "resolved"
    assert _held(hub_ctx, order_id) == {("EAST", "A"): Decimal(1)}
    with read_only(hub_ctx.engine) as conn:
        assert get_order(conn, hub_ctx.tenant, order_id)["status"] == "allocated"


def test_backorders_are_allocated_when_stock_arrives_and_their_exception_closes(hub_ctx: HubContext) -> None:
    p = setup(hub_ctx)
    first = ingest(p, order("BO-1", ("C", 2))).documents[0]
    second = ingest(p, order("BO-2", ("C", 5))).documents[0]
    assert (first["status"], second["status"]) == ("backordered", "backordered")
    with hub_ctx.engine.begin() as conn:
        assert retry_backorders(conn, hub_ctx.tenant, Allocator()) == []  # still no stock: nothing written
        set_on_hand(conn, hub_ctx.tenant, "WEST", "C", Decimal(4))
    with hub_ctx.engine.begin() as conn:
        found = retry_backorders(conn, hub_ctx.tenant, Allocator())
    assert found == [first["id"]]  # oldest first; the second still lacks a unit
    with read_only(hub_ctx.engine) as conn:
        assert get_order(conn, hub_ctx.tenant, first["id"])["status"] == "allocated"
        assert get_order(conn, hub_ctx.tenant, second["id"])["status"] == "backordered"
        closed = list_exceptions(conn, hub_ctx.tenant, state="resolved", kind=ExceptionKind.BACKORDER)
        still = list_exceptions(conn, hub_ctx.tenant, state="open", kind=ExceptionKind.BACKORDER)
    assert [e.order_id for e in closed] == [first["id"]]
    assert [e.order_id for e in still] == [second["id"]]


def test_a_split_order_is_released_per_node_and_flagged(hub_ctx: HubContext) -> None:
    _activate(hub_ctx)
    p = setup(hub_ctx)
    with hub_ctx.engine.begin() as conn:
        set_node(conn, hub_ctx.tenant, "WEST", priority=2, connection="wms-east")
        set_on_hand(conn, hub_ctx.tenant, "WEST", "A", Decimal(0))
    # EAST has 5 A and no B; WEST has B and no A: the order needs both nodes
    order_id = ingest(p, order("SPLIT-1", ("A", 5), ("B", 1))).documents[0]["id"]
    assert _held(hub_ctx, order_id) == {("EAST", "A"): Decimal(5), ("WEST", "B"): Decimal(1)}
    with read_only(hub_ctx.engine) as conn:
        keys = sorted(conn.execute(select(outbox.c.idempotency_key).where(outbox.c.kind == "order_release")).scalars())
        shown = get_order(conn, hub_ctx.tenant, order_id)
    assert keys == [f"order_release:{order_id}:r1:EAST", f"order_release:{order_id}:r1:WEST"]
    assert shown["decision"]["plan"]["split"] is True
    assert [e["kind"] for e in shown["exceptions"]] == ["order_split"]


def test_a_short_pick_publishes_the_lower_availability_to_the_channels(hub_ctx: HubContext) -> None:
    p = setup(hub_ctx, publish_stock=True)
    order_id = ingest(p, order("PUB-1", ("A", 3))).documents[0]["id"]

    def pending_a() -> list[str]:
        with read_only(hub_ctx.engine) as conn:
            rows = conn.execute(select(outbox).where(outbox.c.kind == "stock", outbox.c.status == "pending")).all()
        return [r.body["available"] for r in rows if r.body["sku"] == "A"]

    assert pending_a() == ["52"]  # 55 on hand, 3 reserved
    report_short_pick(hub_ctx, Allocator(), order_id, node="EAST", missing={"A": Decimal(1)})
    assert pending_a() == ["51"]  # one unit written off at EAST; the latest figure replaced the older one
