"""Webhook intake: size-limit the body, verify it, then store it raw (once per event id) before answering 200."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request

from hub.api.rejections import count_rejection
from hub.context import HubContext
from hub.errors import HubError
from hub.model.ids import new_id
from hub.pipeline.inbox import insert_raw
from hub.plugins.capabilities import Capability
from hub.plugins.messages import RawMessage
from hub.secrets import redact, secret_values
from hub.store.connections import ConnectionRecord, get_connection
from hub.store.db import read_only
from hub.store.dedup import claim_key

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


def lookup(
    ctx: HubContext, connections: Connections, name: str, record: ConnectionRecord | None = None
) -> ConnectionRecord:
    """The connection a delivery is addressed to; 404 when there is none, 400 when it takes no webhooks."""
    record = record or connections.get(name)
    if record is None:
        raise HTTPException(404, f"no connection {name!r}")
    if not ctx.offers(record, Capability.WEBHOOK_RECEIVER):
        raise HTTPException(400, f"connection {name!r} (adapter {record.adapter}) does not receive webhooks")
    return record


def max_bytes(record: ConnectionRecord) -> int:
    value = record.options.get(MAX_BYTES_OPTION)
    try:
        limit = int(value) if value is not None else DEFAULT_MAX_BYTES
    except (TypeError, ValueError):
        limit = DEFAULT_MAX_BYTES
    return limit if limit > 0 else DEFAULT_MAX_BYTES


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it is known to exceed `limit` (declared length, then as read)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise HTTPException(413, f"webhook body over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"webhook body over {limit} bytes")
        chunks.append(chunk)
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


def receive(ctx: HubContext, record: ConnectionRecord, headers: dict[str, str], body: bytes) -> Received:
    """Verify, then store raw once per event id. Runs in a worker thread; returns only once the row is committed."""
    try:
        receiver = ctx.capability(record, Capability.WEBHOOK_RECEIVER)
    except HubError as exc:
        # Our own configuration is broken (a missing secret, a bad option): not the sender's fault. 503 makes
        # the sender retry later, when an operator has fixed it; nothing is counted as a forgery.
        log.error("webhook connection %s cannot be built: %s", record.name, _redacted(ctx, record, exc))
        raise HTTPException(503, f"connection {record.name!r} is not ready to receive webhooks") from None
    try:
        receiver.verify(headers, body)
    except HubError as exc:
        with _writer(ctx), ctx.engine.begin() as conn:
            count_rejection(conn, ctx.tenant, record.name, exc.code)
        log.warning("webhook for %s refused at verification: %s", record.name, _redacted(ctx, record, exc))
        return Received("rejected", code=exc.code)
    event = event_id(headers)
    message_id = new_id("msg")
    with _writer(ctx), ctx.engine.begin() as conn:
        if event is not None:
            key = dedup_key(ctx.tenant, record.name, event)
            owner = claim_key(conn, ctx.tenant, key, DOC_TYPE, message_id, message_id)[1]
            if owner != message_id:
                return Received("duplicate", owner)
        insert_raw(
            conn,
            RawMessage(
                body=body,
                connection=record.name,
                transport="webhook",
                transport_id=event,
                content_type=headers.get("content-type"),
                headers=safe_headers(headers),
                tenant=ctx.tenant,
                id=message_id,
            ),
        )
    return Received("received", message_id)


_SQLITE_WRITER = threading.Lock()


def _writer(ctx: HubContext) -> AbstractContextManager[Any]:
    """On SQLite, one writing request at a time per process: SQLite has one writer anyway, and threads that queue
    here wait exactly as long as needed, instead of in the busy handler's growing sleeps (up to 100 ms each)."""
    return _SQLITE_WRITER if ctx.engine.dialect.name == "sqlite" else nullcontext()


def _redacted(ctx: HubContext, record: ConnectionRecord, error: HubError) -> str:
    try:
        secrets = secret_values(ctx, record, min_length=4)
    except HubError:
        secrets = []
    return f"{error.code}: {redact(error.message, secrets)}"
