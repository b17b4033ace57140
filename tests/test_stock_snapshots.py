"""Snapshots reconcile a node's count with the ledger: drift recorded, on hand set, freshness confirmed."""

from __future__ import annotations

import random
import re
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, select

from hub.allocation.ledger import reserve
from hub.allocation.stock_import import StockFileError, import_stock_csv, read_stock_csv
from hub.stock.errors import SnapshotError, StaleSnapshotError, StockMovementError
from hub.stock.movements import record_movement
from hub.stock.snapshots import Drift, apply_snapshot, list_drifts
from hub.store.db import read_only
from hub.store.tables import nodes, stock_drifts, stock_levels, stock_movements

T = "default"
NOON = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def on_hand(conn: Connection, node: str) -> dict[str, Decimal]:
    t = stock_levels.c
    rows = conn.execute(select(t.sku, t.on_hand).where(t.tenant == T, t.node == node))
    return {r.sku: Decimal(r.on_hand) for r in rows}


def confirmed(conn: Connection, node: str) -> datetime | None:
    return conn.execute(select(nodes.c.stock_as_of).where(nodes.c.tenant == T, nodes.c.code == node)).scalar()


def count(conn: Connection, table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def seed(engine: Engine) -> None:
    """BER: MUG 10 (4 reserved), CAP 5, HAT 2; AMS: MUG 7. Movements at 09:00, so noon counts are newer."""
    at = NOON - timedelta(hours=3)
    with engine.begin() as conn:
        for node, sku, qty in (("BER", "MUG", 10), ("BER", "CAP", 5), ("BER", "HAT", 2), ("AMS", "MUG", 7)):
            record_movement(conn, T, node, sku, Decimal(qty), "receipt", at=at)
        assert reserve(conn, T, "BER", "MUG", Decimal(4))


def test_full_snapshot_records_drift_and_counts_absent_skus_as_zero(engine: Engine) -> None:
    seed(engine)
    counts = {"MUG": Decimal(8), "CAP": Decimal(5), "BAG": Decimal(3)}
    with engine.begin() as conn:
        report = apply_snapshot(conn, T, "BER", counts, as_of=NOON, reference="wms-0301")
    assert (report.node, report.as_of, report.counted) == ("BER", NOON, 3)
    assert report.drifts == [
        Drift("BAG", Decimal(0), Decimal(3), Decimal(3)),
        Drift("HAT", Decimal(2), Decimal(0), Decimal(-2)),
        Drift("MUG", Decimal(10), Decimal(8), Decimal(-2)),
    ]
    assert report.total_drift == 7
    assert (report.zeroed, report.short) == (["HAT"], [])
    with read_only(engine) as conn:
        assert on_hand(conn, "BER") == {"MUG": 8, "CAP": 5, "HAT": 0, "BAG": 3}
        assert on_hand(conn, "AMS") == {"MUG": 7}  # another node is not touched
        assert confirmed(conn, "BER") == NOON
        assert confirmed(conn, "AMS") == NOON - timedelta(hours=3)
        reserved = conn.execute(
            select(stock_levels.c.reserved).where(stock_levels.c.sku == "MUG", stock_levels.c.node == "BER")
        ).scalar()
        assert Decimal(reserved) == 4  # a count changes on hand, never what orders reserved
        recorded = list_drifts(conn, T, node="BER")
        assert sorted((d["sku"], d["ledger"], d["counted"], d["drift"], d["snapshot"]) for d in recorded) == [
            ("BAG", "0", "3", "3", "wms-0301"),
            ("HAT", "2", "0", "-2", "wms-0301"),
            ("MUG", "10", "8", "-2", "wms-0301"),
        ]
        assert list_drifts(conn, T, node="AMS") == []
        m = stock_movements.c
        adjustments = conn.execute(
            select(m.sku, m.delta).where(m.kind == "adjustment", m.reference == "snapshot:wms-0301")
        ).all()
        assert sorted((sku, Decimal(d)) for sku, d in adjustments) == [("BAG", 3), ("HAT", -2), ("MUG", -2)]


def test_partial_snapshot_leaves_other_skus_alone(engine: Engine) -> None:
    seed(engine)
    with engine.begin() as conn:
        report = apply_snapshot(conn, T, "BER", {"CAP": Decimal(6)}, as_of=NOON, reference="cycle", full=False)
    assert [(d.sku, d.drift) for d in report.drifts] == [("CAP", 1)]
    assert report.zeroed == []
    with read_only(engine) as conn:
        assert on_hand(conn, "BER") == {"MUG": 10, "CAP": 6, "HAT": 2}
        assert confirmed(conn, "BER") == NOON


def test_a_count_that_matches_records_no_drift_but_confirms_freshness(engine: Engine) -> None:
    seed(engine)
    with engine.begin() as conn:
        report = apply_snapshot(conn, T, "AMS", {"MUG": Decimal(7)}, as_of=NOON, reference="same")
        assert (report.drifts, report.total_drift) == ([], 0)
        assert count(conn, stock_drifts) == 0
        assert confirmed(conn, "AMS") == NOON


def test_stale_snapshot_is_refused_unless_forced(engine: Engine) -> None:
    seed(engine)
    with engine.begin() as conn:
        record_movement(conn, T, "BER", "MUG", Decimal(-1), "shipment", at=NOON)
    old = NOON - timedelta(minutes=30)
    with pytest.raises(StaleSnapshotError) as caught, engine.begin() as conn:
        apply_snapshot(conn, T, "BER", {"MUG": Decimal(10)}, as_of=old, reference="late-count")
    assert caught.value.code == "stale_snapshot"
    assert "older than the stock confirmed at 2024-03-01T12:00:00+00:00" in caught.value.message
    with read_only(engine) as conn:
        assert on_hand(conn, "BER")["MUG"] == 9 and count(conn, stock_drifts) == 0
    with engine.begin() as conn:  # the same moment is not stale
        apply_snapshot(conn, T, "BER", {"MUG": Decimal(9)}, as_of=NOON, reference="same-time", full=False)
        forced = apply_snapshot(
            conn, T, "BER", {"MUG": Decimal(10)}, as_of=old, reference="late-count", full=False, force=True
        )
        assert [(d.sku, d.drift) for d in forced.drifts] == [("MUG", 1)]
        assert on_hand(conn, "BER")["MUG"] == 10
        assert confirmed(conn, "BER") == old  # the ledger now says what was counted then


def test_count_below_reserved_is_applied_and_reported(engine: Engine) -> None:
    seed(engine)
    with engine.begin() as conn:
        report = apply_snapshot(conn, T, "BER", {"MUG": Decimal(3)}, as_of=NOON, reference="short", full=False)
    assert report.short == ["MUG"]
    with read_only(engine) as conn:
        assert on_hand(conn, "BER")["MUG"] == 3


@pytest.mark.parametrize(
    ("counts", "as_of", "message"),
    [
        ({"MUG": Decimal(-1)}, NOON, "count of MUG is Decimal('-1'); expected a number of 0 or more"),
        ({"MUG": Decimal("Infinity")}, NOON, "count of MUG"),
        ({"": Decimal(1)}, NOON, "empty SKU"),
        ({"MUG": Decimal(1)}, datetime(2024, 3, 1, 12, 0), "has no time zone"),
    ],
)
def test_bad_counts_are_refused(engine: Engine, counts: dict[str, Decimal], as_of: datetime, message: str) -> None:
    seed(engine)
    with pytest.raises(SnapshotError, match=re.escape(message)), engine.begin() as conn:
        apply_snapshot(conn, T, "BER", counts, as_of=as_of, reference="bad")
    with read_only(engine) as conn:
        assert on_hand(conn, "BER")["MUG"] == 10


def test_csv_import_is_a_partial_snapshot_per_node(engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    path = tmp_path / "stock.csv"
    path.write_text("node,sku,on_hand\nBER,MUG,12\nAMS,MUG,7\nAMS,CAP,1\n", encoding="utf-8")
    rows = import_stock_csv(engine, T, path)
    assert [(r.line, r.node, r.sku, r.on_hand) for r in rows] == [
        (2, "BER", "MUG", 12),
        (3, "AMS", "MUG", 7),
        (4, "AMS", "CAP", 1),
    ]
    with read_only(engine) as conn:
        assert on_hand(conn, "BER") == {"MUG": 12, "CAP": 5, "HAT": 2}
        assert on_hand(conn, "AMS") == {"MUG": 7, "CAP": 1}
        drifts = sorted((d["node"], d["sku"], d["drift"], d["snapshot"]) for d in list_drifts(conn, T))
        assert drifts == [("AMS", "CAP", "1", "import:stock.csv"), ("BER", "MUG", "2", "import:stock.csv")]
        assert confirmed(conn, "BER") is not None and confirmed(conn, "BER") > NOON - timedelta(hours=3)


def test_csv_import_is_all_or_nothing_across_nodes(engine: Engine, tmp_path: Path) -> None:
    seed(engine)
    path = tmp_path / "stock.csv"
    path.write_text("node,sku,on_hand\nAMS,MUG,1\nBER,MUG,2\nBER,MUG,3\n", encoding="utf-8")
    with pytest.raises(StockFileError, match=re.escape("stock.csv line 4: MUG at BER is already counted on line 3")):
        import_stock_csv(engine, T, path)
    with engine.begin() as conn:  # a stale node fails the whole file: the other node's rows are rolled back
        record_movement(conn, T, "BER", "MUG", Decimal(1), "receipt", at=datetime(2999, 1, 1, tzinfo=UTC))
    path.write_text("node,sku,on_hand\nAMS,MUG,1\nBER,MUG,2\n", encoding="utf-8")
    with pytest.raises(StaleSnapshotError):
        import_stock_csv(engine, T, path)
    with read_only(engine) as conn:
        assert on_hand(conn, "AMS") == {"MUG": 7}
        assert on_hand(conn, "BER")["MUG"] == 11
        assert count(conn, stock_drifts) == 0


def test_count_file_of_one_node(tmp_path: Path) -> None:
    path = tmp_path / "count.csv"
    path.write_text("sku,on_hand\nMUG,3\nCAP,0\n", encoding="utf-8")
    assert [(r.node, r.sku, r.on_hand) for r in read_stock_csv(path, node="BER")] == [
        ("BER", "MUG", 3),
        ("BER", "CAP", 0),
    ]
    with pytest.raises(StockFileError, match="missing column"):
        read_stock_csv(path)
    path.write_text("node,sku,on_hand\nBER,MUG,3\nAMS,CAP,0\n", encoding="utf-8")
    with pytest.raises(StockFileError, match=re.escape("count.csv line 3: node 'AMS' in a count of node 'BER'")):
        read_stock_csv(path, node="BER")


def test_snapshots_racing_movements_keep_the_log_and_the_ledger_in_step(engine: Engine) -> None:
    """Movements and counts of one node at once: none deadlocks, and every level still equals the sum of its
    logged movements (a count's drift is logged as an adjustment), so no movement was lost under a count."""
    skus = ["MUG", "CAP", "HAT"]
    with engine.begin() as conn:
        for sku in skus:
            record_movement(conn, T, "BER", sku, Decimal(20), "receipt")
    errors: list[BaseException] = []
    outcomes: list[str] = []
    lock = threading.Lock()

    def mover(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(25):
            sku, kind = rng.choice(skus), rng.choice(["receipt", "shipment"])
            delta = Decimal(rng.randint(1, 3)) * (1 if kind == "receipt" else -1)
            try:
                with engine.begin() as conn:
                    record_movement(conn, T, "BER", sku, delta, kind)
                outcome = "moved"
            except StockMovementError:
                outcome = "refused"
            except BaseException as exc:
                errors.append(exc)
                return
            with lock:
                outcomes.append(outcome)

    def counter() -> None:
        rng = random.Random(99)
        for i in range(10):
            counts = {sku: Decimal(rng.randint(0, 30)) for sku in skus}
            try:
                with engine.begin() as conn:
                    apply_snapshot(conn, T, "BER", counts, as_of=datetime.now(UTC), reference=f"count-{i}")
                outcome = "counted"
            except StaleSnapshotError:
                outcome = "stale"
            except BaseException as exc:
                errors.append(exc)
                return
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=mover, args=(i,)) for i in range(4)] + [threading.Thread(target=counter)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(outcomes) == 4 * 25 + 10 and "counted" in outcomes
    with read_only(engine) as conn:
        m = stock_movements.c
        rows = conn.execute(select(m.sku, func.sum(m.delta)).where(m.node == "BER").group_by(m.sku))
        logged = {sku: Decimal(total) for sku, total in rows}
        assert on_hand(conn, "BER") == logged
        assert all(q >= 0 for q in on_hand(conn, "BER").values())
