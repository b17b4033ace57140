"""Worker batch sizes on SQLite follow the time a batch holds the write lock, not a fixed count."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from hub.pipeline.batch_sizing import FIRST_BATCH, HoldTimeSizer, sqlite_sizer


def settle(sizer: HoldTimeSizer, fixed: float, per_message: float, rounds: int = 60) -> list[int]:
    """Sizes chosen when a batch of n takes fixed + n * per_message seconds."""
    sizes = []
    for _ in range(rounds):
        n = sizer.next_size()
        sizes.append(n)
        sizer.record(fixed + n * per_message, n)
    return sizes


def test_the_first_batch_is_small_and_within_the_cap() -> None:
    assert HoldTimeSizer(cap=50).next_size() == FIRST_BATCH
    assert HoldTimeSizer(cap=2).next_size() == 2


def test_a_slow_machine_settles_on_batches_that_hold_the_lock_near_the_target() -> None:
    sizer = HoldTimeSizer(cap=50, target=0.015)
    sizes = settle(sizer, fixed=0.005, per_message=0.0025)
    settled = sizes[-10:]
    assert len(set(settled)) == 1, sizes
    hold = 0.005 + settled[0] * 0.0025
    assert 0.010 <= hold <= 0.015, (settled, hold)


def test_a_fast_machine_gets_bigger_batches_up_to_the_cap() -> None:
    fast = settle(HoldTimeSizer(cap=50, target=0.015), fixed=0.0005, per_message=0.0004)[-1]
    slow = settle(HoldTimeSizer(cap=50, target=0.015), fixed=0.005, per_message=0.0025)[-1]
    assert fast > 3 * slow
    assert settle(HoldTimeSizer(cap=50, target=0.015), fixed=0.0, per_message=0.00001)[-1] == 50


def test_a_batch_slower_than_the_target_alone_still_takes_one_message() -> None:
    assert settle(HoldTimeSizer(cap=50, target=0.015), fixed=0.05, per_message=0.01)[-1] == 1


def test_empty_batches_teach_nothing() -> None:
    sizer = HoldTimeSizer(cap=50)
    sizer.record(0.2, 0)
    assert sizer.per_message is None and sizer.next_size() == FIRST_BATCH


def test_one_sizer_per_sqlite_engine_and_none_for_postgresql(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    other = create_engine(f"sqlite:///{tmp_path / 'b.db'}")
    assert sqlite_sizer(engine, 50) is sqlite_sizer(engine, 50)
    assert sqlite_sizer(engine, 50) is not sqlite_sizer(other, 50)
    assert sqlite_sizer(create_engine("postgresql+psycopg://u@127.0.0.1:1/x"), 50) is None
