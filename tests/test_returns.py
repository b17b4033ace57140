"""Returns on both stores: rules decide restock or quarantine per line, with explanations; actions move stock."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Connection, func, select

from hub.context import HubContext
from hub.errors import ConfigError
from hub.exceptions import ExceptionKind, ExceptionState, InvalidReturn, get_exception, list_exceptions
from hub.exceptions.resolve import resolve_exception
from hub.exceptions.return_rules import DEFAULT_RETURN_RULES, ReturnRules
from hub.exceptions.returns import record_return
from hub.model.ids import utcnow
from hub.store.db import read_only
from hub.store.tables import exceptions, order_events, orders, products, stock_levels, stock_movements
from tests.test_exceptions import make_network, make_order


def on_hand(conn: Connection, node: str, sku: str) -> Decimal:
    t = stock_levels.c
    return Decimal(conn.execute(select(t.on_hand).where(t.node == node, t.sku == sku)).scalar_one())


def movements(conn: Connection) -> list[tuple[str, str, Decimal, str, str | None]]:
    rows = conn.execute(
        select(stock_movements).where(stock_movements.c.kind == "return").order_by(stock_movements.c.id)
    )
    return [(m.node, m.sku, Decimal(m.delta), m.kind, m.reference) for m in rows]


def add_product(ctx: HubContext, sku: str, weight: str | None = None, **attributes: bool) -> None:
    with ctx.engine.begin() as conn:
        conn.execute(
            products.insert().values(
                tenant=ctx.tenant,
                sku=sku,
                weight_kg=Decimal(weight) if weight else None,
                attributes=attributes,
                updated_at=utcnow(),
            )
        )


@pytest.fixture
def order_id(hub_ctx: HubContext) -> str:
    make_network(hub_ctx)
    add_product(hub_ctx, "H", "2.5", hazmat=True)
    add_product(hub_ctx, "A", "0.4", fragile=True)
    return make_order(hub_ctx, "R-1", ("A", 3), ("H", 1), ("B", 2))


# --- the rules, without a store ---------------------------------------------------------------


def variables(condition: str = "sellable", **product) -> dict:
    about = {
        "condition": condition,
        "reason": None,
        "node": "BER",
        "channel": "shop:acme",
        "days_since_order": 3,
        "reference": None,
    }
    defaults = {"hazmat": None, "fragile": None, "oversize": None, "weight_kg": None}
    return {"return": about, "line": {"sku": "A", "quantity": Decimal(1), "product": defaults | product}}


def test_default_rules_decide_with_explanations() -> None:
    damaged = DEFAULT_RETURN_RULES.decide(variables("damaged"))
    assert (damaged.action, damaged.rule) == ("quarantine", "damaged_or_opened")
    assert "return.condition = 'damaged' is in ['damaged', 'opened']" in damaged.explanation
    hazmat = DEFAULT_RETURN_RULES.decide(variables(hazmat=True))
    assert (hazmat.action, hazmat.rule) == ("quarantine", "hazmat")
    assert "[true] line.product.hazmat is true" in hazmat.explanation
    fine = DEFAULT_RETURN_RULES.decide(variables(hazmat=False))
    assert (fine.action, fine.rule) == ("restock", "default")
    assert fine.explanation.splitlines()[0] == "no return rule matched: restock by default"
    assert "rule damaged_or_opened does not match" in fine.explanation
    assert "line.product.hazmat is false" in fine.explanation


def test_first_matching_rule_wins() -> None:
    rules = ReturnRules.from_config(
        [
            {"name": "late", "when": "return.days_since_order > 30", "action": "quarantine"},
            {"name": "heavy_ok", "when": "line.product.weight_kg >= 20.0", "action": "restock"},
            {"name": "heavy", "when": "line.product.weight_kg >= 10", "action": "quarantine"},
            {"name": "marketplace", "when": 'startswith(return.channel, "amazon")', "action": "quarantine"},
        ]
    )
    assert rules.decide(variables(weight_kg=Decimal(25))).rule == "heavy_ok"
    assert rules.decide(variables(weight_kg=Decimal(12))).rule == "heavy"
    late = variables(weight_kg=Decimal(25))
    late["return"]["days_since_order"] = 45
    assert rules.decide(late).rule == "late"
    assert rules.decide(variables()).action == "restock"  # unknown weight is null: no rule matches
    assert ReturnRules.from_config(rules.as_config()).as_config() == rules.as_config()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ("quarantine everything", "returns: must be a list"),
        ([["name", "when"]], "returns[0]: a rule must be a mapping"),
        ([{"name": "x", "when": "true", "action": "restock", "if": 1}], "returns[0] ('x'): unknown key(s) if"),
        ([{"name": "x", "action": "restock"}], "returns[0] ('x'): missing key(s) when"),
        ([{"name": "", "when": "true", "action": "restock"}], "returns[0]: name must be non-empty text"),
        (
            [{"name": "x", "when": "true", "action": "bin"}],
            "returns[0] ('x'): action must be one of restock, quarantine",
        ),
        ([{"name": "x", "when": 5, "action": "restock"}], "returns[0] ('x'): when must be an expression"),
        (
            [
                {"name": "ok", "when": "true", "action": "restock"},
                {"name": "typo", "when": "line.product.hazmet", "action": "quarantine"},
            ],
            "returns[1] ('typo'): unknown field 'hazmet' on line.product; did you mean 'hazmat'?",
        ),
        ([{"name": "n", "when": "return.days_since_order + 1", "action": "restock"}], "must be a condition"),
        (
            [{"name": "x", "when": "true", "action": "restock"}, {"name": "x", "when": "false", "action": "restock"}],
            "returns[1] ('x'): the name is already taken",
        ),
        ([{"name": "default", "when": "true", "action": "restock"}], "not 'default'"),
    ],
)
def test_bad_rule_config_names_the_entry(entries: object, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        ReturnRules.from_config(entries)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_empty_rules_restock_everything() -> None:
    assert ReturnRules.from_config(None).decide(variables("damaged")).action == "restock"
    assert ReturnRules.from_config([]).rules == ()


# --- record_return on the store ---------------------------------------------------------------


def test_sellable_return_suggests_restock_and_restocks_on_resolve(hub_ctx: HubContext, order_id: str) -> None:
    record = record_return(hub_ctx, order_id, node="BER", lines={"A": Decimal(2)}, reason="too small")
    assert (record.kind, record.state, record.suggested_action) == (
        ExceptionKind.RETURN_RECEIVED,
        ExceptionState.OPEN,
        "restock",
    )
    assert record.summary == "return of 2 x A at BER (sellable): restock"
    (line,) = record.detail["lines"]
    assert (line["sku"], line["quantity"], line["decision"], line["rule"]) == ("A", "2", "restock", "default")
    assert record.detail["reason"] == "too small"
    with read_only(hub_ctx.engine) as conn:
        assert on_hand(conn, "BER", "A") == 10  # nothing moves before the exception is resolved
        assert movements(conn) == []
    outcome = resolve_exception(hub_ctx, record.id, by="ops")
    assert outcome.result == "restocked 2 x A at BER"
    with read_only(hub_ctx.engine) as conn:
        assert on_hand(conn, "BER", "A") == 12
        assert movements(conn) == [("BER", "A", Decimal(2), "return", f"exception:{record.id}")]
        reasons = [
            e.reason
            for e in conn.execute(
                select(order_events).where(order_events.c.order_id == order_id).order_by(order_events.c.at)
            )
        ]
        assert get_exception(conn, hub_ctx.tenant, record.id).detail["restocked"] == {
            "node": "BER",
            "lines": {"A": "2"},
        }
    assert reasons[-2:] == [
        "exception return_received: return of 2 x A at BER (sellable): restock",
        "exception return_received resolved: restocked 2 x A at BER",
    ]


def test_damaged_return_is_quarantined_without_touching_stock(hub_ctx: HubContext, order_id: str) -> None:
    record = record_return(hub_ctx, order_id, node="BER", lines={"A": Decimal(1), "B": Decimal(1)}, condition="Damaged")
    assert record.suggested_action == "quarantine"
    assert [line["rule"] for line in record.detail["lines"]] == ["damaged_or_opened", "damaged_or_opened"]
    assert "return.condition = 'damaged' is in" in record.detail["lines"][0]["explanation"]
    outcome = resolve_exception(hub_ctx, record.id)
    assert outcome.result == "quarantined 1 x A, 1 x B at BER (kept out of stock; on-hand unchanged)"
    assert outcome.record.detail["quarantined"] == {"node": "BER", "lines": {"A": "1", "B": "1"}}
    with read_only(hub_ctx.engine) as conn:
        assert (on_hand(conn, "BER", "A"), on_hand(conn, "BER", "B")) == (10, 10)
        assert movements(conn) == []


def test_mixed_return_restocks_some_lines_and_quarantines_the_hazmat(hub_ctx: HubContext, order_id: str) -> None:
    record = record_return(hub_ctx, order_id, node="BER", lines={"A": Decimal(1), "H": Decimal(1)})
    assert record.suggested_action == "restock_and_quarantine"
    decided = {line["sku"]: (line["decision"], line["rule"]) for line in record.detail["lines"]}
    assert decided == {"A": ("restock", "default"), "H": ("quarantine", "hazmat")}
    outcome = resolve_exception(hub_ctx, record.id)
    assert outcome.result == ("restocked 1 x A at BER; quarantined 1 x H at BER (kept out of stock; on-hand unchanged)")
    with read_only(hub_ctx.engine) as conn:
        assert [(m[1], m[2]) for m in movements(conn)] == [("A", Decimal(1))]
        assert (on_hand(conn, "BER", "A"), on_hand(conn, "BER", "H")) == (11, 10)


def test_operator_may_override_the_rule(hub_ctx: HubContext, order_id: str) -> None:
    record = record_return(hub_ctx, order_id, node="AMS", lines={"H": Decimal(1)})
    assert record.suggested_action == "quarantine"
    outcome = resolve_exception(hub_ctx, record.id, action="restock", note="sealed, checked by hand")
    assert outcome.result == "restocked 1 x H at AMS"
    with read_only(hub_ctx.engine) as conn:
        assert on_hand(conn, "AMS", "H") == 1  # AMS had no level for H: the movement creates it
        assert movements(conn)[0][:3] == ("AMS", "H", Decimal(1))


def test_auto_applies_and_resolves_at_once(hub_ctx: HubContext, order_id: str) -> None:
    custom = ReturnRules.from_config([{"name": "fragile", "when": "line.product.fragile", "action": "quarantine"}])
    kept = record_return(hub_ctx, order_id, node="BER", lines={"A": Decimal(1)}, auto=True, rules=custom)
    back = record_return(hub_ctx, order_id, node="BER", lines={"B": Decimal(2)}, auto=True, rules=custom)
    assert (kept.state, kept.resolved_by, kept.detail["lines"][0]["rule"]) == (
        ExceptionState.RESOLVED,
        "returns",
        "fragile",
    )
    assert kept.resolution == "quarantined 1 x A at BER (kept out of stock; on-hand unchanged)"
    assert back.resolution == "restocked 2 x B at BER"
    assert back.detail["resolution_note"] == "applied at once as the return rules decided"
    with read_only(hub_ctx.engine) as conn:
        assert [(m[1], m[2]) for m in movements(conn)] == [("B", Decimal(2))]


def test_rules_see_the_order_channel_and_age(hub_ctx: HubContext, order_id: str) -> None:
    with hub_ctx.engine.begin() as conn:
        conn.execute(orders.update().where(orders.c.id == order_id).values(placed_at=utcnow() - timedelta(days=40)))
    rules = ReturnRules.from_config(
        [
            {"name": "late", "when": "return.days_since_order > 30", "action": "quarantine"},
            {"name": "shop", "when": 'return.channel == "shop:acme"', "action": "restock"},
        ]
    )
    late = record_return(hub_ctx, order_id, node="BER", lines={"B": Decimal(1)}, rules=rules)
    assert (late.detail["lines"][0]["rule"], late.suggested_action) == ("late", "quarantine")
    assert late.detail["days_since_order"] >= 40
    assert "return.days_since_order = " in late.detail["lines"][0]["explanation"]
    with hub_ctx.engine.begin() as conn:
        conn.execute(orders.update().where(orders.c.id == order_id).values(placed_at=utcnow()))
    fresh = record_return(hub_ctx, order_id, node="BER", lines={"B": Decimal(1)}, rules=rules)
    assert (fresh.detail["lines"][0]["rule"], fresh.suggested_action) == ("shop", "restock")


def test_a_return_reference_makes_recording_idempotent(hub_ctx: HubContext, order_id: str) -> None:
    first = record_return(hub_ctx, order_id, node="BER", lines={"B": Decimal(2)}, reference="RMA-7", auto=True)
    again = record_return(hub_ctx, order_id, node="BER", lines={"B": Decimal(2)}, reference="RMA-7", auto=True)
    assert again.id == first.id and again.state == ExceptionState.RESOLVED
    with read_only(hub_ctx.engine) as conn:
        kinds = conn.execute(select(exceptions.c.kind, func.count()).group_by(exceptions.c.kind)).all()
        assert [tuple(k) for k in kinds] == [("return_received", 1)]
        assert on_hand(conn, "BER", "B") == 12  # restocked once
    # Without a reference, each call is another return: the order's 2 x B are all back already.
    with pytest.raises(InvalidReturn, match="has 2 x B, 2 already returned: 1 more is too many"):
        record_return(hub_ctx, order_id, node="BER", lines={"B": Decimal(1)})


def test_invalid_returns_write_nothing(hub_ctx: HubContext, order_id: str) -> None:
    cases = [
        ({"order_id": "ord_nope", "node": "BER", "lines": {"A": Decimal(1)}}, "no order 'ord_nope'"),
        ({"order_id": order_id, "node": "BRE", "lines": {"A": Decimal(1)}}, "no node 'BRE'; did you mean 'BER'?"),
        ({"order_id": order_id, "node": "BER", "lines": {"Z": Decimal(1)}}, "Z is not on order"),
        ({"order_id": order_id, "node": "BER", "lines": {"A": Decimal(0)}}, "must be above zero"),
        ({"order_id": order_id, "node": "BER", "lines": {"A": Decimal(4)}}, "has 3 x A, 0 already returned"),
        ({"order_id": order_id, "node": "BER", "lines": {}}, "at least one line"),
        ({"order_id": order_id, "node": "BER", "lines": {"A": Decimal(1)}, "condition": " "}, "must not be empty"),
    ]
    for kwargs, message in cases:
        order = kwargs.pop("order_id")
        with pytest.raises(InvalidReturn, match=message):
            record_return(hub_ctx, order, **kwargs)  # type: ignore[arg-type]
    with read_only(hub_ctx.engine) as conn:
        assert list_exceptions(conn, hub_ctx.tenant, kind=ExceptionKind.RETURN_RECEIVED) == []
        assert movements(conn) == []
