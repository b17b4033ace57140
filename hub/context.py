"""The hub's runtime context: database, adapter registry, tenant, HUB_HOME, and built capabilities."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Engine

from hub.errors import ConfigError, UnknownAdapter
from hub.partners.directory import PartnerDirectory
from hub.partners.store import directory_for
from hub.plugins.capabilities import Capability
from hub.plugins.config import build_config
from hub.plugins.manifest import ConnectionContext
from hub.plugins.registry import Registry, default_registry
from hub.scheduler.schedule import SCHEDULE_OPTIONS
from hub.store.connections import ConnectionRecord, get_connection, list_connections
from hub.store.db import hub_home, make_engine

HUB_OPTIONS = frozenset({"publish_stock", "max_webhook_bytes"}) | SCHEDULE_OPTIONS
"""Connection options the hub itself reads; they are not passed to the adapter's config."""


@dataclass
class HubContext:
    """Everything a worker, the CLI or the API needs to act for one tenant."""

    engine: Engine
    registry: Registry
    tenant: str = "default"
    home: Path = field(default_factory=hub_home)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ, repr=False)  # holds secrets
    _built: dict[tuple[str, Capability], Any] = field(default_factory=dict, repr=False)
    _partners: PartnerDirectory | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, *, engine: Engine | None = None, registry: Registry | None = None) -> HubContext:
        return cls(
            engine=engine or make_engine(),
            registry=registry or default_registry(),
            tenant=os.environ.get("HUB_TENANT", "default"),
        )

    def for_tenant(self, tenant: str) -> HubContext:
        """This hub (database, registry, home, environment) acting for `tenant`: itself when it already does, else
        a new context with nothing built yet (callers that serve many tenants keep one per tenant)."""
        if tenant == self.tenant:
            return self
        return HubContext(
            engine=self.engine, registry=self.registry, tenant=tenant, home=self.home, environ=self.environ
        )

    @property
    def partners(self) -> PartnerDirectory:
        """The tenant's trading partners (stored and `partners/*.yaml`), shared by every built capability."""
        if self._partners is None:
            self._partners = directory_for(self.engine, self.tenant)
        return self._partners

    @property
    def secrets_file(self) -> Path:
        return Path(self.environ.get("HUB_SECRETS_FILE", str(self.home / "secrets.env")))

    def connection(self, conn: Connection, name: str) -> ConnectionRecord:
        record = get_connection(conn, self.tenant, name)
        assert record is not None
        return record

    def connections(self, conn: Connection) -> list[ConnectionRecord]:
        return list_connections(conn, self.tenant)

    def capability(self, record: ConnectionRecord, capability: Capability) -> Any:
        """The adapter object that provides `capability` for a connection (built once, then cached)."""
        key = (record.name, capability)
        if key not in self._built:
            adapter = self.registry.get(record.adapter)
            if capability not in adapter.capabilities:
                raise ConfigError(f"connection {record.name!r} (adapter {adapter.name}) has no {capability}")
            config = self.config_for(record)
            ctx = ConnectionContext(
                connection=record.name,
                channel=record.channel,
                tenant=self.tenant,
                hub_home=self.home,
                options=dict(record.options),
                partners=self.partners,
            )
            self._built[key] = adapter.build(capability, config, ctx)
        return self._built[key]

    def config_for(self, record: ConnectionRecord) -> BaseModel:
        """The adapter's frozen config for a connection: its options (less the hub's own) and resolved secrets."""
        adapter = self.registry.get(record.adapter)
        return build_config(
            adapter.config,
            {k: v for k, v in record.options.items() if k not in HUB_OPTIONS},
            record.secret_refs,
            adapter=adapter.name,
            connection=record.name,
            environ=self.environ,
            secrets_file=self.secrets_file,
        )

    def forget(self, connection: str) -> None:
        """Drop the built capabilities of a connection (after it is stopped, re-configured or re-enabled)."""
        for key in [k for k in self._built if k[0] == connection]:
            del self._built[key]

    def offers(self, record: ConnectionRecord, capability: Capability) -> bool:
        """Whether the connection's adapter offers `capability` (False when the adapter is not installed)."""
        try:
            return capability in self.registry.get(record.adapter).capabilities
        except UnknownAdapter:
            return False
