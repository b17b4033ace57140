"""POST /webhooks/{connection} as bare ASGI in front of the API's routing: the hot path of the intake."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.api.webhooks import Disconnected, WebhookIntake, max_bytes, read_body

PREFIX = "/webhooks/"


class WebhookEndpoint:
    """Answers `POST /webhooks/<connection>` itself and hands every other request to the app.

    A delivery costs the intake only: no routing through the API's other routes, no request object, no
    dependency solving, no exception middleware; under a storm that is a fifth of the API's CPU per delivery
    (bench/webhooks.py). Answers: 200 `received` or `duplicate` once stored; 401 `rejected` (bad signature:
    only counted); 404 unknown connection; 400 a connection that takes no webhooks; 413 body over the
    connection's `max_webhook_bytes` (default 1 MiB); 503 a connection whose configuration is broken.
    Those errors carry `{"detail": ...}` like the rest of the API; an unexpected failure (the database down) is the
    server's plain 500, and the sender retries.
    """

    def __init__(self, app: ASGIApp, intake: WebhookIntake) -> None:
        self.app = app
        self.intake = intake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = _connection(scope)
        if name is None:
            await self.app(scope, receive, send)
            return
        try:
            status, answer = await self._answer(name, scope, receive)
        except HTTPException as exc:
            status, answer = exc.status_code, {"detail": exc.detail}
        except Disconnected:
            return
        body = json.dumps(answer, separators=(",", ":")).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, name: str, scope: Scope, receive: Receive) -> tuple[int, dict[str, Any]]:
        ready = await self.intake.resolve(name)
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        body = await read_body(receive, headers, max_bytes(ready.record))
        received = await self.intake.receive(ready, headers, body)
        return (401 if received.status == "rejected" else 200), received.body()


def _connection(scope: Scope) -> str | None:
    """The connection named by a webhook delivery's path, or None when the request is not one."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    path: str = scope["path"]
    if not path.startswith(PREFIX):
        return None
    name = path[len(PREFIX) :]
    return name if name and "/" not in name else None
