"""The HTTP API: webhooks verified, then stored raw before the 200, then processed; orders readable."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, SecretStr
from sqlalchemy import select

from hub.api.app import create_app
from hub.context import HubContext
from hub.errors import ConfigError
from hub.model import Order
from hub.pipeline.runner import Pipeline
from hub.plugins import Adapter, Capability, ConnectionContext, ParseResult, RawMessage
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.tables import inbox


class HookConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    signing_secret: SecretStr


class SignedJsonReceiver:
    capability = Capability.WEBHOOK_RECEIVER

    def __init__(self, config: HookConfig, context: ConnectionContext) -> None:
        self.secret = config.signing_secret.get_secret_value().encode()
        self.context = context

    def verify(self, headers: dict[str, str], body: bytes) -> None:
        expected = base64.b64encode(hmac.new(self.secret, body, hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(expected, headers.get("x-signature", "")):
            raise ConfigError("webhook signature does not match", code="bad_signature")

    def parse(self, message: RawMessage) -> ParseResult:
        data = json.loads(message.body)
        return ParseResult([Order.model_validate({**data, "source": self.context.channel})], format="json")


HOOK_ADAPTER = Adapter(
    name="test_hook",
    version="0.1.0",
    feature_card="Signed JSON webhooks (test).",
    config=HookConfig,
    capabilities=frozenset({Capability.WEBHOOK_RECEIVER}),
    implementations=(SignedJsonReceiver,),
)

ORDER = {
    "external_id": "W1",
    "currency": "GBP",
    "ship_to": {"name": "Ann", "country_code": "GB"},
    "lines": [{"line_no": 1, "sku": "K", "quantity": 1, "unit_price": "3.50"}],
}


@pytest.fixture
def client(hub_ctx: HubContext) -> TestClient:
    """An API client for a hub with one signed-webhook connection, `hooks`."""
    hub_ctx.registry.register(HOOK_ADAPTER)
    hub_ctx.environ = {**hub_ctx.environ, "HOOK_SECRET": "s3cr3t-value"}
    with hub_ctx.engine.begin() as conn:
        add_connection(
            conn,
            ConnectionRecord(
                name="hooks", adapter="test_hook", channel="shop:hooks", secret_refs={"signing_secret": "HOOK_SECRET"}
            ),
        )
    return TestClient(create_app(hub_ctx))


def sign(body: bytes, secret: str = "s3cr3t-value") -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_webhook_verified_then_stored_then_processed(hub_ctx: HubContext, client: TestClient) -> None:
    body = json.dumps(ORDER).encode()
    ok = client.post(
        "/webhooks/hooks",
        content=body,
        headers={"x-signature": sign(body), "x-request-id": "d-1", "authorization": "Bearer abc"},
    )
    assert ok.status_code == 200 and ok.json()["status"] == "received"
    forged = client.post("/webhooks/hooks", content=body.replace(b"3.50", b"0.01"), headers={"x-signature": sign(body)})
    assert forged.status_code == 401 and forged.json()["error"] == "bad_signature"
    assert "s3cr3t" not in forged.text
    assert client.post("/webhooks/nope", content=b"{}").status_code == 404
    with read_only(hub_ctx.engine) as conn:
        rows = conn.execute(select(inbox).order_by(inbox.c.id)).all()
    assert [r.status for r in rows] == ["received"]  # the forged one is not stored, only counted
    assert rows[0].id == ok.json()["message_id"]
    assert rows[0].headers["authorization"] == "[redacted]" and rows[0].transport_id == "d-1"
    Pipeline(hub_ctx).drain()
    listed = client.get("/orders").json()
    assert [(o["external_id"], o["source"], o["lines"][0]["unit_price"]) for o in listed] == [
        ("W1", "shop:hooks", "3.5")
    ]
    shown = client.get(f"/orders/{listed[0]['id']}").json()
    assert shown["events"][0]["to_status"] == "received"
    assert client.get("/orders/missing").status_code == 404
    assert client.get("/health").json()["status"] == "ok"
    assert client.get("/webhooks/rejections").json()["hooks"]["rejected"] == 1
    assert [m["status"] for m in client.get("/messages?status=processed").json()] == ["processed"]


def test_replayed_forgery_is_refused_again(hub_ctx: HubContext, client: TestClient) -> None:
    """A forgery that got into the inbox some other way (an operator's replay) is refused again by the pipeline."""
    from hub.pipeline.inbox import store_raw

    store_raw(
        hub_ctx.engine,
        RawMessage(
            body=json.dumps(ORDER).encode(),
            connection="hooks",
            transport="webhook",
            headers={"x-signature": "forged"},
            tenant=hub_ctx.tenant,
        ),
    )
    outcome = Pipeline(hub_ctx).run_once()[0]
    assert outcome.failure is not None and outcome.failure["error_step"] == "verify"
    assert client.get("/orders").json() == []


def test_context_repr_never_shows_the_environment(hub_ctx: HubContext) -> None:
    hub_ctx.environ = {**hub_ctx.environ, "HOOK_SECRET": "s3cr3t-value"}
    assert "s3cr3t-value" not in repr(hub_ctx) and "HOOK_SECRET" not in repr(hub_ctx)
