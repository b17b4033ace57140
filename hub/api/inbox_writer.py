"""Group commit for the webhook intake: one thread stores queued deliveries, one transaction per batch."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine

from hub.store.db import POLL_WRITE_LOCK

log = logging.getLogger(__name__)

Job = TypeVar("Job")
WriteBatch = Callable[[Connection, Sequence[Job]], Sequence[Any]]
"""Writes a batch of jobs in the given transaction; returns one answer per job, in order."""

_STOP = object()


@dataclass(frozen=True)
class _Waiting(Generic[Job]):
    job: Job
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


class InboxWriter(Generic[Job]):
    """Writes intake jobs on one thread, as many as are queued (up to `max_batch`) in one transaction.

    A request awaits its job; the answer comes only after the commit that holds its rows, so a 200 still means
    "stored". Under load the requests that arrived while the last commit ran share the next one: one commit,
    one wake-up of the event loop and no thread-pool hop per batch instead of per request. When a batch's
    transaction fails, its jobs run again one transaction each, so one bad delivery fails alone.
    """

    def __init__(
        self, engine: Engine, write_batch: WriteBatch[Job], *, max_batch: int = 256, name: str = "hub-inbox-writer"
    ) -> None:
        self.engine = engine
        self.write_batch = write_batch
        self.max_batch = max_batch
        self.name = name
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._conn: Connection | None = None

    async def run(self, job: Job) -> Any:
        """Write `job` in the next batch; its answer once committed, or what the batch (or the commit) raised."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._ensure_started()
        self._queue.put(_Waiting(job, future, loop))
        return await future

    def close(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then stop the thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)

    def _ensure_started(self) -> None:
        """Start the thread on first use, and again should it ever have died; refuse once closed."""
        thread = self._thread
        if thread is not None and thread.is_alive() and not self._closed:
            return
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self.name} is closed")
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                break
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            _settle(batch, self._write(batch))
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _write(self, batch: Sequence[_Waiting[Job]]) -> list[tuple[bool, Any]]:
        """(ok, answer or exception) per job, in order."""
        try:
            conn = self._connection()
            with conn.begin():
                answers = self.write_batch(conn, [waiting.job for waiting in batch])
                if len(answers) != len(batch):
                    raise ValueError(f"write_batch answered {len(answers)} of {len(batch)} jobs")
            return [(True, answer) for answer in answers]
        except Exception as exc:
            self._drop_connection()
            if len(batch) == 1:
                return [(False, exc)]
            log.warning("intake batch of %d failed (%s); storing its deliveries one by one", len(batch), exc)
            return [self._write([waiting])[0] for waiting in batch]

    def _connection(self) -> Connection:
        """The writer's own connection, held between batches: no pool check-out, liveness ping or reset per batch
        (three round trips to PostgreSQL that a batch of one delivery would otherwise pay)."""
        if self._conn is None:
            self._conn = self.engine.connect().execution_options(**{POLL_WRITE_LOCK: True})
        return self._conn

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception as exc:  # already broken: nothing more to release
                log.debug("intake connection dropped: %s", exc)


def _settle(batch: Sequence[_Waiting[Any]], outcomes: Sequence[tuple[bool, Any]]) -> None:
    """Hand each outcome to its waiter: one call into each event loop per batch."""
    per_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = defaultdict(list)
    for waiting, (ok, value) in zip(batch, outcomes, strict=True):
        per_loop[waiting.loop].append((waiting.future, ok, value))
    for loop, settled in per_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve, settled)
        except RuntimeError:  # the loop is closed: nobody waits for these answers any more
            log.debug("intake answers dropped: event loop closed")


def _resolve(settled: Sequence[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for future, ok, value in settled:
        if future.done():  # the request was cancelled (client gone); its rows are committed all the same
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
