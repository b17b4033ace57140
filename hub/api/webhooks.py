"""Webhook intake: size-limit the body, verify it, then store it raw (once per event id) before answering 200."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
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


@dataclass(frozen=True)
class Ready:
    """A connection's record and webhook receiver, as read at `read_at` (time.monotonic)."""

    record: ConnectionRecord
    receiver: Any
    read_at: float


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
    """The intake of one API process: connections and their receivers cached, verification on the event loop
    (receivers' `verify` is pure CPU: an HMAC over the body), storage through the group-commit writer.

    A connection is read again once its entry is `ttl` seconds old, in the background, while deliveries go on
    using the entry they have (stale while revalidating): a storm never waits for a look-up, and never piles
    one look-up per request onto the thread pool when an entry expires. A connection added is seen at once
    (misses are not kept, and concurrent misses share one look-up); a change or a removal once the refresh
    that follows `ttl` has read it (a changed record, options or secret references, gets a new receiver). An
    entry past `max_stale` (its refreshes failing or hanging) is not served.
    """

    def __init__(self, ctx: HubContext, *, max_batch: int = 256, ttl: float = 2.0, max_stale: float = 30.0) -> None:
        self.ctx = ctx
        self.ttl = ttl
        self.max_stale = max(max_stale, ttl)
        self.writer: InboxWriter[RawMessage | Refusal] = InboxWriter(ctx.engine, self.write_batch, max_batch=max_batch)
        self._ready: dict[str, Ready] = {}
        self._loading: dict[str, asyncio.Task[Ready]] = {}
        self._built_from: dict[str, ConnectionRecord] = {}

    async def resolve(self, name: str) -> Ready:
        """The connection's record and receiver: cached, else read once however many deliveries ask at once.

        Raises the HTTPException `prepare` raises (404, 400, 503); event-loop only.
        """
        entry = self._ready.get(name)
        if entry is not None:
            age = time.monotonic() - entry.read_at
            if age < self.ttl:
                return entry
            loading = self._load(name)
            if age < self.max_stale:
                return entry
        else:
            loading = self._load(name)
        return await asyncio.shield(loading)

    def _load(self, name: str) -> asyncio.Task[Ready]:
        """The one look-up of `name` under way, started when there is none."""
        task = self._loading.get(name)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._read(name), name=f"webhook-connection-{name}")
            task.add_done_callback(_retrieved)
            self._loading[name] = task
        return task

    async def _read(self, name: str) -> Ready:
        try:
            read_at = time.monotonic()
            record, receiver = await run_in_threadpool(self.prepare, name)
            entry = self._ready[name] = Ready(record, receiver, read_at)
            return entry
        except BaseException:
            self._ready.pop(name, None)  # gone, not webhook-capable, broken or unreadable: the next delivery asks
            raise
        finally:
            self._loading.pop(name, None)

    def prepare(self, name: str) -> tuple[ConnectionRecord, Any]:
        """Look the connection up and build its receiver (reads the store and secrets: run it in a thread).

        404 when there is no such connection, 400 when it takes no webhooks, 503 when its configuration is broken
        (a missing secret, a bad option): not the sender's fault, so it retries later and nothing is counted.
        """
        with read_only(self.ctx.engine) as conn:
            record = get_connection(conn, self.ctx.tenant, name, missing_ok=True)
        if record is None:
            raise HTTPException(404, f"no connection {name!r}")
        if not self.ctx.offers(record, Capability.WEBHOOK_RECEIVER):
            raise HTTPException(400, f"connection {name!r} (adapter {record.adapter}) does not receive webhooks")
        if self._built_from.get(name) != record:  # changed (options, secret references): build it anew
            self.ctx.forget(name)
            self._built_from.pop(name, None)
        try:
            receiver = self.ctx.capability(record, Capability.WEBHOOK_RECEIVER)
            self._built_from[name] = record
        except HubError as exc:
            log.error("webhook connection %s cannot be built: %s", record.name, _redacted(self.ctx, record, exc))
            raise HTTPException(503, f"connection {record.name!r} is not ready to receive webhooks") from None
        return record, receiver

    async def receive(self, ready: Ready, headers: dict[str, str], body: bytes) -> Received:
        """Verify, then store raw once per event id; returns only once the row (or the refusal) is committed."""
        record = ready.record
        try:
            ready.receiver.verify(headers, body)
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


def _retrieved(task: asyncio.Task[Ready]) -> None:
    """A look-up nobody awaited (a background refresh) failed: say so once, not as 'never retrieved'."""
    if task.cancelled():
        return
    exc = task.exception()
    if isinstance(exc, HTTPException):
        log.info("webhook connection refresh: %s %s", exc.status_code, exc.detail)
    elif exc is not None:
        log.warning("webhook connection refresh failed: %r", exc)


def _redacted(ctx: HubContext, record: ConnectionRecord, error: HubError) -> str:
    try:
        secrets = secret_values(ctx, record, min_length=4)
    except HubError:
        secrets = []
    return f"{error.code}: {redact(error.message, secrets)}"
