"""API tokens: created once (the plaintext is shown once), stored as a SHA-256 hash, revocable.

A token reads `hub_<id part>_<secret>`: the id part finds the row, the whole token is compared by hash in
constant time. Random 32-byte secrets make a plain SHA-256 enough (no password stretching needed).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, or_, select
from sqlalchemy.exc import SQLAlchemyError

from hub.auth.roles import Principal, Role
from hub.errors import ConfigError
from hub.model.ids import new_id, utcnow
from hub.store.db import read_only
from hub.store.tables import api_tokens

log = logging.getLogger(__name__)

USE_RESOLUTION = timedelta(minutes=1)
"""How exact a token's `last_used_at` is: it is written at most this often."""

_TOKEN = re.compile(r"^hub_(tok_[0-9A-Z]{26})_([A-Za-z0-9_-]{20,100})$")
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class TokenRecord:
    """A token as listed: never its secret nor its hash."""

    id: str
    tenant: str
    role: Role
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, tenant: str, role: Role | str, name: str) -> str:
    """Store a new token for `tenant` with `role`; returns the plaintext, which is not stored anywhere."""
    if not _TENANT.match(tenant or ""):
        raise ConfigError(f"invalid tenant {tenant!r}")
    try:
        role = Role(role)
    except ValueError:
        raise ConfigError(f"unknown role {role!r} (one of: {', '.join(r.value for r in Role)})") from None
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ConfigError("a token needs a name of 1 to 100 characters")
    token_id = new_id("tok")
    plaintext = f"hub_{token_id}_{secrets.token_urlsafe(32)}"
    with engine.begin() as conn:
        conn.execute(
            api_tokens.insert().values(
                id=token_id,
                tenant=tenant,
                role=role.value,
                name=name,
                token_sha256=_hash(plaintext),
                created_at=utcnow(),
            )
        )
    return plaintext


def token_id_of(token: str) -> str | None:
    """The id part of a token as `create_token` returns it (what `hub tokens revoke` takes), or None."""
    match = _TOKEN.match((token or "").strip())
    return match.group(1) if match else None


def authenticate(engine: Engine, presented: str, *, now: datetime | None = None) -> Principal | None:
    """The principal for a presented token, or None when it is malformed, unknown or revoked.

    A token's `last_used_at` is written when it authenticates, at most once per USE_RESOLUTION (a script
    calling the API in a loop does not write on every request); failing to write it does not refuse the token.
    """
    match = _TOKEN.match((presented or "").strip())
    if match is None:
        return None
    with read_only(engine) as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.id == match.group(1))).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.token_sha256, _hash(match.group(0))):
        return None
    now = now or utcnow()
    if row.last_used_at is None or now - row.last_used_at >= USE_RESOLUTION:
        _record_use(engine, row.id, now)
    return Principal(tenant=row.tenant, role=Role(row.role), token_id=row.id, name=row.name)


def _record_use(engine: Engine, token_id: str, now: datetime) -> None:
    t = api_tokens.c
    stale = or_(t.last_used_at.is_(None), t.last_used_at <= now - USE_RESOLUTION)
    try:
        with engine.begin() as conn:
            conn.execute(api_tokens.update().where(t.id == token_id, stale).values(last_used_at=now))
    except SQLAlchemyError as exc:
        log.warning("token %s: its use at %s was not recorded: %s", token_id, now.isoformat(), type(exc).__name__)


def revoke_token(engine: Engine, token_id: str) -> bool:
    """Revoke a token; False when there is no such active token."""
    with engine.begin() as conn:
        result = conn.execute(
            api_tokens.update()
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    return result.rowcount == 1


def list_tokens(conn: Connection, tenant: str | None = None) -> list[TokenRecord]:
    """Tokens (all tenants, or one), oldest first; secrets are never stored, so never shown."""
    query = select(api_tokens).order_by(api_tokens.c.id)
    if tenant is not None:
        query = query.where(api_tokens.c.tenant == tenant)
    return [
        TokenRecord(
            id=row.id,
            tenant=row.tenant,
            role=Role(row.role),
            name=row.name,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )
        for row in conn.execute(query)
    ]
