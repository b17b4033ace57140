"""`hub serve`'s worker processes: the first runs the scheduler, a dead one is started again, stop ends them all
(killing one that ignores SIGTERM), and they go when their parent dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.background import WorkerProcesses, worker_command
from tests.test_service import alive

SLEEPER = "import sys, time; time.sleep(120)"
DEAF = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and uses prctl (Linux)")


def python(code: str) -> Callable[[bool], list[str]]:
    """A child command running `code`, with `scheduler` as its last argument when it is the scheduling one."""
    return lambda schedule: [sys.executable, "-c", code, *(["scheduler"] if schedule else [])]


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]


def ignores_sigterm(pid: int) -> bool:
    """Whether the process has set SIGTERM to be ignored yet (/proc's SigIgn mask)."""
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("SigIgn:"))
    return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.fixture
def processes() -> Iterator[list[WorkerProcesses]]:
    started: list[WorkerProcesses] = []
    yield started
    for group in started:
        group.stop()


def test_the_worker_command_is_hub_worker_on_this_interpreter_the_first_with_the_scheduler() -> None:
    assert worker_command(True) == [sys.executable, "-m", "hub", "worker", "--schedule"]
    assert worker_command(False) == [sys.executable, "-m", "hub", "worker"]
    shown = subprocess.run([*worker_command(False)[:3], "worker", "--help"], capture_output=True, text=True, check=True)
    assert "--schedule" in shown.stdout  # `python -m hub` is the hub command


def test_only_the_first_process_runs_the_scheduler(processes: list[WorkerProcesses]) -> None:
    group = WorkerProcesses(3, command=python(SLEEPER))
    processes.append(group)
    group.start()
    pids = group.pids()
    assert len(set(pids)) == 3
    assert [cmdline(pid)[-1] == "scheduler" for pid in pids] == [True, False, False]


def test_a_dead_process_is_started_again_and_stop_ends_them_all(processes: list[WorkerProcesses]) -> None:
    group = WorkerProcesses(2, command=python(SLEEPER), check_every=0.02)
    processes.append(group)
    group.start()
    first, second = group.pids()
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: group.restarts == 1)
    replaced, kept = group.pids()
    assert replaced != first and kept == second
    assert cmdline(replaced)[-1] == "scheduler"  # the replacement of the first takes over the scheduler
    group.stop()
    assert [alive(pid) for pid in (replaced, kept)] == [False, False]
    assert all(proc.returncode == -signal.SIGTERM for proc in group.procs)
    time.sleep(0.1)
    assert group.restarts == 1  # stopping is not dying: nothing started again


def test_stop_kills_a_process_that_ignores_sigterm_after_the_grace(processes: list[WorkerProcesses]) -> None:
    group = WorkerProcesses(1, command=python(DEAF), grace=0.5)
    processes.append(group)
    group.start()
    (pid,) = group.pids()
    wait_for(lambda: ignores_sigterm(pid))
    began = time.monotonic()
    group.stop()
    assert group.procs[0].returncode == -signal.SIGKILL
    assert time.monotonic() - began < 5


def test_the_processes_go_when_their_parent_dies_without_stopping_them(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import sys, time
                from hub.background import WorkerProcesses
                group = WorkerProcesses(2, command=lambda schedule: [sys.executable, "-c", {SLEEPER!r}])
                group.start()
                print(*group.pids(), flush=True)
                time.sleep(120)
            """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        pids = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(alive(pid) for pid in pids)
    finally:
        parent.kill()  # SIGKILL: no chance to stop its children
        parent.wait(timeout=10)
    wait_for(lambda: not any(alive(pid) for pid in pids))
