"""The intake's cache of connections: one look-up per miss or expiry however many deliveries ask, stale entries
served while the refresh runs, changes and removals seen once it has."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from fastapi import HTTPException
from sqlalchemy import Engine, delete, event

from hub.api.webhooks import Ready, WebhookIntake
from hub.context import HubContext
from hub.errors import HubError
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.tables import connections
from tests.test_webhook_intake import add_intake_connections, order_body, sign

REFS = {"webhook_secret": "INTAKE_SECRET"}


class Reads:
    """Counts the statements that read the connections table on an engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM connections" in statement:
            self.count += 1

    def stop(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


@pytest.fixture
def reads(hub_ctx: HubContext) -> Iterator[Reads]:
    add_intake_connections(hub_ctx)
    counter = Reads(hub_ctx.engine)
    yield counter
    counter.stop()


def run(ctx: HubContext, scenario: Callable[[WebhookIntake], Awaitable[Any]], **options: float) -> Any:
    """Play `scenario` against a fresh intake on an event loop of its own, closing the intake after."""
    intake = WebhookIntake(ctx, **options)

    async def main() -> Any:
        return await scenario(intake)

    try:
        return asyncio.run(main())
    finally:
        intake.close()


def replace_shop(ctx: HubContext, refs: dict[str, str] = REFS, **options: Any) -> None:
    with ctx.engine.begin() as conn:
        add_connection(
            conn,
            ConnectionRecord(name="shop", adapter="test_intake", channel="shop:a", secret_refs=refs, options=options),
            replace=True,
        )


async def settled(intake: WebhookIntake, name: str, timeout: float = 5.0) -> Ready:
    """What `resolve` gives once no refresh of `name` is under way."""
    deadline = asyncio.get_running_loop().time() + timeout
    while intake._loading.get(name) is not None:
        assert asyncio.get_running_loop().time() < deadline, "the refresh never finished"
        await asyncio.sleep(0.005)
    return await intake.resolve(name)


def test_deliveries_arriving_together_for_an_unread_connection_share_one_look_up(
    hub_ctx: HubContext, reads: Reads
) -> None:
    async def scenario(intake: WebhookIntake) -> list[Ready]:
        return list(await asyncio.gather(*(intake.resolve("shop") for _ in range(25))))

    entries = run(hub_ctx, scenario)
    assert reads.count == 1
    assert len({id(entry) for entry in entries}) == 1
    assert entries[0].record.name == "shop"


def test_a_fresh_entry_costs_no_look_up(hub_ctx: HubContext, reads: Reads) -> None:
    async def scenario(intake: WebhookIntake) -> None:
        first = await intake.resolve("shop")
        for _ in range(50):
            assert await intake.resolve("shop") is first

    run(hub_ctx, scenario, ttl=60.0)
    assert reads.count == 1


def test_unknown_connections_are_not_remembered_so_one_added_is_seen_at_once(hub_ctx: HubContext, reads: Reads) -> None:
    async def scenario(intake: WebhookIntake) -> Ready:
        for attempt in range(2):
            with pytest.raises(HTTPException) as missing:
                await intake.resolve("later")
            assert missing.value.status_code == 404
            assert reads.count == attempt + 1
        with hub_ctx.engine.begin() as conn:
            add_connection(conn, ConnectionRecord(name="later", adapter="test_intake", channel="x:y", secret_refs=REFS))
        return await intake.resolve("later")

    assert run(hub_ctx, scenario, ttl=60.0).record.channel == "x:y"


def test_an_expired_entry_is_served_while_a_single_refresh_reads_the_change(hub_ctx: HubContext, reads: Reads) -> None:
    body = order_body()

    async def scenario(intake: WebhookIntake) -> tuple[Ready, list[Ready], Ready]:
        first = await intake.resolve("shop")
        hub_ctx.environ = {**hub_ctx.environ, "ROTATED_SECRET": "rotated-secret"}
        replace_shop(hub_ctx, {"webhook_secret": "ROTATED_SECRET"}, max_webhook_bytes=123)
        before = reads.count
        await asyncio.sleep(0.06)
        during = list(await asyncio.gather(*(intake.resolve("shop") for _ in range(25))))
        after = await settled(intake, "shop")
        assert reads.count == before + 1, "one refresh however many deliveries found the entry expired"
        return first, during, after

    first, during, after = run(hub_ctx, scenario, ttl=0.05)
    assert all(entry is first for entry in during), "the expired entry answers while the refresh runs"
    assert after.record.options == {"max_webhook_bytes": 123}
    after.receiver.verify({"x-shopify-hmac-sha256": sign(body, "rotated-secret")}, body)
    with pytest.raises(HubError):
        after.receiver.verify({"x-shopify-hmac-sha256": sign(body)}, body)


def test_a_removed_connection_is_404_once_the_refresh_has_read_it(hub_ctx: HubContext, reads: Reads) -> None:
    async def scenario(intake: WebhookIntake) -> None:
        first = await intake.resolve("shop")
        with hub_ctx.engine.begin() as conn:
            conn.execute(delete(connections).where(connections.c.name == "shop"))
        await asyncio.sleep(0.06)
        assert await intake.resolve("shop") is first
        with pytest.raises(HTTPException) as gone:
            await settled(intake, "shop")
        assert gone.value.status_code == 404

    run(hub_ctx, scenario, ttl=0.05)


def test_an_entry_past_max_stale_is_not_served_deliveries_wait_for_the_read(hub_ctx: HubContext, reads: Reads) -> None:
    async def scenario(intake: WebhookIntake) -> tuple[Ready, Ready]:
        first = await intake.resolve("shop")
        replace_shop(hub_ctx, max_webhook_bytes=77)
        await asyncio.sleep(0.08)
        return first, await intake.resolve("shop")

    first, second = run(hub_ctx, scenario, ttl=0.02, max_stale=0.05)
    assert second is not first
    assert second.record.options == {"max_webhook_bytes": 77}


def test_a_connection_broken_since_its_last_read_is_503_after_the_refresh(hub_ctx: HubContext, reads: Reads) -> None:
    async def scenario(intake: WebhookIntake) -> int:
        await intake.resolve("shop")
        replace_shop(hub_ctx, {"webhook_secret": "NOT_SET_ANYWHERE"})
        await asyncio.sleep(0.06)
        await intake.resolve("shop")
        with pytest.raises(HTTPException) as broken:
            await settled(intake, "shop")
        return broken.value.status_code

    assert run(hub_ctx, scenario, ttl=0.05) == 503
