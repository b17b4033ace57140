"""A throwaway hub around one adapter: SQLite store, one-adapter registry, one connection, a pipeline."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select

from hub.context import HubContext
from hub.pipeline.runner import Pipeline
from hub.plugins.capabilities import Capability
from hub.plugins.config import build_config
from hub.plugins.manifest import Adapter, ConnectionContext
from hub.plugins.registry import Registry
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.tables import inbox, metadata
from hub.testing.databases import sqlite_database

CONNECTION = "conformance"
DEFAULT_CHANNEL = "conformance:channel"
RECEIVE_ORDER = (Capability.FILE_PARSER, Capability.WEBHOOK_RECEIVER, Capability.POLLER)
TRANSPORT = {Capability.FILE_PARSER: "file", Capability.WEBHOOK_RECEIVER: "webhook", Capability.POLLER: "poll"}


def secret_env_var(field_name: str) -> str:
    return "HUB_CONFORMANCE_" + re.sub(r"[^A-Z0-9]", "_", field_name.upper())


@dataclass(frozen=True)
class ConfigInput:
    """Connection options split the way the hub stores them: plain options, secret refs, and the environment."""

    options: dict[str, Any] = field(default_factory=dict)
    secret_refs: dict[str, str] = field(default_factory=dict)
    environ: dict[str, str] = field(default_factory=dict)

    @classmethod
    def split(cls, adapter: Adapter, values: Mapping[str, Any]) -> ConfigInput:
        """Move secret fields out of `values` into environment variables referenced by name."""
        secrets = set(adapter.secret_fields())
        options = {k: v for k, v in values.items() if k not in secrets}
        refs = {k: secret_env_var(k) for k in values if k in secrets}
        environ = {secret_env_var(k): str(v) for k, v in values.items() if k in secrets}
        return cls(options, refs, environ)

    def build(self, adapter: Adapter) -> BaseModel:
        return build_config(
            adapter.config,
            self.options,
            self.secret_refs,
            adapter=adapter.name,
            connection=CONNECTION,
            environ=self.environ,
        )


def receive_capability(adapter: Adapter) -> Capability | None:
    """The capability the kit parses fixtures with: file parser, else webhook receiver, else poller."""
    for cap in RECEIVE_ORDER:
        if cap in adapter.capabilities:
            return cap
    return None


def connection_context(home: Path, channel: str = DEFAULT_CHANNEL) -> ConnectionContext:
    return ConnectionContext(connection=CONNECTION, channel=channel, hub_home=home)


@dataclass
class Hub:
    """What `temporary_hub` yields."""

    ctx: HubContext
    pipeline: Pipeline
    connection: str
    channel: str

    def counts(self) -> dict[str, int]:
        """Rows per table (connections and the raw inbox excepted), plus processed inbox messages."""
        out: dict[str, int] = {}
        with read_only(self.ctx.engine) as conn:
            for table in metadata.sorted_tables:
                if table.name in {"inbox", "connections"}:
                    continue
                out[table.name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
            out["inbox[processed]"] = conn.execute(
                select(func.count()).select_from(inbox).where(inbox.c.status == "processed")
            ).scalar_one()
        return out

    def inbox_row(self, message_id: str) -> Any:
        with read_only(self.ctx.engine) as conn:
            return conn.execute(select(inbox).where(inbox.c.id == message_id)).one()


@contextmanager
def temporary_hub(
    adapter: Adapter, values: Mapping[str, Any], folder: Path, *, channel: str = DEFAULT_CHANNEL
) -> Iterator[Hub]:
    """A migrated SQLite hub in `folder` whose registry holds only `adapter`, with one connection to it."""
    config_input = ConfigInput.split(adapter, values)
    registry = Registry()
    registry.register(adapter)
    home = folder / "home"
    home.mkdir(parents=True, exist_ok=True)
    with sqlite_database(folder) as engine:
        ctx = HubContext(engine=engine, registry=registry, home=home, environ=dict(config_input.environ))
        with engine.begin() as conn:
            add_connection(
                conn,
                ConnectionRecord(
                    name=CONNECTION,
                    adapter=adapter.name,
                    channel=channel,
                    tenant=ctx.tenant,
                    options=config_input.options,
                    secret_refs=config_input.secret_refs,
                ),
            )
        yield Hub(ctx=ctx, pipeline=Pipeline(ctx), connection=CONNECTION, channel=channel)
