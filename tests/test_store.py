"""The store on SQLite and PostgreSQL: migrations match the tables, reservations never oversell."""

from __future__ import annotations

import threading
from decimal import Decimal

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select

from hub.allocation.ledger import load_levels, reserve, set_on_hand
from hub.store.connections import ConnectionRecord, add_connection, list_connections, set_enabled
from hub.store.db import read_only
from hub.store.migrate import head_revision, is_up_to_date
from hub.store.tables import metadata, stock_levels, stock_movements


def test_migrations_reach_head_and_match_the_tables(engine: Engine) -> None:
    assert is_up_to_date(engine) and head_revision() == "0007"
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)
    assert diff == []


def test_guarded_reservation_never_oversells(engine: Engine) -> None:
    with engine.begin() as conn:
        set_on_hand(conn, "default", "N1", "HOT", Decimal(100))
    wins: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(30):
            with engine.begin() as conn:
                ok = reserve(conn, "default", "N1", "HOT", Decimal(3))
            with lock:
                wins.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with read_only(engine) as conn:
        level = conn.execute(select(stock_levels)).one()
    assert sum(wins) == 33  # floor(100 / 3): not one more
    assert Decimal(level.reserved) == Decimal(99)


def test_stock_import_records_movements_and_keeps_reservations(engine: Engine) -> None:
    with engine.begin() as conn:
        assert set_on_hand(conn, "default", "N1", "A", Decimal(10)) == 10
        assert reserve(conn, "default", "N1", "A", Decimal(4))
        assert set_on_hand(conn, "default", "N1", "A", Decimal(7)) == -3
        assert set_on_hand(conn, "default", "N1", "A", Decimal(7)) == 0
    with read_only(engine) as conn:
        view = load_levels(conn, "default", ["A"])
        assert view.available("N1", "A") == 3
        deltas = sorted(Decimal(r.delta) for r in conn.execute(select(stock_movements)))
    assert deltas == [Decimal(-3), Decimal(10)]


def test_connections_are_tenant_scoped(engine: Engine) -> None:
    with engine.begin() as conn:
        add_connection(
            conn, ConnectionRecord(name="c", adapter="x", channel="c", tenant="t1", secret_refs={"token": "T1_TOKEN"})
        )
        add_connection(conn, ConnectionRecord(name="c", adapter="x", channel="c", tenant="t2"))
        set_enabled(conn, "t1", "c", False, "401 from remote")
    with read_only(engine) as conn:
        t1 = list_connections(conn, "t1")
        assert [c.tenant for c in t1] == ["t1"] and not t1[0].enabled
        assert t1[0].public_dict()["secrets"] == {"token": "$T1_TOKEN"}
        assert list_connections(conn, "t2")[0].enabled
