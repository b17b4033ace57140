"""Webhook storm against the real hub on loopback, SQLite and PostgreSQL: `hub serve` (the API, and the worker
process it starts), and the split shape (`hub api` + `hub worker` processes).

2,000 Shopify orders x 5 deliveries against `hub serve` (400 against the split shape), shuffled: every update
of an order once (older revisions often after newer ones), plus a redelivery (same X-Shopify-Event-Id) or a
forgery (tampered body) of one of them. Once the worker has drained the inbox, exactly those orders exist,
each at its newest revision, every redelivery was answered `duplicate`, every forgery 401 and counted. Then
the reconciliation poll (Shopify's Admin API simulated at the transport) brings every order again at its
newest version: all duplicates, still one order each. The figures (requests/s, latency) are
bench/webhooks.py's job.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import respx
from sqlalchemy import Engine, func, select

from adapters.shopify.simulator import FakeShop
from bench.webhooks import (
    CONNECTION,
    FIRST_ID,
    SECRET_ENV,
    SHOP,
    TOKEN,
    add_storm_connection,
    check,
    graphql_node,
    running_hub,
    send,
    storm,
    wait_drained,
)
from hub.context import HubContext
from hub.pipeline.runner import Pipeline
from hub.plugins.registry import Registry
from hub.scheduler.polling import poll_connection
from hub.store.db import read_only
from hub.store.tables import orders
from hub.testing.databases import postgres_url

ORDERS = 400
ORDERS_BY_LAYOUT = {"serve": 2000, "split": ORDERS}
"""`hub serve` takes the issue's whole storm (10,000 deliveries); the split shape a fifth of it."""


def test_the_storm_is_shuffled_as_promised() -> None:
    deliveries = storm(ORDERS)
    assert len(deliveries) == ORDERS * 5
    kinds = {kind: sum(d.kind == kind for d in deliveries) for kind in ("new", "dup", "forged")}
    assert kinds["new"] == ORDERS * 4 and kinds["dup"] > 0 and kinds["forged"] > 0
    seen: dict[str, int] = {}
    late = 0
    for d in deliveries:
        if d.kind == "new":
            late += d.version < seen.get(d.external_id, -1)
            seen[d.external_id] = max(seen.get(d.external_id, -1), d.version)
    assert late > ORDERS // 2  # many older revisions arrive after a newer one


def run_storm(engine: Engine, url: str, schema: str | None, home: Path, layout: str) -> None:
    add_storm_connection(engine)
    deliveries = storm(ORDERS_BY_LAYOUT[layout])
    with running_hub(url, home, schema=schema, serve=layout == "serve") as hub:
        report = send(hub.base, deliveries, threads=6)
        assert wait_drained(engine, timeout=240), "the worker did not drain the inbox"
    assert check(engine, deliveries, report) == []
    poll_again(engine, home, deliveries)


def poll_again(engine: Engine, home: Path, deliveries: list) -> None:
    """The same orders by the reconciliation poll: business-key dedup makes them duplicates of the webhooks'."""
    newest: dict[int, int] = {}
    for d in deliveries:
        if d.kind == "new":
            index = int(d.external_id) - FIRST_ID
            newest[index] = max(newest.get(index, -1), d.version)
    shop = FakeShop(shop=SHOP, token=TOKEN)
    for index, version in newest.items():
        shop.add_order(graphql_node(index, version))
    ctx = HubContext(engine=engine, registry=Registry.discover(), home=home, environ=dict(SECRET_ENV))
    with respx.mock(assert_all_mocked=True) as router:
        router.post(f"https://{SHOP}/admin/api/2026-10/graphql.json").mock(side_effect=shop.handle)
        report = poll_connection(ctx, CONNECTION, page_limit=100, max_pages=50)
    assert report.stopped is None and report.error is None, report
    assert report.messages == len(newest)
    outcomes = Pipeline(ctx).drain()
    assert len(outcomes) == len(newest) and {o.status.value for o in outcomes} == {"duplicate"}
    with read_only(engine) as conn:
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == len(newest)


@pytest.mark.parametrize("layout", ["serve", "split"])
def test_storm_on_sqlite(sqlite_engine: Engine, tmp_path: Path, layout: str) -> None:
    run_storm(sqlite_engine, str(sqlite_engine.url), None, tmp_path / "home", layout)


@pytest.mark.postgres
@pytest.mark.parametrize("layout", ["serve", "split"])
def test_storm_on_postgresql(tmp_path: Path, layout: str) -> None:
    from hub.testing.databases import postgres_database
    from tests.conftest import require_postgres

    require_postgres()
    with postgres_database() as (engine, schema):
        run_storm(engine, postgres_url(), schema, tmp_path / "home", layout)
