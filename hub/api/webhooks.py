"""Webhook intake: size-limit the body, verify it, then store it raw (once per event id) before answering 200."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException
from sqlalchemy import Connection
from starlette.types import Receive

from hub.api.inbox_writer import InboxWriter
from hub.api.rejections import count_rejection
from hub.context import HubContext
from hub.errors import HubError
from hub.model.ids import new_id
from hub.pipeline.inbox import insert_raws
from hub.plugins.capabilities import Capability
from hub.plugins.messages import RawMessage
from hub.secrets import redact, secret_values
from hub.store.connections import ConnectionRecord, get_connection
from hub.store.db import read_only
from hub.store.dedup import claim_keys

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 1024 * 1024
MAX_BYTES_OPTION = "max_webhook_bytes"
EVENT_ID_HEADERS = ("x-shopify-event-id", "x-shopify-webhook-id", "x-amz-sns-message-id", "x-request-id")
"""Where a delivery's event id is read from, first found wins: a redelivery of the same event carries the same id."""
DOC_TYPE = "webhook"
SECRET_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "proxy-authorization"})


@dataclass(frozen=True)
class Received:
    """What the intake did with one delivery: `received` (stored), `duplicate` (stored before) or `rejected`."""

    status: str
    message_id: str | None = None
    code: str | None = None

    def body(self) -> dict[str, Any]:
        if self.status == "rejected":
            return {"status": "rejected", "error": self.code, "message": "webhook verification failed"}
        return {"status": self.status, "message_id": self.message_id}


class Connections:
    """Connection records by name, read at most every `ttl` seconds: a storm of deliveries for one connection
    costs one look-up per `ttl`, not one per request. A connection added is seen at once (misses are not kept);
    a change or removal within `ttl` seconds."""

    def __init__(self, ctx: HubContext, ttl: float = 2.0) -> None:
        self.ctx = ctx
        self.ttl = ttl
        self._known: dict[str, tuple[float, ConnectionRecord]] = {}
        self._lock = threading.Lock()

    def cached(self, name: str) -> ConnectionRecord | None:
        """The record when it was read less than `ttl` seconds ago (no I/O: fine on the event loop)."""
        with self._lock:
            hit = self._known.get(name)
        return hit[1] if hit is not None and time.monotonic() - hit[0] < self.ttl else None

    def get(self, name: str) -> ConnectionRecord | None:
        now = time.monotonic()
        hit = self.cached(name)
        if hit is not None:
            return hit
        with read_only(self.ctx.engine) as conn:
            record = get_connection(conn, self.ctx.tenant, name, missing_ok=True)
        with self._lock:
            if record is None:
                self._known.pop(name, None)
            else:
                self._known[name] = (now, record)
        return record


def max_bytes(record: ConnectionRecord) -> int:
    value = record.options.get(MAX_BYTES_OPTION)
    try:
        limit = int(value) if value is not None else DEFAULT_MAX_BYTES
    except (TypeError, ValueError):
        limit = DEFAULT_MAX_BYTES
    return limit if limit > 0 else DEFAULT_MAX_BYTES


class Disconnected(Exception):
    """The sender hung up before its body was read: nothing to store, nobody to answer."""


async def read_body(receive: Receive, headers: dict[str, str], limit: int) -> bytes:
    """The raw body from ASGI `receive`, refused with 413 as soon as it is known to exceed `limit` (declared
    length, then as read); `Disconnected` when the sender goes away first."""
    declared = headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"webhook body over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        event = await receive()
        if event["type"] == "http.disconnect":
            raise Disconnected
        chunk = event.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"webhook body over {limit} bytes")
        chunks.append(chunk)
        if not event.get("more_body", False):
            return b"".join(chunks)


def event_id(headers: dict[str, str]) -> str | None:
    for name in EVENT_ID_HEADERS:
        value = (headers.get(name) or "").strip()
        if value:
            return value if len(value) <= 200 else "sha256:" + hashlib.sha256(value.encode()).hexdigest()
    return None


def dedup_key(tenant: str, connection: str, event: str) -> str:
    return f"{tenant}|{DOC_TYPE}|{connection}|{event}"


def safe_headers(headers: dict[str, str]) -> dict[str, str]:
    """Headers worth keeping with the raw message, minus credentials."""
    return {k: ("[redacted]" if k in SECRET_HEADERS else v) for k, v in headers.items()}


class WebhookIntake:
    """The intake of one API process: connection look-ups cached, verification on the event loop (receivers'
    `verify` is pure CPU: an HMAC over the body), storage through the group-commit writer."""

    def __init__(self, ctx: HubContext, *, max_batch: int = 256) -> None:
        self.ctx = ctx
        self.connections = Connections(ctx)
        self.writer: InboxWriter[RawMessage | Refusal] = InboxWriter(ctx.engine, self.write_batch, max_batch=max_batch)
        self._receivers: dict[str, tuple[ConnectionRecord, Any]] = {}

    def ready(self, name: str) -> tuple[ConnectionRecord, Any] | None:
        """The connection and its receiver when both are at hand without I/O (cached), else None."""
        record = self.connections.cached(name)
        known = self._receivers.get(name)
        if record is None or known is None or known[0] is not record:
            return None
        return known

    def prepare(self, name: str) -> tuple[ConnectionRecord, Any]:
        """Look the connection up and build its receiver (may read the store and secrets: run it in a thread).

        404 when there is no such connection, 400 when it takes no webhooks, 503 when its configuration is broken
        (a missing secret, a bad option): not the sender's fault, so it retries later and nothing is counted.
        """
        record = self.connections.get(name)
        if record is None:
            raise HTTPException(404, f"no connection {name!r}")
        if not self.ctx.offers(record, Capability.WEBHOOK_RECEIVER):
            raise HTTPException(400, f"connection {name!r} (adapter {record.adapter}) does not receive webhooks")
        try:
            receiver = self.ctx.capability(record, Capability.WEBHOOK_RECEIVER)
        except HubError as exc:
            log.error("webhook connection %s cannot be built: %s", record.name, _redacted(self.ctx, record, exc))
            raise HTTPException(503, f"connection {record.name!r} is not ready to receive webhooks") from None
        self._receivers[name] = (record, receiver)
        return record, receiver

    async def receive(self, record: ConnectionRecord, receiver: Any, headers: dict[str, str], body: bytes) -> Received:
        """Verify, then store raw once per event id; returns only once the row (or the refusal) is committed."""
        try:
            receiver.verify(headers, body)
        except HubError as exc:
            return await self.writer.run(Refusal(record, exc))
        message = RawMessage(
            body=body,
            connection=record.name,
            transport="webhook",
            transport_id=event_id(headers),
            content_type=headers.get("content-type"),
            headers=safe_headers(headers),
            tenant=self.ctx.tenant,
            id=new_id("msg"),
        )
        return await self.writer.run(message)

    def close(self) -> None:
        self.writer.close()

    def write_batch(self, conn: Connection, jobs: Sequence[RawMessage | Refusal]) -> list[Received]:
        """Store the deliveries (each event id once) and count the refusals, in the writer's transaction."""
        tenant = self.ctx.tenant
        messages = [job for job in jobs if isinstance(job, RawMessage)]
        keyed = [(m, dedup_key(tenant, m.connection, m.transport_id)) for m in messages if m.transport_id is not None]
        holders = claim_keys(conn, tenant, [(key, DOC_TYPE, str(m.id), str(m.id)) for m, key in keyed])
        duplicate_of = {m.id: holders[key][1] for m, key in keyed if holders[key][1] != m.id}
        insert_raws(conn, [m for m in messages if m.id not in duplicate_of])
        refused = Counter((job.record.name, job.error.code) for job in jobs if isinstance(job, Refusal))
        for (name, code), count in refused.items():
            count_rejection(conn, tenant, name, code, count)
        answers: list[Received] = []
        for job in jobs:
            if isinstance(job, Refusal):
                log.warning(
                    "webhook for %s refused at verification: %s",
                    job.record.name,
                    _redacted(self.ctx, job.record, job.error),
                )
                answers.append(Received("rejected", code=job.error.code))
            elif job.id in duplicate_of:
                answers.append(Received("duplicate", duplicate_of[job.id]))
            else:
                answers.append(Received("received", job.id))
        return answers


@dataclass(frozen=True)
class Refusal:
    """A delivery that failed verification: only counted."""

    record: ConnectionRecord
    error: HubError


def _redacted(ctx: HubContext, record: ConnectionRecord, error: HubError) -> str:
    try:
        secrets = secret_values(ctx, record, min_length=4)
    except HubError:
        secrets = []
    return f"{error.code}: {redact(error.message, secrets)}"
