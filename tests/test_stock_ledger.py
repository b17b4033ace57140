"""The stock ledger's movements, shipments of reservations, incoming stock, safety stock and freshness."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Connection, Engine, func, select

from hub.allocation.ledger import load_levels, reserve
from hub.model.ids import new_id, utcnow
from hub.stock.errors import IncomingError, StockMovementError
from hub.stock.incoming import add_incoming, cancel_incoming, incoming_for, list_incoming, receive_incoming
from hub.stock.movements import apply_movement, record_movement, ship_reserved
from hub.stock.safety import set_safety
from hub.store.db import read_only
from hub.store.tables import nodes, reservations, stock_incoming, stock_levels, stock_movements

T = "default"


def level(conn: Connection, node: str, sku: str) -> tuple[Decimal, Decimal, Decimal]:
    t = stock_levels.c
    row = conn.execute(select(t.on_hand, t.reserved, t.safety).where(t.tenant == T, t.node == node, t.sku == sku)).one()
    return Decimal(row.on_hand), Decimal(row.reserved), Decimal(row.safety)


def movements(conn: Connection) -> list[tuple[str, Decimal, str | None]]:
    m = stock_movements.c
    rows = conn.execute(select(m.kind, m.delta, m.reference).order_by(m.id))
    return [(r.kind, Decimal(r.delta), r.reference) for r in rows]


def stock_as_of(conn: Connection, node: str) -> datetime | None:
    return conn.execute(select(nodes.c.stock_as_of).where(nodes.c.tenant == T, nodes.c.code == node)).scalar()


def test_movements_follow_their_kind_and_are_logged(engine: Engine) -> None:
    with engine.begin() as conn:
        assert record_movement(conn, T, "BER", "MUG", Decimal(10), "receipt", reference="GRN-1") == 10
        assert record_movement(conn, T, "BER", "MUG", Decimal(-3), "shipment", reference="SHP-1") == 7
        assert record_movement(conn, T, "BER", "MUG", Decimal(-2), "pick") == 5
        assert record_movement(conn, T, "BER", "MUG", Decimal(1), "return") == 6
        assert record_movement(conn, T, "BER", "MUG", Decimal("-0.5"), "adjustment") == Decimal("5.5")
        assert record_movement(conn, T, "BER", "MUG", Decimal(4), "transfer_in") == Decimal("9.5")
        assert record_movement(conn, T, "BER", "MUG", Decimal(-9), "transfer_out") == Decimal("0.5")
    with read_only(engine) as conn:
        assert level(conn, "BER", "MUG") == (Decimal("0.5"), 0, 0)
        assert movements(conn) == [
            ("receipt", 10, "GRN-1"),
            ("shipment", -3, "SHP-1"),
            ("pick", -2, None),
            ("return", 1, None),
            ("adjustment", Decimal("-0.5"), None),
            ("transfer_in", 4, None),
            ("transfer_out", -9, None),
        ]
        assert conn.execute(select(nodes.c.code).where(nodes.c.tenant == T)).scalars().all() == ["BER"]


@pytest.mark.parametrize(
    ("delta", "kind", "message"),
    [
        (Decimal(-1), "receipt", "a receipt adds stock: delta must be positive, got -1"),
        (Decimal(1), "shipment", "a shipment takes stock: delta must be negative, got 1"),
        (Decimal(1), "pick", "a pick takes stock"),
        (Decimal(-2), "return", "a return adds stock"),
        (Decimal(0), "adjustment", "a adjustment needs a non-zero quantity"),
        (Decimal("NaN"), "adjustment", "non-zero quantity"),
        (Decimal(1), "quarantine", "unknown movement kind 'quarantine'"),
        (Decimal(-6), "shipment", "shipment of 6 MUG at BER would make on hand negative: on hand is 5"),
        (Decimal(-6), "adjustment", "adjustment of 6 MUG at BER would make on hand negative: on hand is 5"),
    ],
)
def test_refused_movements_change_nothing(engine: Engine, delta: Decimal, kind: str, message: str) -> None:
    with engine.begin() as conn:
        record_movement(conn, T, "BER", "MUG", Decimal(5), "receipt")
    with pytest.raises(StockMovementError) as caught, engine.begin() as conn:
        record_movement(conn, T, "BER", "MUG", delta, kind)
    assert message in caught.value.message
    assert caught.value.code == "stock_movement_error"
    with read_only(engine) as conn:
        assert level(conn, "BER", "MUG")[0] == 5
        assert sum(d for _k, d, _r in movements(conn)) == 5


def test_taking_stock_that_was_never_there_is_refused(engine: Engine) -> None:
    with pytest.raises(StockMovementError, match=r"on hand is 0 \(no stock recorded\)"), engine.begin() as conn:
        record_movement(conn, T, "AMS", "CAP", Decimal(-1), "shipment")
    with read_only(engine) as conn:
        assert conn.execute(select(func.count()).select_from(stock_levels)).scalar() == 0


def test_on_hand_below_reserved_is_applied_and_reported(engine: Engine) -> None:
    with engine.begin() as conn:
        record_movement(conn, T, "BER", "MUG", Decimal(5), "receipt")
        assert reserve(conn, T, "BER", "MUG", Decimal(4))
        moved = apply_movement(conn, T, "BER", "MUG", Decimal(-3), "adjustment", reference="damaged")
    assert (moved.on_hand, moved.reserved, moved.short) == (2, 4, 2)
    with engine.begin() as conn:
        assert apply_movement(conn, T, "BER", "MUG", Decimal(10), "receipt").short == 0
    with read_only(engine) as conn:
        assert level(conn, "BER", "MUG") == (12, 4, 0)


def test_movements_confirm_the_nodes_stock_forward_only(engine: Engine) -> None:
    later = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
    earlier = later - timedelta(hours=3)
    with engine.begin() as conn:
        record_movement(conn, T, "BER", "MUG", Decimal(5), "receipt", at=later)
        assert stock_as_of(conn, "BER") == later
        record_movement(conn, T, "BER", "MUG", Decimal(-1), "shipment", at=earlier)
        assert stock_as_of(conn, "BER") == later  # a late report does not make the stock look older
        set_safety(conn, T, "AMS", "MUG", Decimal(1))
        assert stock_as_of(conn, "AMS") is None  # safety is planning, not a confirmation by the node
        record_movement(conn, T, "AMS", "MUG", Decimal(2), "receipt")
        confirmed = stock_as_of(conn, "AMS")
    assert confirmed is not None and abs(confirmed - utcnow()) < timedelta(minutes=5)


def hold(conn: Connection, order_id: str, line_no: int, sku: str, qty: int, node: str = "BER") -> None:
    assert reserve(conn, T, node, sku, Decimal(qty))
    conn.execute(
        reservations.insert().values(
            id=new_id("res"),
            tenant=T,
            order_id=order_id,
            line_no=line_no,
            node=node,
            sku=sku,
            quantity=Decimal(qty),
            status="held",
            created_at=utcnow(),
            shipment_no=1,
        )
    )


def reservation_rows(conn: Connection, order_id: str) -> list[tuple[int, Decimal, str]]:
    r = reservations.c
    rows = conn.execute(select(r.line_no, r.quantity, r.status).where(r.order_id == order_id))
    return sorted((x.line_no, Decimal(x.quantity), x.status) for x in rows)


def test_ship_reserved_consumes_held_reservations(engine: Engine) -> None:
    with engine.begin() as conn:
        record_movement(conn, T, "BER", "MUG", Decimal(10), "receipt")
        hold(conn, "ord_1", 1, "MUG", 2)
        hold(conn, "ord_1", 2, "MUG", 3)
        hold(conn, "ord_2", 1, "MUG", 1)
    with engine.begin() as conn:
        shipped = ship_reserved(conn, T, "ord_1", "BER", "MUG", Decimal(4))
    assert (shipped.kind, shipped.delta, shipped.on_hand, shipped.reserved) == ("shipment", -4, 6, 2)
    with read_only(engine) as conn:
        assert reservation_rows(conn, "ord_1") == [(1, 2, "consumed"), (2, 1, "held"), (2, 2, "consumed")]
        assert reservation_rows(conn, "ord_2") == [(1, 1, "held")]
        assert level(conn, "BER", "MUG") == (6, 2, 0)
        assert movements(conn)[-1] == ("shipment", -4, "order:ord_1")
    with (
        pytest.raises(StockMovementError, match="order ord_1 holds 1 of MUG at BER; cannot ship 2"),
        engine.begin() as c,
    ):
        ship_reserved(c, T, "ord_1", "BER", "MUG", Decimal(2))
    with engine.begin() as conn:
        assert ship_reserved(conn, T, "ord_1", "BER", "MUG", Decimal(1)).reserved == 1
        assert reservation_rows(conn, "ord_1") == [(1, 2, "consumed"), (2, 1, "consumed"), (2, 2, "consumed")]
        assert level(conn, "BER", "MUG") == (5, 1, 0)


def test_ship_reserved_refuses_what_the_ledger_no_longer_has(engine: Engine) -> None:
    with engine.begin() as conn:
        record_movement(conn, T, "BER", "MUG", Decimal(3), "receipt")
        hold(conn, "ord_1", 1, "MUG", 3)
        record_movement(conn, T, "BER", "MUG", Decimal(-2), "adjustment")  # lost in the warehouse
    with pytest.raises(StockMovementError, match="count the node"), engine.begin() as conn:
        ship_reserved(conn, T, "ord_1", "BER", "MUG", Decimal(3))
    with read_only(engine) as conn:  # the reservation stays held: nothing of the failed shipment was written
        assert reservation_rows(conn, "ord_1") == [(1, 3, "held")]
        assert level(conn, "BER", "MUG") == (1, 3, 0)


def test_incoming_by_date_receive_and_cancel(engine: Engine) -> None:
    june_3, june_10 = date(2030, 6, 3), date(2030, 6, 10)
    with engine.begin() as conn:
        late = add_incoming(conn, T, "BER", "MUG", Decimal(5), june_10, "PO-2")
        early = add_incoming(conn, T, "BER", "MUG", Decimal(2), june_3, "PO-1")
        also_early = add_incoming(conn, T, "BER", "MUG", Decimal(1), june_3)
        ams = add_incoming(conn, T, "AMS", "MUG", Decimal(4), june_3, "TR-9")
        add_incoming(conn, T, "AMS", "CAP", Decimal(7), june_3)
        assert incoming_for(conn, T, ["MUG"]) == {
            ("AMS", "MUG"): [(june_3, 4)],
            ("BER", "MUG"): [(june_3, 3), (june_10, 5)],
        }
    with engine.begin() as conn:
        partial = receive_incoming(conn, T, late, Decimal(3))
        assert (partial.kind, partial.delta, partial.on_hand, partial.reference) == ("receipt", 3, 3, "PO-2")
        assert receive_incoming(conn, T, early).on_hand == 5
        cancel_incoming(conn, T, also_early)
        assert incoming_for(conn, T, ["MUG", "CAP"]) == {
            ("AMS", "CAP"): [(june_3, 7)],
            ("AMS", "MUG"): [(june_3, 4)],
            ("BER", "MUG"): [(june_10, 2)],
        }
        assert [(i.id, i.quantity) for i in list_incoming(conn, T, node="BER")] == [(late, 2)]
        statuses = sorted((i.status, i.quantity) for i in list_incoming(conn, T, sku="MUG", node="BER", status=None))
        assert statuses == [("cancelled", 1), ("open", 2), ("received", 2), ("received", 3)]
        assert level(conn, "BER", "MUG")[0] == 5
    for bad, message in (
        (early, "is received, not open"),
        (also_early, "is cancelled, not open"),
        ("inc_nope", "no incoming stock with id 'inc_nope'"),
    ):
        with pytest.raises(IncomingError, match=message), engine.begin() as conn:
            receive_incoming(conn, T, bad)
    with pytest.raises(IncomingError, match="must be positive"), engine.begin() as conn:
        receive_incoming(conn, T, ams, Decimal(0))
    with pytest.raises(IncomingError, match="must be positive"), engine.begin() as conn:
        add_incoming(conn, T, "BER", "MUG", Decimal(-1), june_3)
    with read_only(engine) as conn:
        assert conn.execute(select(func.count()).select_from(stock_incoming)).scalar() == 6  # 5 added, 1 split off


def test_safety_stock_is_never_available(engine: Engine) -> None:
    with engine.begin() as conn:
        record_movement(conn, T, "BER", "MUG", Decimal(10), "receipt")
        assert set_safety(conn, T, "BER", "MUG", Decimal(3)) == 0
        assert set_safety(conn, T, "BER", "MUG", Decimal(4)) == 3
        assert set_safety(conn, T, "AMS", "MUG", Decimal(2)) == 0  # a level with no stock yet
    with read_only(engine) as conn:
        view = load_levels(conn, T, ["MUG"])
        assert (view.available("BER", "MUG"), view.available("AMS", "MUG")) == (6, 0)
        assert level(conn, "AMS", "MUG") == (0, 0, 2)
    with engine.begin() as conn:
        assert not reserve(conn, T, "BER", "MUG", Decimal(7))
        assert reserve(conn, T, "BER", "MUG", Decimal(6))
    with pytest.raises(StockMovementError, match="0 or more"), engine.begin() as conn:
        set_safety(conn, T, "BER", "MUG", Decimal(-1))
