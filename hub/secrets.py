"""Secret values of a connection, and text with them blanked out (dead letters, CLI output)."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, SecretStr

from hub.context import HubContext
from hub.errors import HubError
from hub.plugins.config import resolve_secret
from hub.store.connections import ConnectionRecord


def secret_values(ctx: HubContext, record: ConnectionRecord, *, min_length: int = 1) -> list[str]:
    """The values of a connection's secrets, longest first: its resolved references and its config's
    SecretStr fields. Values shorter than `min_length` are left out (masking "a" would mangle text)."""
    found: set[str] = set()
    for env_var in record.secret_refs.values():
        value = resolve_secret(env_var, environ=ctx.environ, secrets_file=ctx.secrets_file)
        if value:
            found.add(value)
    try:
        config: BaseModel | None = ctx.config_for(record)
    except HubError:
        config = None  # no config can be built: the references resolved above are all the values there are
    if config is not None:
        found |= set(_secret_strings(config))
    return sorted((v for v in found if len(v) >= min_length), key=len, reverse=True)


def redact(text: str, secrets: Iterable[str], mask: str = "***") -> str:
    """`text` with every secret value replaced by `mask`, longest value first."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, mask)
    return text


def _secret_strings(model: BaseModel) -> Iterable[str]:
    for name in type(model).model_fields:
        value = getattr(model, name, None)
        if isinstance(value, SecretStr):
            yield value.get_secret_value()
        elif isinstance(value, BaseModel):
            yield from _secret_strings(value)
