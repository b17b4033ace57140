"""Keeping secrets out of dead letters: an error's text with the connection's secret values blanked out."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, SecretStr

from hub.context import HubContext
from hub.errors import HubError
from hub.plugins.config import build_config, resolve_secret
from hub.store.connections import ConnectionRecord

REDACTED = "***"
MAX_ERROR_CHARS = 2000


def error_text(error: BaseException, secrets: Iterable[str] = ()) -> str:
    """What may be stored and logged about `error`: a HubError's message only (a plain exception's
    type and text), with every secret value replaced, cut to MAX_ERROR_CHARS."""
    text = error.message if isinstance(error, HubError) else f"{type(error).__name__}: {error}"
    return redact(text, secrets)[:MAX_ERROR_CHARS]


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def secret_values(ctx: HubContext, record: ConnectionRecord) -> list[str]:
    """The values of a connection's secrets: its resolved references and its config's SecretStr fields."""
    found: set[str] = set()
    for env_var in record.secret_refs.values():
        value = resolve_secret(env_var, environ=ctx.environ, secrets_file=ctx.secrets_file)
        if value:
            found.add(value)
    try:
        adapter = ctx.registry.get(record.adapter)
        config = build_config(
            adapter.config,
            record.options,
            record.secret_refs,
            adapter=adapter.name,
            connection=record.name,
            environ=ctx.environ,
            secrets_file=ctx.secrets_file,
        )
        found |= set(_secret_strings(config))
    except Exception:  # the config cannot be built: the resolved references above are all there is
        pass
    return sorted((s for s in found if s), key=len, reverse=True)


def _secret_strings(model: BaseModel) -> Iterable[str]:
    for name in type(model).model_fields:
        value = getattr(model, name, None)
        if isinstance(value, SecretStr):
            yield value.get_secret_value()
        elif isinstance(value, BaseModel):
            yield from _secret_strings(value)
