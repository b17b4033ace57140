"""The Mirakl seller API seam: one httpx.Client, the shop key in the Authorization header, a shared pace."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from adapters.mirakl.config import MiraklConfig
from hub.channels import TokenBucket, call


class MiraklClient:
    """Sends one request to `<base_url>/api/...` and maps every failure to a hub error (hub.channels.call).

    `http` is injectable (tests pass one on an httpx.MockTransport); without it a real client with the
    configured timeout is built. The key goes out as `Authorization: <key>` (Mirakl's shop API key
    scheme, no "Bearer") and never into a URL, a log line or an error message.
    """

    def __init__(
        self, config: MiraklConfig, *, http: httpx.Client | None = None, bucket: TokenBucket | None = None
    ) -> None:
        self.config = config
        self.http = http or httpx.Client(timeout=httpx.Timeout(config.timeout_seconds), follow_redirects=False)
        self.bucket = bucket or TokenBucket(config.requests_per_second, config.burst)

    def url(self, path: str) -> str:
        return f"{self.config.base_url}/api/{path.lstrip('/')}"

    def headers(self, *, json_body: bool = False) -> dict[str, str]:
        headers = {"Authorization": self.config.api_key.get_secret_value(), "Accept": "application/json"}
        if json_body:
            headers["Content-Type"] = "application/json"
        return headers

    def params(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.config.shop_id is not None:
            params["shop_id"] = self.config.shop_id
        params.update(extra or {})
        return params

    def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        files: Any = None,
    ) -> httpx.Response:
        kwargs: dict[str, Any] = {"params": self.params(params)}
        if json_body is not None:
            kwargs["content"] = dump_exact(json_body).encode("utf-8")
        if files is not None:
            kwargs["files"] = files
        headers = self.headers(json_body=json_body is not None)
        return call(self.http, method, self.url(path), what=what, bucket=self.bucket, headers=headers, **kwargs)


def dump_exact(value: Any) -> str:
    """JSON text of a value read with `read_json(..., exact=True)`: Decimals written back as the numbers they were."""
    if isinstance(value, dict):
        return (
            "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{dump_exact(v)}" for k, v in value.items()) + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(dump_exact(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)
