"""Typed exceptions on both stores: raising (idempotent), the lifecycle, the action registry, built-in actions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Connection, func, select

from hub.allocation.ledger import set_node, set_on_hand
from hub.context import HubContext
from hub.errors import HubError, IllegalTransition
from hub.exceptions import (
    ExceptionKind,
    ExceptionNotFound,
    ExceptionState,
    IllegalExceptionTransition,
    UnknownAction,
    UnknownKind,
    acknowledge,
    actions,
    get_exception,
    list_exceptions,
    raise_exception,
)
from hub.exceptions.actions import ANY_KIND, available_actions, register_action, unregister_action
from hub.exceptions.builtin import register_builtin_actions
from hub.exceptions.errors import ActionConflict, ActionFailed, ActionUnavailable, DecisionRequired, MissingSummary
from hub.exceptions.notify import CUSTOMER_NOTIFICATION
from hub.exceptions.queries import exceptions_for_order
from hub.exceptions.resolve import resolve_exception
from hub.exceptions.store import ExceptionRecord, default_dedup_key, mark_resolved
from hub.pipeline.ingest import ingest_bytes
from hub.pipeline.runner import Pipeline
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.tables import exceptions, order_events, orders, outbox


def make_network(ctx: HubContext) -> None:
    """A shop connection orders arrive through, and a node BER (no connection: nothing is released)."""
    with ctx.engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="shop", adapter="test_json", channel="shop:acme"))
        set_node(conn, ctx.tenant, "BER", priority=1, connection=None)
        set_node(conn, ctx.tenant, "AMS", priority=2, connection=None)
        for sku in ("A", "B", "H"):
            set_on_hand(conn, ctx.tenant, "BER", sku, Decimal(10))


def make_order(ctx: HubContext, ext: str = "1001", *lines: tuple[str, int]) -> str:
    """Ingest an order through the pipeline (it is allocated at BER); returns its hub id."""
    body = {
        "external_id": ext,
        "currency": "EUR",
        "ship_to": {"name": "Zoë Müller", "country_code": "DE", "postal_code": "10115", "city": "Berlin"},
        "lines": [
            {"line_no": i + 1, "sku": sku, "quantity": q, "unit_price": "9.90"}
            for i, (sku, q) in enumerate(lines or (("A", 2),))
        ],
    }
    report = ingest_bytes(Pipeline(ctx), json.dumps(body).encode(), connection="shop", filename=f"{ext}.json")
    assert report.status == "accepted", report
    return str(report.documents[0]["id"])


@pytest.fixture(autouse=True)
def builtin_actions_only() -> Iterator[None]:
    """Each test sees the built-in handlers only (other code may register the allocator's in this process)."""
    saved = dict(actions._HANDLERS)
    actions._HANDLERS.clear()
    register_builtin_actions()
    yield
    actions._HANDLERS.clear()
    actions._HANDLERS.update(saved)


@pytest.fixture
def order_id(hub_ctx: HubContext) -> str:
    make_network(hub_ctx)
    return make_order(hub_ctx)


def events(conn: Connection, order_id: str) -> list[tuple[str | None, str, str, dict]]:
    rows = conn.execute(
        select(order_events).where(order_events.c.order_id == order_id).order_by(order_events.c.at, order_events.c.id)
    )
    return [(e.from_status, e.to_status, e.reason, e.detail or {}) for e in rows]


def count(conn: Connection, table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def short_pick(conn: Connection, ctx: HubContext, order_id: str, **kw) -> ExceptionRecord:
    return raise_exception(
        conn,
        ctx.tenant,
        ExceptionKind.SHORT_PICK,
        summary="BER picked 1 of 2 A",
        order_id=order_id,
        detail={"node": "BER", "lines": [{"line_no": 1, "sku": "A", "short": Decimal("1.0")}]},
        **kw,
    )


def test_raise_on_an_order_goes_on_its_timeline(hub_ctx: HubContext, order_id: str) -> None:
    with hub_ctx.engine.begin() as conn:
        record = short_pick(conn, hub_ctx, order_id)
    assert (record.kind, record.state, record.order_id) == (ExceptionKind.SHORT_PICK, ExceptionState.OPEN, order_id)
    assert record.suggested_action == "reallocate_short_lines"
    assert record.detail == {"node": "BER", "lines": [{"line_no": 1, "sku": "A", "short": "1"}]}
    assert record.id.startswith("exc_") and record.resolved_at is None
    with read_only(hub_ctx.engine) as conn:
        status = conn.execute(select(orders.c.status).where(orders.c.id == order_id)).scalar_one()
        last = events(conn, order_id)[-1]
    assert status == "allocated"
    assert last == (
        "allocated",
        "allocated",
        "exception short_pick: BER picked 1 of 2 A",
        {"exception_id": record.id, "kind": "short_pick", "suggested_action": "reallocate_short_lines"},
    )
    shown = json.loads(json.dumps(record.as_dict()))
    assert shown["kind"] == "short_pick" and shown["state"] == "open"
    assert shown["actions"] == ["reallocate_short_lines", "cancel_short_lines", "dismiss"]
    assert shown["created_at"] == record.created_at.isoformat() and shown["resolved_at"] is None
    assert "tenant" not in shown


def test_raising_again_returns_the_same_exception(hub_ctx: HubContext, order_id: str) -> None:
    with hub_ctx.engine.begin() as conn:
        first = short_pick(conn, hub_ctx, order_id)
        before = len(events(conn, order_id))
    with hub_ctx.engine.begin() as conn:
        again = short_pick(conn, hub_ctx, order_id)
        # Facts outside the kind's key fields (node, lines) do not make it another exception.
        noted = raise_exception(
            conn,
            hub_ctx.tenant,
            "short_pick",
            summary="said differently",
            order_id=order_id,
            detail={"node": "BER", "lines": [{"line_no": 1, "sku": "A", "short": "1"}], "picker": "p-7"},
        )
        other_node = short_pick(conn, hub_ctx, order_id, dedup_key="explicit-key")
        assert count(conn, exceptions) == 2
        assert len(events(conn, order_id)) == before + 1  # only the new one is on the timeline
    assert again.id == first.id == noted.id and noted.summary == first.summary
    assert other_node.id != first.id and other_node.dedup_key == "explicit-key"
    assert first.dedup_key == default_dedup_key(ExceptionKind.SHORT_PICK, order_id, first.detail)
    assert first.dedup_key.startswith(f"short_pick:{order_id}:")


def test_a_resolved_exception_is_not_reopened_by_a_repeat(hub_ctx: HubContext, order_id: str) -> None:
    with hub_ctx.engine.begin() as conn:
        record = short_pick(conn, hub_ctx, order_id)
    resolve_exception(hub_ctx, record.id, action="dismiss")
    with hub_ctx.engine.begin() as conn:
        again = short_pick(conn, hub_ctx, order_id)
    assert (again.id, again.state) == (record.id, ExceptionState.RESOLVED)


def test_exception_without_order_and_refusals(hub_ctx: HubContext, order_id: str) -> None:
    with hub_ctx.engine.begin() as conn:
        loose = raise_exception(
            conn, hub_ctx.tenant, ExceptionKind.CARRIER_DELAY, summary="DHL hub closed", detail={"carrier": "dhl"}
        )
        assert loose.order_id is None and loose.dedup_key.startswith("carrier_delay:-:")
    with pytest.raises(ExceptionNotFound, match="no order 'ord_nope'"), hub_ctx.engine.begin() as conn:
        raise_exception(conn, hub_ctx.tenant, "backorder", summary="x", order_id="ord_nope")
    with pytest.raises(UnknownKind, match="did you mean 'short_pick'"), hub_ctx.engine.begin() as conn:
        raise_exception(conn, hub_ctx.tenant, "shortpick", summary="x", order_id=order_id)
    with pytest.raises(UnknownAction, match="cannot suggest 'restock'"), hub_ctx.engine.begin() as conn:
        raise_exception(conn, hub_ctx.tenant, "short_pick", summary="x", suggested_action="restock")
    with pytest.raises(MissingSummary), hub_ctx.engine.begin() as conn:
        raise_exception(conn, hub_ctx.tenant, "short_pick", summary="  ", order_id=order_id)
    with read_only(hub_ctx.engine) as conn:
        assert count(conn, exceptions) == 1


def test_lifecycle_open_acknowledged_resolved(hub_ctx: HubContext, order_id: str) -> None:
    with hub_ctx.engine.begin() as conn:
        record = short_pick(conn, hub_ctx, order_id)
        acked = acknowledge(conn, hub_ctx.tenant, record.id, "ops-anna")
    assert acked.state == ExceptionState.ACKNOWLEDGED
    assert acked.detail["acknowledged_by"] == "ops-anna" and acked.detail["node"] == "BER"
    refused = "acknowledged and cannot become acknowledged"
    with pytest.raises(IllegalExceptionTransition, match=refused), hub_ctx.engine.begin() as conn:
        acknowledge(conn, hub_ctx.tenant, record.id, "ops-ben")
    outcome = resolve_exception(hub_ctx, record.id, action="dismiss", note="picked later", by="ops-anna")
    done = outcome.record
    assert (done.state, done.resolved_by, done.resolution) == (
        ExceptionState.RESOLVED,
        "ops-anna",
        "dismissed; nothing changed",
    )
    assert done.resolved_at is not None and done.detail["resolved_action"] == "dismiss"
    assert done.detail["resolution_note"] == "picked later"
    with pytest.raises(IllegalExceptionTransition, match=r"none \(resolved is final\)"):
        resolve_exception(hub_ctx, record.id, action="dismiss")
    with pytest.raises(IllegalTransition), hub_ctx.engine.begin() as conn:
        acknowledge(conn, hub_ctx.tenant, record.id, "late")
    with read_only(hub_ctx.engine) as conn:
        reasons = [e[2] for e in events(conn, order_id)]
        assert get_exception(conn, hub_ctx.tenant, record.id).resolved_by == "ops-anna"
    assert reasons[-3:] == [
        "exception short_pick: BER picked 1 of 2 A",
        "exception short_pick acknowledged by ops-anna",
        "exception short_pick resolved: dismissed; nothing changed",
    ]


def test_open_can_be_resolved_directly(hub_ctx: HubContext, order_id: str) -> None:
    with hub_ctx.engine.begin() as conn:
        record = raise_exception(conn, hub_ctx.tenant, "node_rejection", summary="BER refused", order_id=order_id)
    outcome = resolve_exception(hub_ctx, record.id, action="dismiss")
    assert outcome.record.state == ExceptionState.RESOLVED and outcome.event_id is not None


def test_a_stale_record_cannot_be_moved(hub_ctx: HubContext, order_id: str) -> None:
    with hub_ctx.engine.begin() as conn:
        record = short_pick(conn, hub_ctx, order_id)
        acknowledge(conn, hub_ctx.tenant, record.id, "ops")
    with pytest.raises(IllegalExceptionTransition, match="changed meanwhile"), hub_ctx.engine.begin() as conn:
        mark_resolved(conn, record, action="dismiss", resolution="x", by="ops")  # `record` still says open
    with read_only(hub_ctx.engine) as conn:
        assert get_exception(conn, hub_ctx.tenant, record.id).state == ExceptionState.ACKNOWLEDGED


def test_resolving_without_a_handler_is_on_the_timeline_too(hub_ctx: HubContext, order_id: str) -> None:
    with hub_ctx.engine.begin() as conn:
        record = raise_exception(conn, hub_ctx.tenant, "backorder", summary="no B anywhere", order_id=order_id)
        done = mark_resolved(conn, record, action="retry_allocation", resolution="allocated after all", by="hub")
        last = events(conn, order_id)[-1]
    assert (done.state, done.resolution, done.detail["resolved_action"]) == (
        ExceptionState.RESOLVED,
        "allocated after all",
        "retry_allocation",
    )
    assert last[2:] == (
        "exception backorder resolved: allocated after all",
        {"exception_id": record.id, "kind": "backorder", "action": "retry_allocation", "by": "hub"},
    )


def test_list_and_get(hub_ctx: HubContext, order_id: str) -> None:
    other = make_order(hub_ctx, "1002", ("B", 1))
    with hub_ctx.engine.begin() as conn:
        pick = short_pick(conn, hub_ctx, order_id)
        split = raise_exception(conn, hub_ctx.tenant, "order_split", summary="2 shipments", order_id=other)
        hold = raise_exception(conn, hub_ctx.tenant, "on_hold", summary="fraud score 91", order_id=order_id)
        acknowledge(conn, hub_ctx.tenant, hold.id, "ops")
    resolve_exception(hub_ctx, split.id, action="dismiss")
    with read_only(hub_ctx.engine) as conn:
        t = hub_ctx.tenant
        assert [r.id for r in list_exceptions(conn, t)] == [hold.id, split.id, pick.id]  # newest first
        assert [r.id for r in list_exceptions(conn, t, state="open")] == [pick.id]
        assert [r.id for r in list_exceptions(conn, t, state=["open", "acknowledged"])] == [hold.id, pick.id]
        assert [r.id for r in list_exceptions(conn, t, kind="order_split")] == [split.id]
        assert [r.id for r in list_exceptions(conn, t, order_id=order_id)] == [hold.id, pick.id]
        assert [r.id for r in list_exceptions(conn, t, limit=1)] == [hold.id]
        assert list_exceptions(conn, "another-tenant") == []
        assert get_exception(conn, t, hold.id).state == ExceptionState.ACKNOWLEDGED
        with pytest.raises(ExceptionNotFound):
            get_exception(conn, t, "exc_nope")
        with pytest.raises(ExceptionNotFound):
            get_exception(conn, "another-tenant", hold.id)
        timeline = exceptions_for_order(conn, t, order_id)
    assert [(e["id"], e["kind"], e["state"]) for e in timeline] == [
        (pick.id, "short_pick", "open"),
        (hold.id, "on_hold", "acknowledged"),
    ]
    assert json.loads(json.dumps(timeline)) == timeline


def test_unknown_and_unavailable_actions_change_nothing(hub_ctx: HubContext, order_id: str) -> None:
    with hub_ctx.engine.begin() as conn:
        record = short_pick(conn, hub_ctx, order_id)
    with pytest.raises(UnknownAction, match=r"did you mean 'dismiss'\?; their actions: reallocate_short_lines, cancel"):
        resolve_exception(hub_ctx, record.id, action="dismis")
    with pytest.raises(
        ActionUnavailable, match=r"reallocate_short_lines has no handler .*; available for short_pick: dismiss$"
    ):
        resolve_exception(hub_ctx, record.id)  # the suggested action: the allocator registers it
    with read_only(hub_ctx.engine) as conn:
        assert get_exception(conn, hub_ctx.tenant, record.id).state == ExceptionState.OPEN
    assert available_actions(ExceptionKind.SHORT_PICK) == ["dismiss"]


def test_a_review_suggestion_needs_a_decision(hub_ctx: HubContext, order_id: str) -> None:
    with hub_ctx.engine.begin() as conn:
        hold = raise_exception(conn, hub_ctx.tenant, "on_hold", summary="address check", order_id=order_id)
    assert hold.suggested_action == "review_hold"
    with pytest.raises(DecisionRequired, match="release_hold, cancel_order, dismiss"):
        resolve_exception(hub_ctx, hold.id)


def test_registered_handler_runs_in_the_resolving_transaction(hub_ctx: HubContext, order_id: str) -> None:
    calls: list[str] = []

    def release(conn: Connection, ctx: HubContext, record: ExceptionRecord) -> str:
        calls.append(record.id)
        conn.execute(orders.update().where(orders.c.id == record.order_id).values(attributes={"released": True}))
        if record.detail.get("refuse"):
            raise HubError("the payment is still pending")
        return "released the hold; allocated at BER"

    register_action(ExceptionKind.ON_HOLD, "release_hold", release)
    try:
        register_action(ExceptionKind.ON_HOLD, "release_hold", release)  # the same handler again: a no-op
        with pytest.raises(ActionConflict, match="already has the handler"):
            register_action(ExceptionKind.ON_HOLD, "release_hold", lambda c, x, r: "other")
        with hub_ctx.engine.begin() as conn:
            refused = raise_exception(
                conn, hub_ctx.tenant, "on_hold", summary="payment", order_id=order_id, detail={"refuse": True}
            )
            fine = raise_exception(
                conn, hub_ctx.tenant, "on_hold", summary="fraud", order_id=order_id, detail={"hold": "fraud"}
            )
        with pytest.raises(HubError, match="payment is still pending"):
            resolve_exception(hub_ctx, refused.id, action="release_hold")
        with read_only(hub_ctx.engine) as conn:
            assert conn.execute(select(orders.c.attributes).where(orders.c.id == order_id)).scalar_one() == {}
            assert get_exception(conn, hub_ctx.tenant, refused.id).state == ExceptionState.OPEN
        outcome = resolve_exception(hub_ctx, fine.id, action="release_hold", by="ops")
        assert outcome.result == "released the hold; allocated at BER"
        with read_only(hub_ctx.engine) as conn:
            assert conn.execute(select(orders.c.attributes).where(orders.c.id == order_id)).scalar_one() == {
                "released": True
            }
            assert events(conn, order_id)[-1][2] == "exception on_hold resolved: released the hold; allocated at BER"
        assert calls == [refused.id, fine.id]
    finally:
        unregister_action(ExceptionKind.ON_HOLD, "release_hold")
    assert "release_hold" not in available_actions(ExceptionKind.ON_HOLD)


def test_registering_an_action_the_kind_does_not_offer_is_refused() -> None:
    with pytest.raises(UnknownAction, match="do not offer 'restock'"):
        register_action(ExceptionKind.SHORT_PICK, "restock", lambda c, x, r: "no")
    with pytest.raises(UnknownAction, match="no exception kind offers"):
        register_action(ANY_KIND, "teleport", lambda c, x, r: "no")
    with pytest.raises(UnknownKind):
        register_action("nonsense", "dismiss", lambda c, x, r: "no")


def test_carrier_delay_repromises_and_notifies(hub_ctx: HubContext, order_id: str) -> None:
    with hub_ctx.engine.begin() as conn:
        delay = raise_exception(
            conn,
            hub_ctx.tenant,
            "carrier_delay",
            summary="DHL: 2 days late",
            order_id=order_id,
            detail={"shipment": 1, "new_delivery_date": "2025-05-09", "reason": "weather"},
        )
        undated = raise_exception(
            conn, hub_ctx.tenant, "carrier_delay", summary="late, no date", order_id=order_id, detail={"shipment": 2}
        )
    with pytest.raises(ActionFailed, match="no new_delivery_date"):
        resolve_exception(hub_ctx, undated.id)
    outcome = resolve_exception(hub_ctx, delay.id)
    assert outcome.action == "repromise_and_notify"
    assert outcome.result == "re-promised delivery by 2025-05-09 and queued a customer notification to shop"
    assert outcome.record.detail["repromised_delivery_date"] == "2025-05-09"
    with read_only(hub_ctx.engine) as conn:
        row = conn.execute(select(outbox)).one()  # nothing from the refused one
        external = conn.execute(select(orders.c.external_id).where(orders.c.id == order_id)).scalar_one()
        last = events(conn, order_id)[-1]
        assert get_exception(conn, hub_ctx.tenant, undated.id).state == ExceptionState.OPEN
    assert (row.connection, row.kind, row.status) == ("shop", CUSTOMER_NOTIFICATION, "pending")
    assert row.idempotency_key == f"exception:{delay.id}:customer_notification"
    assert row.body == {
        "order_id": order_id,
        "external_id": external,
        "source": "shop:acme",
        "new_delivery_date": "2025-05-09",
        "reason": "weather",
        "exception_id": delay.id,
        "exception_kind": "carrier_delay",
    }
    assert last[2].startswith("exception carrier_delay resolved: re-promised delivery by 2025-05-09")
    assert last[3] == {"exception_id": delay.id, "kind": "carrier_delay", "action": "repromise_and_notify", "by": "cli"}


def test_broken_promise_notifies_the_customer(hub_ctx: HubContext, order_id: str) -> None:
    with hub_ctx.engine.begin() as conn:
        broken = raise_exception(
            conn,
            hub_ctx.tenant,
            "broken_promise",
            summary="promised by 2025-05-06, not shipped",
            order_id=order_id,
            detail={"promised_delivery_latest": "2025-05-06"},
        )
        orphan = raise_exception(conn, hub_ctx.tenant, "broken_promise", summary="no order", detail={"p": 1})
    outcome = resolve_exception(hub_ctx, broken.id, note="apologised")
    assert outcome.result == "queued a customer notification to shop"
    with pytest.raises(ActionFailed, match="concerns no order"):
        resolve_exception(hub_ctx, orphan.id)
    with read_only(hub_ctx.engine) as conn:
        row = conn.execute(select(outbox)).one()
        last = events(conn, order_id)[-1]
    assert row.body["new_delivery_date"] is None
    assert row.body["reason"] == "promised by 2025-05-06, not shipped"  # no reason in the detail: the summary
    assert last[3]["note"] == "apologised"


def test_order_split_review(hub_ctx: HubContext, order_id: str) -> None:
    with hub_ctx.engine.begin() as conn:
        split = raise_exception(
            conn,
            hub_ctx.tenant,
            "order_split",
            summary="ships from BER and AMS",
            order_id=order_id,
            detail={"shipments": [{"node": "BER", "lines": [1]}, {"node": "AMS", "lines": [2]}]},
        )
    outcome = resolve_exception(hub_ctx, split.id)
    assert outcome.result == "split accepted as allocated: 2 shipments from AMS, BER"
    assert outcome.as_dict()["exception"]["state"] == "resolved"
