"""The worker processes of `hub serve`: `hub worker` children, restarted when one dies, stopped with the API."""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
"""Looked up here, in the parent: the child, between fork and exec, only calls it."""


def worker_command(schedule: bool) -> list[str]:
    """`hub worker` on this interpreter (with `--schedule` for the one that also runs the polling scheduler)."""
    return [sys.executable, "-m", "hub", "worker", *(["--schedule"] if schedule else [])]


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies, even by SIGKILL (Linux; elsewhere nothing)."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class WorkerProcesses:
    """`count` worker processes (the first also runs the scheduler), each its own interpreter: the pipeline's
    CPU never competes with the API for one GIL. They read the same environment as the parent (HUB_HOME,
    HUB_DATABASE_URL, HUB_TENANT, secrets) and log to the same output.

    A child that exits while the API runs is logged and started again after a pause (1 s, doubling to
    `max_pause`, back to 1 s once a child has lived `max_pause` seconds). `stop` sends SIGTERM (each child
    finishes its round), then kills what is still there after `grace` seconds. The children have their own
    session, so a Ctrl-C at the terminal reaches the parent only, which stops them in order; they get SIGTERM
    should the parent die without stopping them (Linux).
    """

    def __init__(
        self,
        count: int = 1,
        *,
        command: Callable[[bool], Sequence[str]] = worker_command,
        grace: float = 15.0,
        max_pause: float = 30.0,
        check_every: float = 0.5,
    ) -> None:
        if count < 1:
            raise ValueError("at least one worker process")
        self.count = count
        self.command = command
        self.grace = grace
        self.max_pause = max_pause
        self.check_every = check_every
        self.procs: list[subprocess.Popen[bytes]] = []
        self.restarts = 0
        self._stopping = threading.Event()
        self._monitor: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            self.procs = [self._spawn(index) for index in range(self.count)]
        self._monitor = threading.Thread(target=self._watch, name="hub-worker-processes", daemon=True)
        self._monitor.start()

    def pids(self) -> list[int]:
        with self._lock:
            return [proc.pid for proc in self.procs]

    def stop(self) -> None:
        self._stopping.set()
        if self._monitor is not None:
            self._monitor.join(timeout=self.grace)
        with self._lock:
            procs = list(self.procs)
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                log.error("worker process %d did not stop within %gs; killing it", proc.pid, self.grace)
                proc.kill()
                proc.wait(timeout=5)

    def _spawn(self, index: int) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            list(self.command(index == 0)),
            start_new_session=True,
            preexec_fn=_die_with_parent if _prctl is not None else None,
        )
        log.info("worker process %d started (pid %d)%s", index, proc.pid, " with the scheduler" if index == 0 else "")
        return proc

    def _watch(self) -> None:
        pauses = [1.0] * self.count
        started = [time.monotonic()] * self.count
        while not self._stopping.wait(self.check_every):
            for index in range(self.count):
                with self._lock:
                    proc = self.procs[index]
                code = proc.poll()
                if code is None:
                    continue
                if time.monotonic() - started[index] >= self.max_pause:
                    pauses[index] = 1.0
                log.error(
                    "worker process %d (pid %d) exited with %s; starting it again in %gs",
                    index,
                    proc.pid,
                    code,
                    pauses[index],
                )
                if self._stopping.wait(pauses[index]):
                    return
                pauses[index] = min(pauses[index] * 2, self.max_pause)
                with self._lock:
                    self.procs[index] = self._spawn(index)
                    self.restarts += 1
                started[index] = time.monotonic()
