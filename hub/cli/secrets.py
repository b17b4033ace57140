"""Keep secrets out of what the CLI prints: mask known secret values and sensitive headers."""

from __future__ import annotations

import re
from typing import Any

from hub.context import HubContext
from hub.plugins.config import resolve_secret
from hub.store.connections import ConnectionRecord

MASK = "****"
SENSITIVE_HEADER = re.compile(r"auth|cookie|token|secret|signature|hmac|api[-_]?key|password|session", re.IGNORECASE)


def secret_values(ctx: HubContext, record: ConnectionRecord | None) -> list[str]:
    """The resolved values of a connection's secrets (longest first), so they can be masked in output."""
    if record is None:
        return []
    values = []
    for env_var in record.secret_refs.values():
        value = resolve_secret(env_var, environ=ctx.environ, secrets_file=ctx.secrets_file)
        if value and len(value) >= 4:
            values.append(value)
    return sorted(values, key=len, reverse=True)


def mask_text(text: str, secrets: list[str]) -> str:
    for value in secrets:
        text = text.replace(value, MASK)
    return text


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
