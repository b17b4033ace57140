"""HubContext: one hub acting for a tenant; another tenant's context shares the hub but nothing built."""

from __future__ import annotations

from hub.context import HubContext
from hub.plugins import Capability
from hub.store.connections import ConnectionRecord, add_connection


def test_for_tenant_shares_the_hub_and_keeps_built_capabilities_apart(hub_ctx: HubContext) -> None:
    assert hub_ctx.for_tenant(hub_ctx.tenant) is hub_ctx
    other = hub_ctx.for_tenant("globex")
    assert other.tenant == "globex" and other is not hub_ctx
    assert (other.engine, other.registry, other.home, other.environ) == (
        hub_ctx.engine,
        hub_ctx.registry,
        hub_ctx.home,
        hub_ctx.environ,
    )
    record = ConnectionRecord(name="files", adapter="test_json", channel="files:x")
    with hub_ctx.engine.begin() as conn:
        add_connection(conn, record)
    mine = hub_ctx.capability(record, Capability.FILE_PARSER)
    assert hub_ctx.capability(record, Capability.FILE_PARSER) is mine  # built once per context
    assert other.capability(record, Capability.FILE_PARSER) is not mine
