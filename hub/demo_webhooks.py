"""The demo's webhook act: signed channel deliveries posted to the real intake (`POST /webhooks/{connection}`).

Each delivery is signed the way Shopify signs (HMAC-SHA256 of the raw body, base64, `X-Shopify-Hmac-Sha256`),
posted through the hub's own FastAPI app in process, then the stored message goes through the pipeline. A
`forged: true` delivery is signed with another secret: the intake answers 401 and stores nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import warnings
from pathlib import Path
from typing import Any

from hub.context import HubContext
from hub.pipeline.ingest import report_for
from hub.pipeline.runner import Pipeline

DEMO_SECRETS = {
    "HUB_DEMO_SHOPIFY_TOKEN": "shpat_demo_not_a_real_token",
    "HUB_DEMO_SHOPIFY_WEBHOOK_SECRET": "demo-webhook-secret",
}
"""Stand-in secrets for the demo's shop (used only when the environment does not set them)."""


def demo_environ(environ: dict[str, str]) -> dict[str, str]:
    """`environ` with the demo shop's stand-in secrets where it has none."""
    return {**DEMO_SECRETS, **environ}


def shopify_signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def deliver_webhooks(
    ctx: HubContext, pipeline: Pipeline, deliveries: list[dict[str, Any]], secrets: dict[str, str], fixtures: Path
) -> list[dict[str, Any]]:
    """Post each delivery, process what was stored; one report per delivery (the `hub ingest --json` shape)."""
    with warnings.catch_warnings():  # starlette's note on its httpx-based test client is not the demo's business
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from hub.api.app import create_app

    reports = []
    with TestClient(create_app(ctx)) as client:
        for delivery in deliveries:
            body = (fixtures / delivery["file"]).read_bytes()
            secret = secrets[delivery["connection"]]
            headers = {
                "content-type": "application/json",
                "x-shopify-topic": delivery["topic"],
                "x-shopify-event-id": delivery["event"],
                "x-shopify-hmac-sha256": shopify_signature("not-" + secret if delivery.get("forged") else secret, body),
            }
            answer = client.post(f"/webhooks/{delivery['connection']}", content=body, headers=headers)
            reports.append(_report(ctx, pipeline, delivery, answer.status_code, answer.json()))
    return reports


def _report(
    ctx: HubContext, pipeline: Pipeline, delivery: dict[str, Any], code: int, answer: dict[str, Any]
) -> dict[str, Any]:
    via = f"{delivery['connection']} webhook (HTTP {code})"
    base = {"path": Path(delivery["file"]).name, "connection": via, "note": delivery.get("note", "")}
    if code != 200:
        error = {"code": answer.get("error", f"http_{code}"), "message": answer.get("message", "")}
        return base | {"message_id": None, "status": "refused", "documents": [], "errors": [error], "acks": []}
    if answer.get("status") == "duplicate":
        return base | {"message_id": answer.get("message_id"), "status": "duplicate", "documents": [], "errors": []}
    message_id = str(answer["message_id"])
    pipeline.run_once(ids=[message_id])
    return report_for(pipeline, message_id, base["path"]).as_dict() | base
