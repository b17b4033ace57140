"""The bare ASGI webhook endpoint: what it answers itself, what reaches FastAPI, streamed and abandoned bodies."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.types import Message, Receive, Scope, Send

from hub.api.app import create_app
from hub.api.webhook_endpoint import WebhookEndpoint
from hub.context import HubContext
from hub.store.db import read_only
from hub.store.tables import dedup_keys, inbox, webhook_rejections
from tests.test_webhook_intake import add_intake_connections, headers_for, order_body, sign

SMALL = 400
"""max_webhook_bytes of the `small` connection."""


@dataclass
class Api:
    ctx: HubContext
    app: FastAPI
    client: TestClient


@pytest.fixture
def api(hub_ctx: HubContext) -> Iterator[Api]:
    """The API with its lifespan running: `shop` and `small` take signed webhooks, `files` takes none."""
    add_intake_connections(hub_ctx, SMALL)
    app = create_app(hub_ctx)
    with TestClient(app) as client:
        yield Api(hub_ctx, app, client)


def stored(ctx: HubContext) -> tuple[list[Any], list[str], dict[str, int]]:
    """(inbox rows, claimed dedup keys, rejection counters): everything a delivery can leave behind."""
    with read_only(ctx.engine) as conn:
        rows = list(conn.execute(select(inbox).order_by(inbox.c.id)).all())
        keys = list(conn.execute(select(dedup_keys.c.dedup_key)).scalars())
        refused = {r.connection: r.rejected for r in conn.execute(select(webhook_rejections))}
    return rows, keys, refused


@dataclass
class Exchange:
    """One request played straight into the ASGI app: what it sent back and how much of the body it read."""

    sent: list[Message] = field(default_factory=list)
    reads: int = 0

    @property
    def status(self) -> int:
        return self.sent[0]["status"]

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.sent[0]["headers"]}

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")


def http_scope(path: str, headers: dict[str, str], method: str = "POST") -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }


def play(app: Any, path: str, headers: dict[str, str], chunks: list[bytes], *, hang_up: bool = False) -> Exchange:
    """POST `chunks` as separate ASGI messages (no Content-Length unless in `headers`); with `hang_up` the client
    disconnects after the last chunk instead of ending the body."""
    exchange = Exchange()
    messages: list[Message] = [{"type": "http.request", "body": c, "more_body": True} for c in chunks]
    if hang_up:
        messages.append({"type": "http.disconnect"})
    else:
        messages[-1]["more_body"] = False

    async def receive() -> Message:
        exchange.reads += 1
        if exchange.reads <= len(messages):
            return messages[exchange.reads - 1]
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        exchange.sent.append(message)

    asyncio.run(asyncio.wait_for(app(http_scope(path, headers), receive, send), 10))
    return exchange


def split(body: bytes, size: int) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


def test_other_requests_reach_the_api_routes(api: Api) -> None:
    health = api.client.get("/health")
    assert (health.status_code, health.json()) == (200, {"status": "ok", "tenant": api.ctx.tenant})
    shown = api.client.get("/webhooks/rejections")
    assert (shown.status_code, shown.json()) == (200, {})
    assert api.client.get("/orders").json() == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/webhooks/shop/extra"), ("POST", "/webhooks/"), ("GET", "/webhooks/shop"), ("PUT", "/webhooks/shop")],
)
def test_what_is_not_a_delivery_is_routed_by_fastapi(api: Api, method: str, path: str) -> None:
    body = order_body()
    answer = api.client.request(method, path, content=body, headers=headers_for(body, "ev-1"))
    assert (answer.status_code, answer.json()) == (404, {"detail": "Not Found"})  # FastAPI's, not "no connection"
    assert stored(api.ctx) == ([], [], {})


def test_rejections_route_counts_what_the_endpoint_refused(api: Api) -> None:
    body = order_body()
    forged = dict(headers_for(body, "ev-1"), **{"x-shopify-hmac-sha256": sign(b"other body")})
    assert api.client.post("/webhooks/shop", content=body, headers=forged).status_code == 401
    assert api.client.get("/webhooks/rejections").json()["shop"]["rejected"] == 1


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/webhooks/nope", 404, "no connection 'nope'"),
        ("/webhooks/files", 400, "connection 'files' (adapter test_json) does not receive webhooks"),
        ("/webhooks/unset", 503, "connection 'unset' is not ready to receive webhooks"),
    ],
)
def test_errors_are_json_with_a_detail(api: Api, path: str, status: int, detail: str) -> None:
    body = order_body()
    answer = api.client.post(path, content=body, headers=headers_for(body, "ev-1"))
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"detail": detail}
    assert int(answer.headers["content-length"]) == len(answer.content)
    assert stored(api.ctx) == ([], [], {})


def test_declared_oversize_is_413_with_a_detail(api: Api) -> None:
    body = b"x" * (SMALL + 1)
    answer = api.client.post("/webhooks/small", content=body, headers=headers_for(body, "ev-big"))
    assert (answer.status_code, answer.json()) == (413, {"detail": f"webhook body over {SMALL} bytes"})


def test_streamed_body_over_the_limit_is_413_once_it_crosses_and_nothing_is_stored(api: Api) -> None:
    body = b"z" * 640
    chunks = split(body, 64)  # ten chunks, no Content-Length: the size is only known while reading
    exchange = play(api.app, "/webhooks/small", headers_for(body, "ev-stream"), chunks)
    assert exchange.status == 413
    assert exchange.body == f'{{"detail":"webhook body over {SMALL} bytes"}}'.encode()
    assert exchange.reads == 7  # 7 x 64 = 448 > 400: the rest of the body was never read
    assert stored(api.ctx) == ([], [], {})
    # the event id was not claimed: the same event, within the limit, is a first delivery
    fits = order_body()
    again = api.client.post("/webhooks/small", content=fits, headers=headers_for(fits, "ev-stream"))
    assert again.json()["status"] == "received"


@pytest.mark.parametrize(("size", "status"), [(SMALL, 200), (SMALL + 1, 413)])
def test_streamed_limit_is_inclusive(api: Api, size: int, status: int) -> None:
    body = b"q" * size
    exchange = play(api.app, "/webhooks/small", headers_for(body, f"ev-{size}"), split(body, 100))
    assert exchange.status == status
    assert len(stored(api.ctx)[0]) == (1 if status == 200 else 0)


def test_chunked_body_under_the_limit_is_stored_byte_for_byte(api: Api) -> None:
    body = bytes(range(256)) * 3 + b"\r\n\x00tail"  # every byte value: nothing may be decoded or re-encoded
    chunks = [body[:1], b"", body[1:300], body[300:301], body[301:]]
    exchange = play(api.app, "/webhooks/shop", headers_for(body, "ev-binary"), chunks)
    assert exchange.status == 200
    assert exchange.headers["content-type"] == "application/json"
    (row,), keys, _ = stored(api.ctx)
    assert exchange.body == f'{{"status":"received","message_id":"{row.id}"}}'.encode()
    assert bytes(row.body) == body
    assert row.body_sha256 == hashlib.sha256(body).hexdigest()
    assert (row.connection, row.transport, row.transport_id) == ("shop", "webhook", "ev-binary")
    assert len(keys) == 1


def test_a_client_gone_mid_body_gets_no_answer_and_nothing_is_stored(api: Api) -> None:
    body = order_body()
    half = body[: len(body) // 2]
    exchange = play(api.app, "/webhooks/shop", headers_for(body, "ev-gone"), split(half, 20), hang_up=True)
    assert exchange.sent == []
    assert exchange.reads == len(split(half, 20)) + 1
    assert stored(api.ctx) == ([], [], {})
    again = api.client.post("/webhooks/shop", content=body, headers=headers_for(body, "ev-gone"))
    assert again.json()["status"] == "received"  # the abandoned delivery claimed nothing


def test_lifespan_passes_through_and_shutdown_stops_the_intake_writer(hub_ctx: HubContext) -> None:
    add_intake_connections(hub_ctx)
    before = set(threading.enumerate())
    with TestClient(create_app(hub_ctx)) as client:
        body = order_body()
        assert client.post("/webhooks/shop", content=body, headers=headers_for(body, "ev-1")).status_code == 200
        started = [t for t in set(threading.enumerate()) - before if t.name == "hub-inbox-writer"]
        assert len(started) == 1 and started[0].is_alive()
    started[0].join(5)
    assert not started[0].is_alive()  # the app's shutdown (a lifespan event through the endpoint) closed the intake


class Untouchable:
    """An intake that must not be used."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the intake was used ({name})")


@pytest.mark.parametrize(
    "scope",
    [
        {"type": "lifespan", "asgi": {"version": "3.0"}},
        {"type": "websocket", "path": "/webhooks/shop", "headers": []},  # no "method" in a websocket scope
        {"type": "http", "method": "GET", "path": "/webhooks/shop", "headers": []},
        {"type": "http", "method": "POST", "path": "/webhooks", "headers": []},
        {"type": "http", "method": "POST", "path": "/webhooks/", "headers": []},
        {"type": "http", "method": "POST", "path": "/webhooks/a/b", "headers": []},
        {"type": "http", "method": "POST", "path": "/messages/shop", "headers": []},
    ],
)
def test_the_endpoint_hands_everything_else_to_the_app_untouched(scope: Scope) -> None:
    calls: list[tuple[Scope, Receive, Send]] = []

    async def inner(s: Scope, r: Receive, w: Send) -> None:
        calls.append((s, r, w))

    async def receive() -> Message:
        raise AssertionError("the endpoint read a body it does not answer")

    async def send(message: Message) -> None:
        raise AssertionError("the endpoint answered a request it does not own")

    endpoint = WebhookEndpoint(inner, Untouchable())  # type: ignore[arg-type]
    asyncio.run(endpoint(scope, receive, send))
    assert len(calls) == 1
    assert calls[0][0] is scope and calls[0][1] is receive and calls[0][2] is send
