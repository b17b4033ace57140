"""Delivery promises: stock on hand and incoming, cut-offs, weekends and holidays, saving, keeping and breaking."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from hub.allocation.allocator import Allocator
from hub.allocation.ledger import Level, StockView, load_levels, set_node, set_on_hand
from hub.allocation.nodes_store import save_node_profile
from hub.api.app import create_app
from hub.cli.main import app as cli_app
from hub.context import HubContext
from hub.model.order import Order
from hub.pipeline.ingest import ingest_bytes
from hub.pipeline.runner import Pipeline
from hub.promise import (
    BROKEN,
    EXPIRED,
    KEPT,
    PromiseAnswer,
    PromiseCheck,
    PromiseError,
    Promiser,
    check_promise,
    get_promise,
    promise_for,
    save_promise,
)
from hub.rules.resources import network_data
from hub.stock.incoming import add_incoming
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.tables import allocations, exceptions, promises

REPO = Path(__file__).resolve().parent.parent
NODE = "DE-LEJ1"  # served by the fixture rate card's KRANICH services


def _at(text: str) -> datetime:
    """A local Berlin wall-clock time as an aware UTC instant."""
    local = datetime.fromisoformat(text)
    offset = timedelta(hours=2) if local.date() >= date(2026, 3, 29) else timedelta(hours=1)  # CEST from 29 March
    return (local - offset).replace(tzinfo=UTC)


@pytest.fixture
def ctx(hub_ctx: HubContext, tmp_path: Path) -> HubContext:
    """Node DE-LEJ1 with the Berlin fixture calendar (renamed), the fixture rate cards, 5 of A and none of B."""
    calendars = tmp_path / "calendars"
    calendars.mkdir()
    text = (REPO / "fixtures/calendars/node-ber.yaml").read_text(encoding="utf-8")
    (calendars / "node-lej.yaml").write_text(text.replace("node: BER", f"node: {NODE}"), encoding="utf-8")
    for name in ("carrier-de-parcel.yaml", "carrier-uk-courier.yaml"):
        (calendars / name).write_text((REPO / "fixtures/calendars" / name).read_text(encoding="utf-8"))
    hub_ctx.environ = {
        **hub_ctx.environ,
        "HUB_CARRIERS_DIR": str(REPO / "fixtures/carriers"),
        "HUB_CALENDARS_DIR": str(calendars),
    }
    with hub_ctx.engine.begin() as conn:
        set_node(conn, hub_ctx.tenant, NODE, priority=1, connection=None)
        save_node_profile(
            conn, hub_ctx.tenant, NODE, {"country": "DE", "postal_code": "04109", "timezone": "Europe/Berlin"}
        )
        set_on_hand(conn, hub_ctx.tenant, NODE, "A", Decimal(5))
    return hub_ctx


def ask(ctx: HubContext, at: datetime, items: dict[str, int] | None = None, **kw: Any) -> PromiseAnswer:
    network = network_data(ctx.environ, ctx.home)
    allocator = Allocator(distance=network.distance, rater=network.rater)
    with ctx.engine.begin() as conn:
        return promise_for(
            conn,
            ctx.tenant,
            allocator,
            items=items or {"A": 2},
            at=at,
            calendars=network.calendars,
            **{"country": "DE", "postal_code": "10115", **kw},
        )


def dates(answer: PromiseAnswer) -> tuple[str, str, str]:
    return str(answer.ship_date), str(answer.delivery_earliest), str(answer.delivery_latest)


@pytest.mark.parametrize(
    ("local", "ship", "earliest", "latest"),
    [
        ("2026-03-10T09:00", "2026-03-10", "2026-03-11", "2026-03-12"),  # Tuesday before the 14:00 cut-off
        ("2026-03-10T13:59", "2026-03-10", "2026-03-11", "2026-03-12"),
        ("2026-03-10T14:00", "2026-03-11", "2026-03-12", "2026-03-13"),  # at the cut-off: next day
        ("2026-03-13T15:00", "2026-03-16", "2026-03-17", "2026-03-18"),  # Friday after cut-off: Monday
        ("2026-03-14T10:00", "2026-03-16", "2026-03-17", "2026-03-18"),  # Saturday: Monday
    ],
)
def test_promise_from_stock_on_hand(ctx: HubContext, local: str, ship: str, earliest: str, latest: str) -> None:
    answer = ask(ctx, _at(local))
    assert answer.can_ship
    assert dates(answer) == (ship, earliest, latest)
    [shipment] = answer.shipments
    assert (shipment.node, shipment.carrier, shipment.service) == (NODE, "KRANICH", "KP-STD")
    assert shipment.lines == {"A": Decimal(2)}
    assert shipment.incoming is None
    # the rate card's carrier has no calendar of its name: plain weekdays, said so
    assert any("no calendar for carrier service KRANICH/KP-STD" in r for r in shipment.reasons)


def test_service_level_asked(ctx: HubContext) -> None:
    answer = ask(ctx, _at("2026-03-10T15:00"), service_level="express")
    [shipment] = answer.shipments
    assert (shipment.service, shipment.service_level) == ("KP-EXP", "express")
    assert dates(answer) == ("2026-03-11", "2026-03-12", "2026-03-12")  # transit 1 day exactly
    assert answer.request["service_level"] == "express"


def test_holiday_from_the_calendar_fixture(ctx: HubContext) -> None:
    """Thursday before Easter after cut-off: Karfreitag, the weekend and Ostermontag are skipped."""
    answer = ask(ctx, _at("2026-04-02T15:00"))
    assert dates(answer) == ("2026-04-07", "2026-04-08", "2026-04-09")
    reasons = " | ".join(answer.shipments[0].reasons)
    assert "Karfreitag" in reasons and "Ostermontag" in reasons


def test_node_without_calendar_uses_weekdays_and_its_cutoff(ctx: HubContext) -> None:
    with ctx.engine.begin() as conn:
        set_node(conn, ctx.tenant, NODE, priority=1, connection=None)
        save_node_profile(
            conn, ctx.tenant, "DE-DUS1", {"country": "DE", "timezone": "Europe/Berlin", "cutoff": "11:00"}
        )
        set_node(conn, ctx.tenant, "DE-DUS1", priority=0, connection=None)
        set_on_hand(conn, ctx.tenant, "DE-DUS1", "A", Decimal(5))
    early, late = ask(ctx, _at("2026-04-03T10:00")), ask(ctx, _at("2026-04-03T11:30"))
    assert early.shipments[0].node == "DE-DUS1"
    assert early.ship_date == date(2026, 4, 3)  # Karfreitag is a working day without a calendar
    assert late.ship_date == date(2026, 4, 6)
    assert any("no calendar for node DE-DUS1: plain weekdays" in r for r in early.shipments[0].reasons)


def test_promise_from_incoming_stock(ctx: HubContext) -> None:
    with ctx.engine.begin() as conn:
        add_incoming(conn, ctx.tenant, NODE, "B", Decimal(3), date(2026, 3, 20))
        add_incoming(conn, ctx.tenant, NODE, "B", Decimal(4), date(2026, 3, 12))
    answer = ask(ctx, _at("2026-03-10T09:00"), {"A": 1, "B": 4})
    assert answer.can_ship
    [shipment] = answer.shipments
    assert shipment.incoming == date(2026, 3, 12)
    assert dates(answer) == ("2026-03-12", "2026-03-13", "2026-03-16")  # Friday + 2 weekdays: Monday
    assert any("ships when stock expected on 2026-03-12 arrives" in r for r in shipment.reasons)
    # more than the first delivery: waits for the second
    later = ask(ctx, _at("2026-03-10T09:00"), {"B": 6})
    assert later.shipments[0].incoming == date(2026, 3, 20)
    assert later.ship_date == date(2026, 3, 20)
    # nothing was reserved
    with ctx.engine.connect() as conn:
        assert load_levels(conn, ctx.tenant, ["A"]).available(NODE, "A") == Decimal(5)


def test_cannot_ship(ctx: HubContext) -> None:
    answer = ask(ctx, _at("2026-03-10T09:00"), {"A": 1, "B": 1})
    assert not answer.can_ship
    assert answer.short == {"A": Decimal(1), "B": Decimal(1)}  # default policy backorders the whole order
    assert answer.shipments == []
    assert answer.delivery_latest is None and answer.ship_date is None
    with ctx.engine.begin() as conn:
        add_incoming(conn, ctx.tenant, NODE, "B", Decimal(1), date(2026, 3, 12))
    assert ask(ctx, _at("2026-03-10T09:00"), {"A": 6}).can_ship is False  # incoming of another SKU does not help


def test_bad_requests(ctx: HubContext) -> None:
    with pytest.raises(PromiseError):
        ask(ctx, _at("2026-03-10T09:00"), {"A": 0})
    with pytest.raises(PromiseError):
        ask(ctx, datetime(2026, 3, 10, 9))  # naive
    with pytest.raises(PromiseError):
        ask(ctx, _at("2026-03-10T09:00"), country="D1")


def test_promiser_reused_across_queries(ctx: HubContext) -> None:
    network = network_data(ctx.environ, ctx.home)
    with ctx.engine.connect() as conn:
        promiser = Promiser.begin(
            conn,
            ctx.tenant,
            Allocator(distance=network.distance, rater=network.rater),
            ["A"],
            calendars=network.calendars,
        )
        view = load_levels(conn, ctx.tenant, ["A"])
    answers = [
        promiser.query(view, country="DE", postal_code="10115", items={"A": q}, at=_at("2026-03-10T09:00"))
        for q in (1, 5, 6)
    ]
    assert [a.can_ship for a in answers] == [True, True, False]
    assert view.deltas == {}


def test_save_and_read_back(ctx: HubContext) -> None:
    answer = ask(ctx, _at("2026-03-10T09:00"))
    with ctx.engine.begin() as conn:
        promise_id = save_promise(conn, ctx.tenant, answer)
    with ctx.engine.connect() as conn:
        stored = get_promise(conn, ctx.tenant, promise_id)
    assert stored is not None and stored["status"] == "open"
    assert stored["answer"]["delivery_latest"] == "2026-03-12"
    assert stored["answer"]["promise_id"] == promise_id
    assert stored["expires_at"] - stored["created_at"] == timedelta(hours=24)


# -- keeping promises ---------------------------------------------------------------------------------


def placed_order(ctx: HubContext, promise_id: str, placed: datetime, qty: int = 2) -> tuple[str, Order]:
    """An order stored through the pipeline, carrying the promise id; returns its id and canonical order."""
    body = {
        "external_id": f"P-{promise_id}",
        "currency": "EUR",
        "placed_at": placed.isoformat(),
        "ship_to": {"name": "Zoë", "country_code": "DE", "postal_code": "10115"},
        "lines": [{"line_no": 1, "sku": "A", "quantity": qty, "unit_price": "9.90"}],
        "attributes": {"promise_id": promise_id},
    }
    with ctx.engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="shop", adapter="test_json", channel="shop:acme"))
    report = ingest_bytes(Pipeline(ctx), json.dumps(body).encode(), connection="shop", filename="o.json")
    assert report.status == "accepted", report
    order = Order.model_validate({**body, "source": "shop:acme", "tenant": ctx.tenant})
    return str(report.documents[0]["id"]), order


def check(ctx: HubContext, order_id: str, order: Order, at: datetime, stock: int = 5) -> PromiseCheck | None:
    """Plan the order as allocation does, against `stock` units of A at the node, and check its promise."""
    network = network_data(ctx.environ, ctx.home)
    allocator = Allocator(distance=network.distance, rater=network.rater)
    with ctx.engine.begin() as conn:
        session = allocator.begin(conn, ctx.tenant, ["A"])
        view = StockView([Level(NODE, "A", Decimal(stock), Decimal(0), Decimal(0))])
        decision = session.planner.decide(session.facts(order), view)
        return check_promise(conn, ctx.tenant, order_id, order, decision, calendars=network.calendars, at=at)


def saved(ctx: HubContext, at: datetime) -> str:
    answer = ask(ctx, at)
    with ctx.engine.begin() as conn:
        return save_promise(conn, ctx.tenant, answer)


def test_promise_kept(ctx: HubContext) -> None:
    promise_id = saved(ctx, _at("2026-03-10T09:00"))
    order_id, order = placed_order(ctx, promise_id, _at("2026-03-10T10:00"))
    result = check(ctx, order_id, order, _at("2026-03-10T10:00"))
    assert result is not None and result.status == KEPT
    assert result.promised_delivery_latest == date(2026, 3, 12) == result.delivery_latest
    assert result.promised_ship_date == date(2026, 3, 10)
    with ctx.engine.connect() as conn:
        stored = get_promise(conn, ctx.tenant, promise_id)
        assert stored is not None and (stored["status"], stored["order_id"]) == (KEPT, order_id)
        assert conn.execute(select(exceptions).where(exceptions.c.order_id == order_id)).first() is None


def test_promise_broken_by_a_later_order(ctx: HubContext) -> None:
    promise_id = saved(ctx, _at("2026-03-10T09:00"))
    order_id, order = placed_order(ctx, promise_id, _at("2026-03-10T15:00"))  # after the cut-off
    result = check(ctx, order_id, order, _at("2026-03-10T15:00"))
    assert result is not None and result.status == BROKEN
    assert (result.promised_delivery_latest, result.delivery_latest) == (date(2026, 3, 12), date(2026, 3, 13))
    with ctx.engine.connect() as conn:
        row = conn.execute(select(exceptions).where(exceptions.c.order_id == order_id)).one()
        assert get_promise(conn, ctx.tenant, promise_id)["status"] == BROKEN  # type: ignore[index]
    assert row.kind == "broken_promise" and row.id == result.exception_id
    detail = row.detail if isinstance(row.detail, dict) else json.loads(row.detail)
    assert detail["promised_delivery_latest"] == "2026-03-12" and detail["delivery_latest"] == "2026-03-13"


def test_promise_broken_when_not_allocated(ctx: HubContext) -> None:
    promise_id = saved(ctx, _at("2026-03-10T09:00"))
    order_id, order = placed_order(ctx, promise_id, _at("2026-03-10T09:30"))
    result = check(ctx, order_id, order, _at("2026-03-10T09:30"), stock=1)
    assert result is not None and result.status == BROKEN and result.delivery_latest is None


def test_expired_promise_is_ignored(ctx: HubContext) -> None:
    promise_id = saved(ctx, _at("2026-03-10T09:00"))
    with ctx.engine.begin() as conn:  # the promise ran out before the order came
        conn.execute(promises.update().where(promises.c.id == promise_id).values(expires_at=_at("2026-03-10T12:00")))
    order_id, order = placed_order(ctx, promise_id, _at("2026-03-10T15:00"))
    with ctx.engine.connect() as conn:  # the pipeline judged it when the order was allocated
        assert get_promise(conn, ctx.tenant, promise_id)["status"] == EXPIRED  # type: ignore[index]
    again = check(ctx, order_id, order, _at("2026-03-10T15:00"), stock=1)  # checked again at reallocation
    assert again is not None and again.status == EXPIRED
    with ctx.engine.connect() as conn:
        assert conn.execute(select(exceptions).where(exceptions.c.order_id == order_id)).first() is None


def test_order_without_promise(ctx: HubContext) -> None:
    order_id, order = placed_order(ctx, "prm_none", _at("2026-03-10T09:00"))
    assert check(ctx, order_id, order, _at("2026-03-10T09:00")) is None


# -- faces --------------------------------------------------------------------------------------------


def test_cli_json(ctx: HubContext, monkeypatch: pytest.MonkeyPatch) -> None:
    if ctx.engine.dialect.name == "postgresql":  # the CLI opens its own engine: point it at the test's schema
        with ctx.engine.connect() as conn:
            schema = conn.exec_driver_sql("SHOW search_path").scalar_one().strip('"')
        monkeypatch.setenv("HUB_DATABASE_SCHEMA", schema)
    for key in ("HUB_CARRIERS_DIR", "HUB_CALENDARS_DIR"):
        monkeypatch.setenv(key, ctx.environ[key])
    monkeypatch.setenv("HUB_TENANT", ctx.tenant)
    monkeypatch.setenv("HUB_DATABASE_URL", ctx.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("HUB_HOME", str(ctx.home))
    args = ["promise", "--to", "DE:10115", "A=2", "--at", "2026-03-10T09:00:00+01:00", "--json"]
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["can_ship"] is True and data["delivery_latest"] == "2026-03-12"
    assert data["shipments"][0]["node"] == NODE and data["shipments"][0]["lines"] == {"A": "2"}
    assert data["promise_id"].startswith("prm")
    with ctx.engine.connect() as conn:
        assert get_promise(conn, ctx.tenant, data["promise_id"]) is not None
    unsaved = CliRunner().invoke(cli_app, [*args, "--no-save"])
    assert json.loads(unsaved.output)["promise_id"] is None
    human = CliRunner().invoke(cli_app, [*args[:-1], "--no-save"])
    assert human.exit_code == 0 and "can ship: yes" in human.output and "before 14:00 cut-off" in human.output
    bad = CliRunner().invoke(cli_app, ["promise", "--to", "DE:10115", "A=2", "--at", "2026-03-10T09:00"])
    assert bad.exit_code == 2


def test_api_route(ctx: HubContext) -> None:
    client = TestClient(create_app(ctx))
    body = {"to": {"country": "DE", "postal_code": "10115"}, "items": {"A": 2}, "at": "2026-03-10T15:00:00+01:00"}
    response = client.post("/promise", json=body)
    assert response.status_code == 200, response.text
    data = response.json()
    assert (data["ship_date"], data["delivery_latest"], data["can_ship"]) == ("2026-03-11", "2026-03-13", True)
    assert data["promise_id"]
    short = client.post("/promise?save=false", json={**body, "items": {"A": 9}})
    assert short.status_code == 200 and short.json()["can_ship"] is False and short.json()["promise_id"] is None
    assert client.post("/promise", json={**body, "items": {"A": -1}}).status_code == 422
    assert client.post("/promise", json={"to": {"country": "DE"}}).status_code == 422


def test_the_pipeline_keeps_the_promise_and_records_its_dates(ctx: HubContext) -> None:
    promise_id = saved(ctx, _at("2026-03-10T09:00"))
    order_id, _ = placed_order(ctx, promise_id, _at("2026-03-10T10:00"))  # before the cut-off, stock there
    with ctx.engine.connect() as conn:
        promise = get_promise(conn, ctx.tenant, promise_id)
        record = conn.execute(select(allocations).where(allocations.c.order_id == order_id)).one()
    assert promise is not None and (promise["status"], promise["order_id"]) == (KEPT, order_id)
    assert (record.promised_ship_date, record.promised_delivery_latest) == (date(2026, 3, 10), date(2026, 3, 12))


def test_a_carrier_delay_past_the_promised_date_breaks_the_promise(ctx: HubContext) -> None:
    from hub.allocation.flows import report_carrier_delay

    promise_id = saved(ctx, _at("2026-03-10T09:00"))
    order_id, _ = placed_order(ctx, promise_id, _at("2026-03-10T10:00"))  # kept: delivery by 2026-03-12
    on_time = report_carrier_delay(ctx, order_id, new_delivery_date=date(2026, 3, 12), reason="sorting centre")
    assert [r.kind.value for r in on_time] == ["carrier_delay"]  # later than planned, still within the promise
    late = report_carrier_delay(ctx, order_id, new_delivery_date=date(2026, 3, 14), reason="storm")
    assert [r.kind.value for r in late] == ["carrier_delay", "broken_promise"]
    assert late[1].detail["promised_delivery_latest"] == "2026-03-12"
    with ctx.engine.connect() as conn:
        assert get_promise(conn, ctx.tenant, promise_id)["status"] == BROKEN  # type: ignore[index]
