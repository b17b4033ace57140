"""The SOAP WMS through the whole hub (SQLite and PostgreSQL), against the Peoplevox-shaped simulator on a loopback
port: an order allocated to the SOAP node is released with SaveData, its despatch comes back through GetData and
becomes a shipment, and the warehouse's stock levels update the ledger. Then the failures: the server down, slow,
refusing the login, busy, refusing one order's data: nothing lost, nothing duplicated, and the state visible in
the outbox and inbox as `hub messages list` shows them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from adapters.soap_wms import ADAPTER
from fixtures.soap_wms.peoplevox_sim import PeoplevoxSimulator
from hub.allocation.ledger import set_node, set_on_hand
from hub.context import HubContext
from hub.errors import HubError
from hub.model.ids import utcnow
from hub.outbox.worker import OutboxWorker
from hub.pipeline.ingest import ingest_bytes
from hub.pipeline.runner import Pipeline
from hub.plugins.registry import Registry
from hub.scheduler.cursors import load_cursor
from hub.scheduler.polling import poll_connection
from hub.store import queries
from hub.store.connections import ConnectionRecord, add_connection, get_connection, set_enabled
from hub.store.db import read_only
from hub.store.tables import shipments
from tests.support.adapters import TEST_ADAPTER
from tests.test_soap_wms_client import PASSWORD, free_port, pvx_options

SECRET_ENV = "PVX_BERLIN_PASSWORD"


@pytest.fixture
def sim() -> Iterator[PeoplevoxSimulator]:
    simulator = PeoplevoxSimulator(client_id="acme", username="hub", password=PASSWORD)
    simulator.start()
    simulator.set_stock("MUG-BLUE", 10)
    simulator.set_stock("TSHIRT-RED-M", 5)
    try:
        yield simulator
    finally:
        simulator.stop()


def build_hub(
    engine: Engine, home: Path, url: str, *, password: str = PASSWORD, **extra: Any
) -> tuple[HubContext, Pipeline]:
    registry = Registry()
    registry.register(ADAPTER)
    registry.register(TEST_ADAPTER)
    ctx = HubContext(engine=engine, registry=registry, home=home, environ={SECRET_ENV: password})
    options = {k: v for k, v in pvx_options(url, **extra).items() if k != "password"}
    with engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="shop", adapter="test_json", channel="shop"))
        for name, poll in (("pvx", "despatches"), ("pvx-stock", "stock")):
            add_connection(
                conn,
                ConnectionRecord(
                    name=name,
                    adapter="soap_wms",
                    channel="pvx:berlin",
                    options={**options, "poll": poll},
                    secret_refs={"password": SECRET_ENV},
                ),
            )
        set_node(conn, ctx.tenant, "BER", priority=1, connection="pvx")
        set_on_hand(conn, ctx.tenant, "BER", "MUG-BLUE", Decimal(10))
        set_on_hand(conn, ctx.tenant, "BER", "TSHIRT-RED-M", Decimal(5))
    return ctx, Pipeline(ctx)


def order_json(external_id: str = "1001", sku: str = "MUG-BLUE", quantity: int = 2) -> bytes:
    return json.dumps(
        {
            "external_id": external_id,
            "currency": "EUR",
            "placed_at": "2026-12-01T09:00:00+00:00",
            "ship_to": {"name": "Ada Lovelace", "country_code": "DE", "postal_code": "10115", "city": "Berlin"},
            "lines": [{"line_no": 1, "sku": sku, "quantity": quantity, "unit_price": "9.90"}],
        }
    ).encode()


def place(pipeline: Pipeline, ctx: HubContext, external_id: str = "1001", **kw: Any) -> str:
    report = ingest_bytes(pipeline, order_json(external_id, **kw), connection="shop", filename=f"{external_id}.json")
    assert report.status == "accepted", report.errors
    with read_only(ctx.engine) as conn:
        order = queries.get_order(conn, ctx.tenant, external_id)
    assert order["status"] == "allocated"
    return order["id"]


def order_status(ctx: HubContext, key: str) -> str:
    with read_only(ctx.engine) as conn:
        return queries.get_order(conn, ctx.tenant, key)["status"]


def on_hand(ctx: HubContext) -> dict[str, Decimal]:
    with read_only(ctx.engine) as conn:
        return {r["sku"]: Decimal(r["on_hand"]) for r in queries.stock(conn, ctx.tenant) if r["node"] == "BER"}


def outbox(ctx: HubContext) -> list[dict[str, Any]]:
    with read_only(ctx.engine) as conn:
        return queries.list_outbox(conn, ctx.tenant)


def inbox(ctx: HubContext) -> list[dict[str, Any]]:
    with read_only(ctx.engine) as conn:
        return queries.list_inbox(conn, ctx.tenant)


def failed_poll(ctx: HubContext, name: str) -> str:
    """The error code of a poll that failed, whether the scheduler raises it or reports it."""
    try:
        report = poll_connection(ctx, name)
    except HubError as exc:
        return exc.code
    assert report.messages == 0 and report.error_code, report
    return report.error_code


def later(ctx: HubContext, hours: float = 1) -> OutboxWorker:
    """A worker whose clock is past every retry's backoff."""
    return OutboxWorker(ctx, clock=lambda: utcnow() + timedelta(hours=hours))


# -- the golden flow ---------------------------------------------------------------------------------------------


def test_release_despatch_and_stock_through_the_hub(engine: Engine, tmp_path: Path, sim: PeoplevoxSimulator) -> None:
    ctx, pipeline = build_hub(engine, tmp_path, sim.url)
    order_id = place(pipeline, ctx)

    # 1. the release goes out as SaveData (sales order, then its items), after a login
    results = OutboxWorker(ctx).drain(5)
    assert [(r.kind, r.outcome.value) for r in results] == [("order_release", "delivered")]
    assert sim.calls == ["Authenticate", "SaveData", "SaveData"]
    assert sim.released[order_id]["CustomerPurchaseOrderReferenceNumber"] == "1001"
    assert sim.released[order_id]["items"]["1"]["QuantityOrdered"] == "2"
    assert order_status(ctx, order_id) == "released"

    # 2. the warehouse despatches it; GetData brings the despatch back as a shipment
    sim.add_despatch(
        order_id, [("MUG-BLUE", 2)], carrier="DHL", tracking="JJD000390007", at=datetime.now(UTC) - timedelta(minutes=1)
    )
    report = poll_connection(ctx, "pvx")
    assert report.leased and report.messages == 1
    pipeline.run_once()
    assert order_status(ctx, order_id) == "shipped"
    with read_only(engine) as conn:
        (shipment,) = conn.execute(select(shipments)).all()
    assert (shipment.external_id, shipment.node, shipment.carrier, shipment.tracking) == (
        "DES1001",
        "BER",
        "DHL",
        ["JJD000390007"],
    )
    assert on_hand(ctx)["MUG-BLUE"] == 8

    # 3. a second poll finds nothing new; the cursor is saved with the closed lower bound and the boundary id
    assert poll_connection(ctx, "pvx").messages == 0
    with read_only(engine) as conn:
        cursor = load_cursor(conn, ctx.tenant, "pvx")
    assert cursor.seen_at_lower == {"DES1001"}

    # 4. stock levels: the warehouse counted 4 T-shirts (the hub had 5); the mugs agree (8)
    sim.set_stock("TSHIRT-RED-M", 4)
    assert poll_connection(ctx, "pvx-stock").messages == 1
    pipeline.run_once()
    assert on_hand(ctx) == {"MUG-BLUE": Decimal(8), "TSHIRT-RED-M": Decimal(4)}
    assert {m["status"] for m in inbox(ctx)} == {"processed"}
    assert poll_connection(ctx, "pvx-stock").messages == 0


def test_replayed_despatch_adds_nothing(sqlite_engine: Engine, tmp_path: Path, sim: PeoplevoxSimulator) -> None:
    """What the conformance kit's replay check proves for other adapters, with the order a despatch needs."""
    ctx, pipeline = build_hub(sqlite_engine, tmp_path, sim.url)
    order_id = place(pipeline, ctx)
    OutboxWorker(ctx).drain(5)
    sim.add_despatch(order_id, [("MUG-BLUE", 2)], at=datetime.now(UTC) - timedelta(minutes=1))
    poll_connection(ctx, "pvx")
    pipeline.run_once()
    (message,) = [m for m in inbox(ctx) if m["connection"] == "pvx"]
    with read_only(sqlite_engine) as conn:
        raw = queries.get_message(conn, ctx.tenant, message["id"])
    again = ingest_bytes(pipeline, bytes(raw["body"]), connection="pvx", filename="again.csv", transport="poll")
    assert again.status == "duplicate"
    with read_only(sqlite_engine) as conn:
        assert len(conn.execute(select(shipments)).all()) == 1
    assert on_hand(ctx)["MUG-BLUE"] == 8


# -- failures -------------------------------------------------------------------------------------------------------


def test_server_down_then_back(sqlite_engine: Engine, tmp_path: Path, sim: PeoplevoxSimulator) -> None:
    port = sim.port
    ctx, pipeline = build_hub(sqlite_engine, tmp_path, sim.url)
    order_id = place(pipeline, ctx)
    sim.stop()
    (result,) = OutboxWorker(ctx).drain(1)
    assert result.outcome.value == "retry"
    (row,) = outbox(ctx)
    assert (row["status"], row["attempts"], row["error"]["code"]) == ("pending", 1, "soap_unreachable")
    assert failed_poll(ctx, "pvx") == "soap_unreachable"
    with read_only(sqlite_engine) as conn:
        assert load_cursor(conn, ctx.tenant, "pvx").lower is None  # the failed poll moved nothing

    sim.start(port=port)
    (result,) = later(ctx).drain(1)
    assert result.outcome.value == "delivered"
    assert list(sim.released) == [order_id] and order_status(ctx, order_id) == "released"


def test_slow_server_times_out_and_nothing_is_duplicated(
    sqlite_engine: Engine, tmp_path: Path, sim: PeoplevoxSimulator
) -> None:
    ctx, pipeline = build_hub(sqlite_engine, tmp_path, sim.url, operation_timeout=0.3)
    order_id = place(pipeline, ctx)
    sim.slow_next(1.5, operation="SaveData")  # the sales order row lands, but too late for the hub to hear it
    (result,) = OutboxWorker(ctx).drain(1)
    assert result.outcome.value == "retry"
    assert outbox(ctx)[0]["error"]["code"] == "soap_timeout"
    (result,) = later(ctx).drain(1)
    assert result.outcome.value == "delivered"
    assert list(sim.released) == [order_id] and len(sim.released[order_id]["items"]) == 1
    assert sim.calls.count("SaveData") == 3  # order (timed out), order again, items


def test_refused_login_stops_the_connection_and_keeps_the_message(
    sqlite_engine: Engine, tmp_path: Path, sim: PeoplevoxSimulator
) -> None:
    ctx, pipeline = build_hub(sqlite_engine, tmp_path, sim.url, password="not-the-password")
    order_id = place(pipeline, ctx)
    (result,) = OutboxWorker(ctx).drain(1)
    assert result.outcome.value != "delivered"
    (row,) = outbox(ctx)
    assert row["status"] == "pending" and row["error"]["code"].startswith("soap_auth")
    assert "not-the-password" not in json.dumps(outbox(ctx))
    with read_only(sqlite_engine) as conn:
        record = get_connection(conn, ctx.tenant, "pvx")
    assert record.enabled is False and sim.released == {}

    # the poller of the stock connection is stopped the same way
    report = poll_connection(ctx, "pvx-stock")
    assert report.stopped and "Authentication failed" in report.stopped
    assert order_status(ctx, order_id) == "allocated"

    # fixed and re-enabled: the kept message goes out
    ctx.environ[SECRET_ENV] = PASSWORD
    ctx.forget("pvx")  # a fresh process would build its sinks anew
    with sqlite_engine.begin() as conn:
        set_enabled(conn, ctx.tenant, "pvx", True)
    (result,) = later(ctx).drain(1)
    assert result.outcome.value == "delivered" and list(sim.released) == [order_id]


def test_busy_server_is_retried_until_it_answers(
    sqlite_engine: Engine, tmp_path: Path, sim: PeoplevoxSimulator
) -> None:
    ctx, pipeline = build_hub(sqlite_engine, tmp_path, sim.url)
    order_id = place(pipeline, ctx)
    sim.fail_next("busy", operation="SaveData", times=2)
    assert OutboxWorker(ctx).drain(1)[0].outcome.value == "retry"
    assert later(ctx, 1).drain(1)[0].outcome.value == "retry"
    (row,) = outbox(ctx)
    assert (row["attempts"], row["error"]["code"]) == (2, "soap_busy:soap_Server")
    assert later(ctx, 5).drain(1)[0].outcome.value == "delivered"
    assert list(sim.released) == [order_id]


def test_refused_order_data_is_dead_lettered_and_the_next_order_goes(
    sqlite_engine: Engine, tmp_path: Path, sim: PeoplevoxSimulator
) -> None:
    ctx, pipeline = build_hub(sqlite_engine, tmp_path, sim.url)
    bad = place(pipeline, ctx, "1001")
    sim.fail_next("data", operation="SaveData")
    good = place(pipeline, ctx, "1002", sku="TSHIRT-RED-M", quantity=1)
    results = OutboxWorker(ctx).drain(5)
    assert sorted(r.outcome.value for r in results) == ["dead", "delivered"]
    rows = {r["idempotency_key"].split(":")[1]: r for r in outbox(ctx)}
    assert rows[bad]["status"] == "dead" and rows[bad]["error"]["code"] == "soap_refused:ResponseId_-1"
    assert "rejected by the warehouse" in rows[bad]["error"]["message"]
    assert rows[good]["status"] == "delivered" and list(sim.released) == [good]


def test_busy_poll_saves_no_cursor_and_the_next_poll_gets_the_despatch_once(
    sqlite_engine: Engine, tmp_path: Path, sim: PeoplevoxSimulator
) -> None:
    ctx, pipeline = build_hub(sqlite_engine, tmp_path, sim.url)
    order_id = place(pipeline, ctx)
    OutboxWorker(ctx).drain(5)
    sim.add_despatch(order_id, [("MUG-BLUE", 2)], at=datetime.now(UTC) - timedelta(minutes=1))
    sim.fail_next("busy", operation="GetData")
    assert failed_poll(ctx, "pvx").startswith("soap_busy")
    assert inbox(ctx) == [] or all(m["connection"] != "pvx" for m in inbox(ctx))
    assert poll_connection(ctx, "pvx").messages == 1
    assert poll_connection(ctx, "pvx").messages == 0
    pipeline.run_once()
    assert order_status(ctx, order_id) == "shipped"


def test_unknown_port_in_config_is_transient_not_config(sqlite_engine: Engine, tmp_path: Path) -> None:
    ctx, pipeline = build_hub(sqlite_engine, tmp_path, f"http://127.0.0.1:{free_port()}/x")
    place(pipeline, ctx)
    (result,) = OutboxWorker(ctx).drain(1)
    assert result.outcome.value == "retry"
    with read_only(sqlite_engine) as conn:
        assert get_connection(conn, ctx.tenant, "pvx").enabled is True


def test_states_show_in_hub_messages_list(cli: Any, home: Path, sim: PeoplevoxSimulator) -> None:
    from hub.testing.databases import sqlite_database

    home.mkdir(parents=True, exist_ok=True)
    with sqlite_database(home) as engine:  # the file `hub` commands open for this HUB_HOME
        ctx, pipeline = build_hub(engine, home, sim.url)
        refused = place(pipeline, ctx, "2001")
        waiting = place(pipeline, ctx, "2002", sku="TSHIRT-RED-M", quantity=1)
        sim.fail_next("data", operation="SaveData")  # the first release is refused
        sim.fail_next("busy", operation="SaveData")  # the second finds the server busy
        OutboxWorker(ctx).drain(2)
        sim.add_despatch(refused, [("MUG-BLUE", 2)], at=datetime.now(UTC) - timedelta(minutes=1))
        poll_connection(ctx, "pvx")
        pipeline.run_once()  # the inbox row of the despatch, processed
        engine.dispose()

    listed = json.loads(cli("messages", "list", "--box", "outbox", "--json").stdout)["messages"]
    by_order = {m["idempotency_key"].split(":")[1]: m for m in listed}
    assert by_order[refused]["status"] == "dead" and by_order[refused]["error"]["code"].startswith("soap_refused")
    assert by_order[waiting]["status"] == "pending" and by_order[waiting]["error"]["code"].startswith("soap_busy")
    inbox_rows = json.loads(cli("messages", "list", "--json").stdout)["messages"]
    (despatch,) = [m for m in inbox_rows if m["connection"] == "pvx"]
    assert despatch["status"] == "processed" and despatch["filename"] == "despatches-DES1001.csv"
    table = cli("messages", "list", "--box", "outbox").stdout
    assert "soap_refused" in table and PASSWORD not in table


def test_channel_cancellation_of_a_released_order_cancels_it_at_the_warehouse(
    engine: Engine, tmp_path: Path, sim: PeoplevoxSimulator
) -> None:
    """The shop cancels after the release: the hub cancels the order and sends the warehouse a release_cancel."""
    ctx, pipeline = build_hub(engine, tmp_path, sim.url)
    order_id = place(pipeline, ctx)
    assert [r.kind for r in OutboxWorker(ctx).drain(5)] == ["order_release"]
    assert order_status(ctx, order_id) == "released"
    cancel = {
        "doc_type": "cancellation",
        "external_id": "1001:cancel",
        "order_external_id": "1001",
        "reason": "customer changed their mind",
        "requested_at": "2026-12-01T10:00:00+00:00",
    }
    report = ingest_bytes(pipeline, json.dumps(cancel).encode(), connection="shop", filename="cancel.json")
    assert report.status == "accepted", report.errors
    assert order_status(ctx, order_id) == "cancelled"
    results = OutboxWorker(ctx).drain(5)
    assert [(r.kind, r.outcome.value) for r in results] == [("release_cancel", "delivered")]
    assert sim.state.cancelled == {order_id}
    echo = ingest_bytes(
        pipeline, json.dumps(cancel | {"external_id": "1001:again"}).encode(), connection="shop", filename="again.json"
    )
    assert echo.documents[0]["outcome"] == "unchanged"
    assert OutboxWorker(ctx).drain(5) == []  # an order cancelled already is not cancelled at the warehouse again


def test_an_order_cancelled_before_its_release_left_never_reaches_the_warehouse(
    sqlite_engine: Engine, tmp_path: Path, sim: PeoplevoxSimulator
) -> None:
    ctx, pipeline = build_hub(sqlite_engine, tmp_path, sim.url)
    place(pipeline, ctx, "1002")
    cancel = {
        "doc_type": "cancellation",
        "external_id": "1002:cancel",
        "order_external_id": "1002",
        "requested_at": "2026-12-01T10:00:00+00:00",
    }
    assert (
        ingest_bytes(pipeline, json.dumps(cancel).encode(), connection="shop", filename="c.json").status == "accepted"
    )
    assert "release_cancel" not in [m["kind"] for m in outbox(ctx)]
    # the release that had not left is withdrawn: the warehouse never hears of the order
    assert [(m["kind"], m["status"]) for m in outbox(ctx)] == [("order_release", "superseded")]
    assert OutboxWorker(ctx).drain(5) == []
    assert sim.released == {} and sim.calls == []
