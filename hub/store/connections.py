"""Connections: a named, configured use of an adapter (options plus references to secrets)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from hub.errors import ConfigError
from hub.model.ids import new_id, utcnow
from hub.store.tables import connections


@dataclass(frozen=True)
class ConnectionRecord:
    name: str
    adapter: str
    channel: str
    tenant: str = "default"
    options: dict[str, Any] = field(default_factory=dict)
    secret_refs: dict[str, str] = field(default_factory=dict)  # config key -> environment variable
    enabled: bool = True
    disabled_reason: str | None = None

    def public_dict(self) -> dict[str, Any]:
        """What may be shown: secret references are variable names, never values."""
        return {
            "name": self.name,
            "adapter": self.adapter,
            "channel": self.channel,
            "options": self.options,
            "secrets": {k: f"${v}" for k, v in self.secret_refs.items()},
            "enabled": self.enabled,
            "disabled_reason": self.disabled_reason,
        }


def _record(row: Any) -> ConnectionRecord:
    return ConnectionRecord(
        name=row.name,
        adapter=row.adapter,
        channel=row.channel,
        tenant=row.tenant,
        options=dict(row.options or {}),
        secret_refs=dict(row.secret_refs or {}),
        enabled=bool(row.enabled),
        disabled_reason=row.disabled_reason,
    )


def add_connection(conn: Connection, record: ConnectionRecord, *, replace: bool = False) -> None:
    existing = get_connection(conn, record.tenant, record.name, missing_ok=True)
    values = {
        "adapter": record.adapter,
        "channel": record.channel,
        "options": record.options,
        "secret_refs": record.secret_refs,
        "enabled": 1 if record.enabled else 0,
        "disabled_reason": record.disabled_reason,
    }
    if existing is not None:
        if not replace:
            raise ConfigError(f"connection {record.name!r} already exists")
        conn.execute(
            connections.update()
            .where(connections.c.tenant == record.tenant, connections.c.name == record.name)
            .values(**values)
        )
        return
    conn.execute(
        connections.insert().values(
            id=new_id("con"), tenant=record.tenant, name=record.name, created_at=utcnow(), **values
        )
    )


def get_connection(conn: Connection, tenant: str, name: str, *, missing_ok: bool = False) -> ConnectionRecord | None:
    row = conn.execute(select(connections).where(connections.c.tenant == tenant, connections.c.name == name)).first()
    if row is None:
        if missing_ok:
            return None
        known = [r.name for r in list_connections(conn, tenant)]
        raise ConfigError(f"no connection named {name!r}; known: {', '.join(known) or 'none'}")
    return _record(row)


def list_connections(conn: Connection, tenant: str) -> list[ConnectionRecord]:
    rows = conn.execute(select(connections).where(connections.c.tenant == tenant).order_by(connections.c.name))
    return [_record(r) for r in rows]


def set_enabled(conn: Connection, tenant: str, name: str, enabled: bool, reason: str | None = None) -> None:
    """Stop (or restart) a connection, e.g. after a ConfigError from its sink."""
    conn.execute(
        connections.update()
        .where(connections.c.tenant == tenant, connections.c.name == name)
        .values(enabled=1 if enabled else 0, disabled_reason=None if enabled else reason)
    )
