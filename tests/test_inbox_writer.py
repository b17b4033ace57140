"""The intake's group-commit writer: batching, answers after commit, one bad job failing alone, close, both stores."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, event, exc, insert, select

from hub.api.inbox_writer import InboxWriter
from hub.pipeline.inbox import insert_raws
from hub.plugins.messages import RawMessage
from hub.store.db import read_only
from hub.store.tables import inbox

WAIT = 10.0
"""Seconds any step may take before the test fails instead of hanging."""

probe = Table(
    "writer_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("note", String(40), nullable=False),
)


class Recorder:
    """A write_batch storing one probe row per job; records each batch and the connection it got. With `hold`, the
    first batch waits inside its transaction until `release` is set."""

    def __init__(self, *, hold: bool = False, on_batch: Callable[[Connection, list[int]], None] | None = None) -> None:
        self.batches: list[list[int]] = []
        self.connections: list[Any] = []  # the DBAPI connection of each batch, kept alive so `is` is meaningful
        self.entered = threading.Event()
        self.release = threading.Event()
        self.on_batch = on_batch
        if not hold:
            self.release.set()

    def __call__(self, conn: Connection, jobs: Sequence[int]) -> list[str]:
        batch = list(jobs)
        self.batches.append(batch)
        self.connections.append(conn.connection.dbapi_connection)
        self.entered.set()
        if not self.release.wait(WAIT):
            raise AssertionError("the held batch was never released")
        conn.execute(insert(probe), [{"id": job, "note": f"job-{job}"} for job in batch])
        if self.on_batch is not None:
            self.on_batch(conn, batch)
        return [f"stored-{job}" for job in batch]


@pytest.fixture
def store(engine: Engine) -> Engine:
    """The test store (SQLite, then PostgreSQL) with the probe table."""
    probe.metadata.create_all(engine)
    return engine


@pytest.fixture
def writers() -> Iterator[Callable[..., InboxWriter[Any]]]:
    """Make writers (each with its own thread name); all closed at the end of the test."""
    made: list[InboxWriter[Any]] = []

    def make(engine: Engine, write_batch: Any, **kw: Any) -> InboxWriter[Any]:
        writer: InboxWriter[Any] = InboxWriter(engine, write_batch, name=f"probe-writer-{uuid.uuid4().hex[:8]}", **kw)
        made.append(writer)
        return writer

    yield make
    for writer in made:
        writer.close(timeout=WAIT)


def stored(engine: Engine) -> dict[int, str]:
    with read_only(engine) as conn:
        return {row.id: row.note for row in conn.execute(select(probe).order_by(probe.c.id))}


def alive(name: str) -> bool:
    return any(t.name == name and t.is_alive() for t in threading.enumerate())


async def wait_entered(recorder: Recorder) -> None:
    assert await asyncio.to_thread(recorder.entered.wait, WAIT), "the writer never started a batch"


async def hold_first_then_queue(
    writer: InboxWriter[Any], recorder: Recorder, first: int, jobs: Iterable[int]
) -> tuple[asyncio.Future[Any], asyncio.Future[list[Any]]]:
    """Run `first`, wait until its batch is held inside its transaction, then queue `jobs` behind it."""
    held = asyncio.ensure_future(writer.run(first))
    await wait_entered(recorder)
    return held, await queue_all([writer.run(job) for job in jobs])


async def queue_all(coroutines: Sequence[Any]) -> asyncio.Future[list[Any]]:
    """Start the coroutines (each queues its job at its first step) and return their gathered answers to await."""
    gathered = asyncio.gather(*coroutines, return_exceptions=True)
    await asyncio.sleep(0)  # one turn of the loop: every task has run up to awaiting its answer, so it is queued
    return gathered


def test_jobs_queued_while_a_batch_runs_share_the_next_batch_and_each_gets_its_answer(
    store: Engine, writers: Callable[..., InboxWriter[Any]]
) -> None:
    recorder = Recorder(hold=True)
    writer = writers(store, recorder)
    wakeups: list[int] = []

    async def scenario() -> tuple[str, list[Any]]:
        loop = asyncio.get_running_loop()
        call_soon_threadsafe = loop.call_soon_threadsafe

        def counted(*args: Any, **kw: Any) -> Any:
            if threading.current_thread().name == writer.name:
                wakeups.append(1)
            return call_soon_threadsafe(*args, **kw)

        loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
        first, rest = await hold_first_then_queue(writer, recorder, 0, range(1, 50))
        recorder.release.set()
        return await asyncio.wait_for(first, WAIT), await asyncio.wait_for(rest, WAIT)

    first, rest = asyncio.run(scenario())
    assert recorder.batches == [[0], list(range(1, 50))]  # the 49 queued during the first commit share one
    assert first == "stored-0"
    assert rest == [f"stored-{job}" for job in range(1, 50)]  # each its own answer, in order
    assert len(wakeups) == 2  # one wake-up of the event loop per batch, not one per job
    assert stored(store) == {job: f"job-{job}" for job in range(50)}


def test_a_batch_holds_at_most_max_batch_jobs(store: Engine, writers: Callable[..., InboxWriter[Any]]) -> None:
    recorder = Recorder(hold=True)
    writer = writers(store, recorder, max_batch=4)

    async def scenario() -> list[Any]:
        first, rest = await hold_first_then_queue(writer, recorder, 0, range(1, 11))
        recorder.release.set()
        return [await asyncio.wait_for(first, WAIT), *await asyncio.wait_for(rest, WAIT)]

    assert asyncio.run(scenario()) == [f"stored-{job}" for job in range(11)]
    assert recorder.batches == [[0], [1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]


def test_answers_come_only_after_the_commit(store: Engine, writers: Callable[..., InboxWriter[Any]]) -> None:
    seen_inside: list[dict[int, str]] = []
    recorder = Recorder(on_batch=lambda _conn, _batch: seen_inside.append(stored(store)))
    writer = writers(store, recorder)

    def slow_commit(_conn: Connection) -> None:  # runs just before the database commits
        threading.Event().wait(0.3)

    event.listen(store, "commit", slow_commit)
    try:

        async def scenario() -> tuple[str, dict[int, str]]:
            answer = await asyncio.wait_for(writer.run(1), WAIT)
            return answer, stored(store)  # read at once, on another connection

        answer, seen_after = asyncio.run(scenario())
    finally:
        event.remove(store, "commit", slow_commit)
    assert answer == "stored-1"
    assert seen_inside == [{}]  # inside the batch's transaction, another connection sees nothing yet
    assert seen_after == {1: "job-1"}  # the answer came after the (slowed) commit, not before it


def test_one_bad_job_fails_alone_and_the_rest_of_its_batch_is_stored(
    store: Engine, writers: Callable[..., InboxWriter[Any]]
) -> None:
    with store.begin() as conn:
        conn.execute(insert(probe), [{"id": 7, "note": "there before"}])
    recorder = Recorder(hold=True)
    writer = writers(store, recorder)

    async def scenario() -> list[Any]:
        first, rest = await hold_first_then_queue(writer, recorder, 100, range(1, 11))
        recorder.release.set()
        return [await asyncio.wait_for(first, WAIT), *await asyncio.wait_for(rest, WAIT)]

    answers = asyncio.run(scenario())
    assert answers[0] == "stored-100"
    for job, answer in zip(range(1, 11), answers[1:], strict=True):
        if job == 7:
            assert isinstance(answer, exc.IntegrityError), answer  # the original error, not a wrapper
        else:
            assert answer == f"stored-{job}"
    # the shared batch failed as a whole, then each of its jobs ran in a transaction of its own
    assert recorder.batches == [[100], list(range(1, 11)), *[[job] for job in range(1, 11)]]
    assert stored(store) == {100: "job-100", 7: "there before"} | {j: f"job-{j}" for j in range(1, 11) if j != 7}


def test_after_a_failure_the_writer_reconnects_and_keeps_working(
    store: Engine, writers: Callable[..., InboxWriter[Any]]
) -> None:
    recorder = Recorder()
    writer = writers(store, recorder)

    async def scenario() -> list[Any]:
        answers: list[Any] = []
        for job in (1, 2, 1, 3):  # the second 1 breaks its (single-job) batch
            try:
                answers.append(await asyncio.wait_for(writer.run(job), WAIT))
            except exc.IntegrityError as error:
                answers.append(type(error))
        return answers

    assert asyncio.run(scenario()) == ["stored-1", "stored-2", exc.IntegrityError, "stored-3"]
    assert stored(store) == {1: "job-1", 2: "job-2", 3: "job-3"}
    before, second, failed, after = recorder.connections
    assert before is second is failed  # one connection held across batches: no check-out per batch
    assert after is not failed  # the connection of the failed transaction was dropped, a new one opened


def test_jobs_from_several_event_loops_share_a_batch_and_each_loop_gets_its_own_answers(
    store: Engine, writers: Callable[..., InboxWriter[Any]]
) -> None:
    recorder = Recorder(hold=True)
    writer = writers(store, recorder)
    queued = [threading.Event(), threading.Event()]
    results: dict[int, list[Any]] = {}

    def loop_thread(index: int, jobs: range) -> None:
        async def submit() -> list[Any]:
            gathered = await queue_all([writer.run(job) for job in jobs])
            queued[index].set()
            return await asyncio.wait_for(gathered, WAIT)

        results[index] = asyncio.run(submit())

    async def first() -> Any:
        return await asyncio.wait_for(writer.run(0), WAIT)

    holder = threading.Thread(target=lambda: results.__setitem__(-1, [asyncio.run(first())]))
    holder.start()
    assert recorder.entered.wait(WAIT)
    threads = [
        threading.Thread(target=loop_thread, args=(0, range(1, 6))),
        threading.Thread(target=loop_thread, args=(1, range(6, 11))),
    ]
    for thread in threads:
        thread.start()
    assert all(flag.wait(WAIT) for flag in queued)
    recorder.release.set()
    for thread in [holder, *threads]:
        thread.join(WAIT)
    assert results == {
        -1: ["stored-0"],
        0: [f"stored-{job}" for job in range(1, 6)],
        1: [f"stored-{job}" for job in range(6, 11)],
    }
    assert len(recorder.batches) == 2 and sorted(recorder.batches[1]) == list(range(1, 11))


def test_close_finishes_the_queued_jobs_then_stops_the_thread(
    store: Engine, writers: Callable[..., InboxWriter[Any]]
) -> None:
    recorder = Recorder(hold=True)
    writer = writers(store, recorder)

    async def scenario() -> list[Any]:
        first, rest = await hold_first_then_queue(writer, recorder, 0, range(1, 6))
        closing = asyncio.ensure_future(asyncio.to_thread(writer.close, WAIT))
        await asyncio.sleep(0.05)
        assert not closing.done()  # close waits for the jobs queued before it
        recorder.release.set()
        await asyncio.wait_for(closing, WAIT)
        return [await asyncio.wait_for(first, WAIT), *await asyncio.wait_for(rest, WAIT)]

    assert asyncio.run(scenario()) == [f"stored-{job}" for job in range(6)]
    assert stored(store) == {job: f"job-{job}" for job in range(6)}
    assert not alive(writer.name)


def test_run_on_a_writer_closed_before_its_first_job_raises(
    store: Engine, writers: Callable[..., InboxWriter[Any]]
) -> None:
    writer = writers(store, Recorder())
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(asyncio.wait_for(writer.run(1), WAIT))
    assert stored(store) == {} and not alive(writer.name)


def test_run_after_close_raises(store: Engine, writers: Callable[..., InboxWriter[Any]]) -> None:
    writer = writers(store, Recorder())

    async def scenario() -> None:
        assert await asyncio.wait_for(writer.run(1), WAIT) == "stored-1"
        writer.close()
        assert not alive(writer.name)
        await asyncio.wait_for(writer.run(2), 1.0)

    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(scenario())
    assert stored(store) == {1: "job-1"}


def raw(n: int) -> RawMessage:
    return RawMessage(
        body=bytes([n, 0, 255]) + f"delivery {n}".encode(),
        connection="shop",
        transport="webhook",
        transport_id=f"ev-{n}",
        content_type="application/json",
        headers={"x-n": str(n)},
        tenant="default",
        id=f"msg-probe-{n:03d}",
    )


def test_inbox_rows_written_through_the_writer_with_insert_raws(
    engine: Engine, writers: Callable[..., InboxWriter[Any]]
) -> None:
    """The intake's real use: a batch of raw messages in one multi-row insert, each caller answered with its id."""
    writer = writers(engine, insert_raws)

    async def scenario() -> list[Any]:
        return await asyncio.wait_for(asyncio.gather(*(writer.run(raw(n)) for n in range(5))), WAIT)

    answers = asyncio.run(scenario())
    assert answers == [f"msg-probe-{n:03d}" for n in range(5)]
    with read_only(engine) as conn:
        rows = conn.execute(select(inbox).order_by(inbox.c.id)).all()
    assert [(r.id, bytes(r.body), r.transport_id, r.status) for r in rows] == [
        (f"msg-probe-{n:03d}", raw(n).body, f"ev-{n}", "received") for n in range(5)
    ]


def test_a_write_batch_that_answers_too_few_jobs_fails_them_and_keeps_nothing(
    store: Engine, writers: Callable[..., InboxWriter[Any]]
) -> None:
    recorder = Recorder()

    def short(conn: Connection, jobs: Sequence[int]) -> list[str]:
        answers = recorder(conn, list(jobs))
        return answers[:-1] if 13 in jobs else answers

    writer = writers(store, short)

    async def scenario() -> tuple[Any, Any]:
        with pytest.raises(ValueError, match="answered 0 of 1"):
            await asyncio.wait_for(writer.run(13), WAIT)
        return await asyncio.wait_for(writer.run(14), WAIT), alive(writer.name)

    answer, running = asyncio.run(scenario())
    assert answer == "stored-14" and running
    assert 13 not in stored(store) and 14 in stored(store)
