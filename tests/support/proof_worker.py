"""A worker process for the crash-safety and dedup proofs: ingests order files or drains the inbox until killed."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine, text

from hub.context import HubContext
from hub.pipeline.ingest import ingest_bytes
from hub.pipeline.runner import Pipeline
from hub.plugins.registry import Registry
from hub.store.db import make_engine
from tests.support.adapters import TEST_ADAPTER

READY = "ready"
DONE = "done"


def build_context(engine: Engine, *, tenant: str = "default", home: Path | None = None) -> HubContext:
    """A hub context whose registry holds only the in-test adapter (it is not an entry point)."""
    registry = Registry()
    registry.register(TEST_ADAPTER)
    return HubContext(
        engine=engine,
        registry=registry,
        tenant=tenant,
        home=home or Path(tempfile.gettempdir()),
        environ=dict(os.environ),
    )


def read_acked(path: Path) -> set[str]:
    """File names the sender already got a report for (a torn last line counts as not acknowledged)."""
    if not path.exists():
        return set()
    names: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            names.add(json.loads(line)["file"])
        except (ValueError, KeyError, TypeError):
            continue
    return names


def shard_files(folder: Path, shard: str) -> list[Path]:
    """This worker's share of the files in `folder` ("i/n": every n-th file, starting at the i-th)."""
    index, _, count = shard.partition("/")
    i, n = int(index), int(count or 1)
    files = sorted(p for p in folder.iterdir() if p.is_file())
    return [p for k, p in enumerate(files) if k % n == i]


def _append_line(path: Path, record: dict[str, object]) -> None:
    # One write() of one short line: a SIGKILL lands before or after it, never inside it.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(record) + "\n").encode())
    finally:
        os.close(fd)


def run_ingest(pipeline: Pipeline, files: Sequence[Path], *, connection: str, acked: Path, wait: float) -> int:
    """Send every file not yet acknowledged: store raw, process, and only then note the report (the ack)."""
    done = read_acked(acked)
    sent = 0
    for path in files:
        if path.name in done:
            continue
        report = ingest_bytes(pipeline, path.read_bytes(), connection=connection, filename=path.name, wait_seconds=wait)
        _append_line(acked, {"file": path.name, "status": report.status, "message_id": report.message_id})
        sent += 1
    return sent


def run_process(pipeline: Pipeline, *, batch: int, until_empty: bool, idle_sleep: float) -> int:
    """Drain the inbox batch by batch; with `until_empty`, stop when nothing is left to claim."""
    processed = 0
    while True:
        outcomes = pipeline.run_once(limit=batch)
        processed += len(outcomes)
        if not outcomes:
            if until_empty:
                return processed
            time.sleep(idle_sleep)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.support.proof_worker", description=__doc__)
    parser.add_argument("--url", required=True, help="database URL (sqlite:///file or postgresql+psycopg://...)")
    parser.add_argument("--schema", default=None, help="PostgreSQL schema (search_path)")
    parser.add_argument("--mode", choices=["ingest", "process"], required=True)
    parser.add_argument("--tenant", default="default")
    parser.add_argument("--dir", type=Path, help="ingest: the folder of order files to send")
    parser.add_argument("--shard", default="0/1", help="ingest: i/n, this worker's share of the files")
    parser.add_argument("--acked", type=Path, help="ingest: the sender's log of reported files (JSON lines)")
    parser.add_argument("--connection", default="shop", help="ingest: the connection the files arrive on")
    parser.add_argument("--wait", type=float, default=10.0, help="ingest: seconds to wait for another worker")
    parser.add_argument("--batch", type=int, default=10, help="process: messages per transaction")
    parser.add_argument("--until-empty", action="store_true", help="process: exit once the inbox is drained")
    parser.add_argument("--idle-sleep", type=float, default=0.02, help="process: pause when nothing is claimable")
    parser.add_argument("--wait-go", action="store_true", help="after 'ready', wait for a line on stdin")
    args = parser.parse_args(argv)
    if args.mode == "ingest" and (args.dir is None or args.acked is None):
        parser.error("--mode ingest needs --dir and --acked")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    engine = make_engine(args.url, schema=args.schema)
    with engine.connect() as conn:  # connect (and set up the pool) before announcing readiness
        conn.execute(text("select 1"))
        conn.rollback()
    pipeline = Pipeline(build_context(engine, tenant=args.tenant), batch_size=args.batch)
    files = shard_files(args.dir, args.shard) if args.mode == "ingest" else []
    print(READY, flush=True)
    if args.wait_go:
        sys.stdin.readline()
    if args.mode == "ingest":
        count = run_ingest(pipeline, files, connection=args.connection, acked=args.acked, wait=args.wait)
    else:
        count = run_process(pipeline, batch=args.batch, until_empty=args.until_empty, idle_sleep=args.idle_sleep)
    print(f"{DONE} {count}", flush=True)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
