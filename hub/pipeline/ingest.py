"""Ingest files: store each raw (and commit) before anything else, then run it through the pipeline."""

from __future__ import annotations

import mimetypes
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hub.pipeline.inbox import InboxStatus, store_raw
from hub.pipeline.runner import Pipeline
from hub.plugins.messages import RawMessage
from hub.store.db import read_only
from hub.store.tables import inbox

FILE_STATUS = {
    InboxStatus.PROCESSED: "accepted",
    InboxStatus.DUPLICATE: "duplicate",
    InboxStatus.FAILED: "rejected",
}


@dataclass
class FileReport:
    """What became of one ingested file (the `hub ingest --json` shape)."""

    path: str
    message_id: str
    status: str  # accepted | duplicate | rejected | pending
    format: str | None = None
    documents: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    acks: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "message_id": self.message_id,
            "status": self.status,
            "format": self.format,
            "documents": self.documents,
            "errors": self.errors,
            "acks": self.acks,
        }


def ingest_bytes(
    pipeline: Pipeline,
    body: bytes,
    *,
    connection: str,
    filename: str,
    path: str | None = None,
    transport: str = "file",
    wait_seconds: float = 30.0,
) -> FileReport:
    """Store one raw message, process it, and report. If a worker claimed it first, wait for its result."""
    content_type = mimetypes.guess_type(filename)[0]
    message_id = store_raw(
        pipeline.ctx.engine,
        RawMessage(
            body=body,
            connection=connection,
            transport=transport,
            transport_id=filename,
            filename=filename,
            content_type=content_type,
            tenant=pipeline.ctx.tenant,
        ),
    )
    pipeline.run_once(ids=[message_id], limit=1)
    return report_for(pipeline, message_id, path or filename, wait_seconds=wait_seconds)


def ingest_path(pipeline: Pipeline, path: Path, *, connection: str) -> FileReport:
    return ingest_bytes(pipeline, path.read_bytes(), connection=connection, filename=path.name, path=str(path))


def report_for(pipeline: Pipeline, message_id: str, path: str, *, wait_seconds: float = 30.0) -> FileReport:
    deadline = time.monotonic() + wait_seconds
    while True:
        with read_only(pipeline.ctx.engine) as conn:
            row = conn.execute(select(inbox).where(inbox.c.id == message_id)).one()
        if row.status != InboxStatus.RECEIVED or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    result = row.result or {}
    errors = list(result.get("errors") or [])
    if row.status == InboxStatus.FAILED:
        location = row.error_location or {}
        errors = [e for e in errors if (e.get("code"), e.get("message")) != (row.error_code, row.error_message)]
        errors.insert(
            0,
            {
                "code": row.error_code,
                "message": row.error_message,
                "step": row.error_step,
                "segment": location.get("segment") or location.get("field"),
                "position": location.get("position", location.get("line")),
                "element": location.get("field"),
                "file": location.get("file"),
            },
        )
    return FileReport(
        path=path,
        message_id=message_id,
        status=FILE_STATUS.get(InboxStatus(row.status), "pending"),
        format=row.format,
        documents=[
            {k: d.get(k) for k in ("type", "external_id", "id", "outcome", "status")}
            for d in result.get("documents") or []
        ],
        errors=errors,
        acks=list(result.get("acks") or []),
    )
