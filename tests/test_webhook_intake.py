"""Webhook intake: size limits, verification before anything is stored, a rejection counter, event-id dedup."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, SecretStr
from sqlalchemy import func, select

from hub.api.app import create_app
from hub.context import HubContext
from hub.errors import ConfigError
from hub.model import Order
from hub.pipeline.runner import Pipeline
from hub.plugins import Adapter, Capability, ConnectionContext, ParseResult, RawMessage
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.tables import inbox, webhook_rejections

SECRET = "whsec-intake-0123456789"


class IntakeConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    webhook_secret: SecretStr


class ShopLikeReceiver:
    """Shopify-shaped signatures; its error message carelessly quotes the expected signature and the secret."""

    capability = Capability.WEBHOOK_RECEIVER

    def __init__(self, config: IntakeConfig, context: ConnectionContext) -> None:
        self.secret = config.webhook_secret.get_secret_value()
        self.context = context

    def verify(self, headers: dict[str, str], body: bytes) -> None:
        claimed = headers.get("x-shopify-hmac-sha256")
        if not claimed:
            raise ConfigError("no X-Shopify-Hmac-Sha256 header", code="missing_signature")
        if not hmac.compare_digest(sign(body, self.secret), claimed):
            raise ConfigError(f"signature mismatch with key {self.secret}", code="bad_signature")

    def parse(self, message: RawMessage) -> ParseResult:
        data = json.loads(message.body)
        return ParseResult([Order.model_validate({**data, "source": self.context.channel})], format="json")


INTAKE_ADAPTER = Adapter(
    name="test_intake",
    version="0.1.0",
    feature_card="Shopify-like signed webhooks (test).",
    config=IntakeConfig,
    capabilities=frozenset({Capability.WEBHOOK_RECEIVER}),
    implementations=(ShopLikeReceiver,),
)


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def order_body(external_id: str = "1001", revision: int = 1) -> bytes:
    return json.dumps(
        {
            "external_id": external_id,
            "revision": revision,
            "currency": "EUR",
            "ship_to": {"name": "Ann", "country_code": "FR"},
            "lines": [{"line_no": 1, "sku": "SKU-1", "quantity": 1, "unit_price": "9.90"}],
        }
    ).encode()


def headers_for(body: bytes, event: str | None = None, **extra: str) -> dict[str, str]:
    headers = {"x-shopify-hmac-sha256": sign(body), "content-type": "application/json"}
    if event:
        headers["x-shopify-event-id"] = event
    headers.update(extra)
    return headers


def add_intake_connections(ctx: HubContext, small_limit: int = 400) -> None:
    """`shop` and `small` (max_webhook_bytes `small_limit`) take signed webhooks, `unset` has no secret set,
    `files` takes no webhooks."""
    ctx.registry.register(INTAKE_ADAPTER)
    ctx.environ = {**ctx.environ, "INTAKE_SECRET": SECRET}
    refs = {"webhook_secret": "INTAKE_SECRET"}
    with ctx.engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="shop", adapter="test_intake", channel="shop:a", secret_refs=refs))
        add_connection(
            conn,
            ConnectionRecord(
                name="small",
                adapter="test_intake",
                channel="shop:b",
                secret_refs=refs,
                options={"max_webhook_bytes": small_limit},
            ),
        )
        add_connection(
            conn,
            ConnectionRecord(
                name="unset",
                adapter="test_intake",
                channel="shop:c",
                secret_refs={"webhook_secret": "NOT_SET_ANYWHERE"},
            ),
        )
        add_connection(conn, ConnectionRecord(name="files", adapter="test_json", channel="files:x"))


@pytest.fixture
def client(hub_ctx: HubContext) -> Iterator[TestClient]:
    add_intake_connections(hub_ctx)
    with TestClient(create_app(hub_ctx)) as test_client:
        yield test_client


def inbox_rows(ctx: HubContext) -> list:
    with read_only(ctx.engine) as conn:
        return list(conn.execute(select(inbox).order_by(inbox.c.id)).all())


def rejected(ctx: HubContext, connection: str) -> int | None:
    with read_only(ctx.engine) as conn:
        return conn.execute(
            select(webhook_rejections.c.rejected).where(webhook_rejections.c.connection == connection)
        ).scalar_one_or_none()


def test_good_delivery_is_stored_raw_before_the_200_and_processed_later(
    hub_ctx: HubContext, client: TestClient
) -> None:
    body = order_body()
    answer = client.post(
        "/webhooks/shop", content=body, headers=headers_for(body, "ev-1", **{"x-shopify-webhook-id": "wh-1"})
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "received"
    (row,) = inbox_rows(hub_ctx)
    assert row.id == answer.json()["message_id"]
    assert (row.transport, row.transport_id, row.status) == ("webhook", "ev-1", "received")
    assert bytes(row.body) == body
    assert client.get("/orders").json() == []  # the request did not run the pipeline
    Pipeline(hub_ctx).drain()
    assert [o["external_id"] for o in client.get("/orders").json()] == ["1001"]


def test_redelivered_event_is_stored_once_and_answered_duplicate(hub_ctx: HubContext, client: TestClient) -> None:
    body = order_body()
    first = client.post("/webhooks/shop", content=body, headers=headers_for(body, "ev-7"))
    again = client.post("/webhooks/shop", content=body, headers=headers_for(body, "ev-7"))
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "message_id": first.json()["message_id"]}
    other = client.post("/webhooks/shop", content=body, headers=headers_for(body, "ev-8"))
    assert other.json()["status"] == "received"
    assert [r.transport_id for r in inbox_rows(hub_ctx)] == ["ev-7", "ev-8"]
    # the same event id on another connection is another delivery
    small = client.post("/webhooks/small", content=body, headers=headers_for(body, "ev-7"))
    assert small.json()["status"] == "received"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"x-shopify-webhook-id": "wh-2", "x-request-id": "rq-2"}, "wh-2"),
        ({"x-amz-sns-message-id": "sns-3", "x-request-id": "rq-3"}, "sns-3"),
        ({"x-request-id": "rq-4"}, "rq-4"),
        ({}, None),
    ],
)
def test_transport_id_header_order(hub_ctx: HubContext, client: TestClient, extra: dict, expected: str | None) -> None:
    body = order_body()
    assert client.post("/webhooks/shop", content=body, headers=headers_for(body, **extra)).status_code == 200
    assert [r.transport_id for r in inbox_rows(hub_ctx)] == [expected]


def test_deliveries_without_an_event_id_are_all_stored(hub_ctx: HubContext, client: TestClient) -> None:
    body = order_body()
    for _ in range(2):
        assert client.post("/webhooks/shop", content=body, headers=headers_for(body)).json()["status"] == "received"
    assert len(inbox_rows(hub_ctx)) == 2


def test_bad_signature_is_401_counted_and_nothing_stored(
    hub_ctx: HubContext, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    body = order_body()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="hub")  # `hub demo` (run earlier in this process) quiets "hub"
    forged = client.post("/webhooks/shop", content=body.replace(b"9.90", b"0.01"), headers=headers_for(body, "ev-1"))
    unsigned = client.post("/webhooks/shop", content=body, headers={"x-shopify-event-id": "ev-2"})
    assert (forged.status_code, forged.json()["error"]) == (401, "bad_signature")
    assert (unsigned.status_code, unsigned.json()["error"]) == (401, "missing_signature")
    assert inbox_rows(hub_ctx) == []
    assert rejected(hub_ctx, "shop") == 2
    for text in (forged.text, unsigned.text, caplog.text):
        assert SECRET not in text
    assert "bad_signature" in caplog.text
    # a rejected event id was not claimed: the genuine delivery with that id is stored
    good = client.post("/webhooks/shop", content=body, headers=headers_for(body, "ev-1"))
    assert good.json()["status"] == "received"
    shown = client.get("/webhooks/rejections").json()
    assert shown["shop"]["rejected"] == 2 and shown["shop"]["last_code"] == "missing_signature"


def test_unknown_connection_404_and_connection_without_receiver_400(hub_ctx: HubContext, client: TestClient) -> None:
    body = order_body()
    assert client.post("/webhooks/nope", content=body, headers=headers_for(body)).status_code == 404
    assert client.post("/webhooks/files", content=body, headers=headers_for(body)).status_code == 400
    assert inbox_rows(hub_ctx) == []


def test_broken_connection_config_is_503_and_not_counted(hub_ctx: HubContext, client: TestClient) -> None:
    body = order_body()
    answer = client.post("/webhooks/unset", content=body, headers=headers_for(body, "ev-1"))
    assert answer.status_code == 503
    assert inbox_rows(hub_ctx) == [] and rejected(hub_ctx, "unset") is None


def test_oversized_body_is_413_by_declared_length(hub_ctx: HubContext, client: TestClient) -> None:
    big = b"x" * (1024 * 1024 + 1)
    assert client.post("/webhooks/shop", content=big, headers=headers_for(big, "ev-big")).status_code == 413
    padded = order_body()[:-1] + b"," + b'"note":"' + b"y" * 300 + b'"}'
    answer = client.post("/webhooks/small", content=padded, headers=headers_for(padded, "ev-pad"))
    assert answer.status_code == 413
    fits = order_body()
    assert len(fits) <= 400
    assert client.post("/webhooks/small", content=fits, headers=headers_for(fits, "ev-fit")).status_code == 200
    assert [r.transport_id for r in inbox_rows(hub_ctx)] == ["ev-fit"]
    assert rejected(hub_ctx, "small") is None


def test_oversized_streamed_body_is_413_while_reading(hub_ctx: HubContext, client: TestClient) -> None:
    """No Content-Length (chunked): the limit is enforced as the chunks arrive."""
    body = order_body()[:-1] + b',"note":"' + b"z" * 500 + b'"}'

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 64):
            yield body[i : i + 64]

    answer = client.post("/webhooks/small", content=chunks(), headers=headers_for(body, "ev-chunked"))
    assert answer.status_code == 413
    assert inbox_rows(hub_ctx) == []
    small = order_body()
    answer = client.post("/webhooks/small", content=iter([small[:50], small[50:]]), headers=headers_for(small, "ev-ok"))
    assert answer.status_code == 200


def test_same_event_racing_from_many_threads_is_stored_once(hub_ctx: HubContext, client: TestClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    body = order_body("2002")
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda _: client.post("/webhooks/shop", content=body, headers=headers_for(body, "ev-race")), range(16)
            )
        )
    statuses = sorted(a.json()["status"] for a in answers)
    assert statuses == ["duplicate"] * 15 + ["received"]
    assert {a.json()["message_id"] for a in answers} == {inbox_rows(hub_ctx)[0].id}
    with read_only(hub_ctx.engine) as conn:
        assert conn.execute(select(func.count()).select_from(inbox)).scalar_one() == 1


def test_an_older_revision_after_a_newer_one_changes_nothing(hub_ctx: HubContext, client: TestClient) -> None:
    """Business-key dedup across deliveries: (source, external id) keeps the highest revision."""
    newer = json.loads(order_body("3003", revision=5))
    newer["lines"][0]["quantity"] = 4
    older = json.loads(order_body("3003", revision=2))
    for event, doc in (("ev-new", newer), ("ev-old", older)):
        body = json.dumps(doc).encode()
        assert client.post("/webhooks/shop", content=body, headers=headers_for(body, event)).status_code == 200
        Pipeline(hub_ctx).drain()
    (listed,) = client.get("/orders").json()
    assert (listed["external_id"], listed["revision"]) == ("3003", 5)
    assert [line["quantity"] for line in listed["lines"]] == ["4"]
    statuses = [r.status for r in inbox_rows(hub_ctx)]
    assert statuses == ["processed", "duplicate"]  # the late older revision is recorded, applied to nothing
