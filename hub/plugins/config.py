"""Build an adapter's frozen config from connection options and secrets, never echoing secret values."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ValidationError

from hub.errors import ConfigError


def read_secrets_file(path: Path) -> dict[str, str]:
    """Parse a KEY=VALUE secrets file (blank lines and # comments ignored)."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def resolve_secret(
    env_var: str, *, environ: Mapping[str, str] | None = None, secrets_file: Path | None = None
) -> str | None:
    """The value of a secret reference: the environment first, then the secrets file."""
    env = os.environ if environ is None else environ
    if env_var in env:
        return env[env_var]
    if secrets_file is not None:
        return read_secrets_file(secrets_file).get(env_var)
    return None


def build_config(
    model: type[BaseModel],
    options: Mapping[str, object],
    secret_refs: Mapping[str, str],
    *,
    adapter: str,
    connection: str,
    environ: Mapping[str, str] | None = None,
    secrets_file: Path | None = None,
) -> BaseModel:
    """Validate options plus resolved secrets into `model`; errors name fields, never values."""
    data: dict[str, object] = dict(options)
    for key, env_var in secret_refs.items():
        value = resolve_secret(env_var, environ=environ, secrets_file=secrets_file)
        if value is None:
            raise ConfigError(
                f"connection {connection!r}: secret {key!r} expects environment variable {env_var} "
                f"(or an entry in the secrets file), which is not set"
            )
        data[key] = value
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            f"connection {connection!r} (adapter {adapter}): invalid config: " + describe_validation_error(exc)
        ) from None


def describe_validation_error(exc: ValidationError) -> str:
    """A one-line summary of a pydantic error that never includes the input values."""
    parts = []
    for err in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in err.get("loc", ())) or "(root)"
        parts.append(f"{where}: {err.get('msg')}")
    return "; ".join(parts)
