"""Keep secrets out of what the faces show (CLI, API, console): mask known secret values and sensitive headers."""

from __future__ import annotations

import re
from typing import Any

from hub.context import HubContext
from hub.secrets import redact
from hub.secrets import secret_values as connection_secrets
from hub.store.connections import ConnectionRecord

MASK = "****"
SENSITIVE_HEADER = re.compile(r"auth|cookie|token|secret|signature|hmac|api[-_]?key|password|session", re.IGNORECASE)


def secret_values(ctx: HubContext, record: ConnectionRecord | None) -> list[str]:
    """The connection's secret values worth masking in output (four characters or more)."""
    return [] if record is None else connection_secrets(ctx, record, min_length=4)


def mask_text(text: str, secrets: list[str]) -> str:
    return redact(text, secrets, MASK)


def mask_headers(headers: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    return {k: MASK if SENSITIVE_HEADER.search(k) else mask_text(str(v), secrets) for k, v in (headers or {}).items()}


def mask_data(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return mask_text(value, secrets)
    if isinstance(value, dict):
        return {k: MASK if SENSITIVE_HEADER.search(str(k)) else mask_data(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_data(v, secrets) for v in value]
    return value
