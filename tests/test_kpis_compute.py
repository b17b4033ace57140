"""compute_kpis on SQLite and PostgreSQL: known orders, allocations, shipments, exceptions and messages give exact
figures per day, per ISO week, per channel and per node; another tenant's rows never count."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, Engine

from hub.errors import RecordError
from hub.kpis import compute_kpis
from hub.kpis.orders import percentile
from hub.kpis.periods import buckets
from hub.model.ids import new_id
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.tables import (
    allocations,
    exceptions,
    inbox,
    nodes,
    orders,
    outbox,
    reservations,
    sent_envelopes,
    shipments,
)
from hub.testing.databases import postgres_database, sqlite_database
from tests.conftest import require_postgres

T = "t1"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """March 2026 (the 2nd is a Monday), UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


# -- row builders (shared with the anomaly and metrics tests) ----------------------------------------------------------
def connection(conn: Connection, tenant: str, name: str, channel: str, *, enabled: bool = True, **options: Any) -> None:
    add_connection(
        conn,
        ConnectionRecord(name=name, adapter="test", channel=channel, options=options, tenant=tenant, enabled=enabled),
    )


def node(conn: Connection, tenant: str, code: str, *, connection: str | None = None, **values: Any) -> None:
    row = {"tenant": tenant, "code": code, "name": code, "priority": 100, "connection": connection, "enabled": 1}
    conn.execute(nodes.insert().values(**(row | values)))


def order(conn: Connection, tenant: str, oid: str, source: str, status: str, placed: datetime) -> None:
    conn.execute(
        orders.insert().values(
            id=oid,
            tenant=tenant,
            source=source,
            external_id=oid,
            revision=1,
            status=status,
            currency="EUR",
            placed_at=placed,
            ship_to={"country_code": "NL"},
            customer=None,
            attributes={},
            message_id="msg",
            created_at=placed,
            updated_at=placed,
        )
    )


def allocation(
    conn: Connection,
    tenant: str,
    oid: str,
    created: datetime,
    *,
    status: str = "allocated",
    shipments_: int = 1,
    cost: str | None = None,
    promised: date | None = None,
) -> None:
    conn.execute(
        allocations.insert().values(
            id=new_id("alc"),
            tenant=tenant,
            order_id=oid,
            rule_set_version=None,
            status=status,
            shipments=shipments_,
            cost=Decimal(cost) if cost is not None else None,
            currency="EUR" if cost is not None else None,
            promised_ship_date=promised,
            promised_delivery_latest=None,
            decision={},
            reason="created",
            created_at=created,
        )
    )


def shipment(conn: Connection, tenant: str, oid: str, node_code: str, shipped: datetime) -> None:
    conn.execute(
        shipments.insert().values(
            id=new_id("shp"),
            tenant=tenant,
            order_id=oid,
            source="wms",
            external_id=new_id("x"),
            node=node_code,
            carrier="DHL",
            tracking=[],
            shipped_at=shipped,
            lines=[],
            parcels=[],
            message_id="msg",
            connection=None,
            created_at=shipped,
        )
    )


def reservation(conn: Connection, tenant: str, oid: str, node_code: str, created: datetime) -> None:
    conn.execute(
        reservations.insert().values(
            id=new_id("res"),
            tenant=tenant,
            order_id=oid,
            line_no=1,
            node=node_code,
            sku="SKU",
            quantity=Decimal(1),
            status="held",
            created_at=created,
            shipment_no=1,
        )
    )


def exception(conn: Connection, tenant: str, oid: str, kind: str, created: datetime) -> None:
    conn.execute(
        exceptions.insert().values(
            id=new_id("exc"),
            tenant=tenant,
            order_id=oid,
            kind=kind,
            state="open",
            summary=kind,
            suggested_action="dismiss",
            detail={},
            dedup_key=f"{kind}:{oid}",
            created_at=created,
            updated_at=created,
        )
    )


def inbox_rows(
    conn: Connection, tenant: str, name: str, when: datetime, count: int, *, status: str = "processed"
) -> None:
    if count == 0:
        return
    rows = []
    for _ in range(count):
        body = new_id("body").encode()
        rows.append(
            {
                "id": new_id("msg"),
                "tenant": tenant,
                "connection": name,
                "transport": "file",
                "headers": {},
                "body": body,
                "body_sha256": hashlib.sha256(body).hexdigest(),
                "status": status,
                "attempts": 1,
                "received_at": when,
            }
        )
    conn.execute(inbox.insert(), rows)


def outbox_row(
    conn: Connection,
    tenant: str,
    name: str,
    when: datetime,
    *,
    status: str = "delivered",
    kind: str = "release",
    delivered: datetime | None = None,
) -> str:
    oid = new_id("out")
    conn.execute(
        outbox.insert().values(
            id=oid,
            tenant=tenant,
            connection=name,
            kind=kind,
            idempotency_key=oid,
            body={},
            status=status,
            attempts=1,
            next_attempt_at=when,
            created_at=when,
            delivered_at=(delivered or when) if status == "delivered" else None,
        )
    )
    return oid


def envelope(
    conn: Connection, tenant: str, scope: str, value: int, outbox_id: str, kind: str, when: datetime, ack: str | None
) -> None:
    conn.execute(
        sent_envelopes.insert().values(
            tenant=tenant,
            scope=scope,
            counter="interchange",
            value=value,
            outbox_id=outbox_id,
            kind=kind,
            ack_status=ack,
            created_at=when,
            acked_at=when + timedelta(minutes=5) if ack else None,
        )
    )


# -- the scenario ------------------------------------------------------------------------------------------------------
def seed(engine: Engine, tenant: str = T) -> None:
    with engine.begin() as conn:
        connection(conn, tenant, "c_shop", "shop")
        connection(conn, tenant, "c_x12", "edi:acme", partner="ACME")
        connection(conn, tenant, "c_wms", "wms")
        node(conn, tenant, "N1", connection="c_wms")
        node(conn, tenant, "N2")
        # o1: promised 03-02, shipped 03-02 15:00 (on time), 7 h, 5.00
        order(conn, tenant, "o1", "shop", "shipped", at(2, 8))
        allocation(conn, tenant, "o1", at(2, 8, 1), cost="5.00", promised=date(2026, 3, 2))
        reservation(conn, tenant, "o1", "N1", at(2, 8, 1))
        shipment(conn, tenant, "o1", "N1", at(2, 15))
        # o2: split over N1 and N2, promised 03-02, last shipment 03-03 11:00 (late), 26 h, 12.50
        order(conn, tenant, "o2", "shop", "shipped", at(2, 9))
        allocation(conn, tenant, "o2", at(2, 9, 1), shipments_=2, cost="12.50", promised=date(2026, 3, 2))
        reservation(conn, tenant, "o2", "N1", at(2, 9, 1))
        reservation(conn, tenant, "o2", "N2", at(2, 9, 1))
        exception(conn, tenant, "o2", "order_split", at(2, 9, 1))
        shipment(conn, tenant, "o2", "N1", at(2, 10))
        shipment(conn, tenant, "o2", "N2", at(3, 11))
        # o3: amazon, no promise, shipped 03-02 22:00 from N2, 12 h, 7.00
        order(conn, tenant, "o3", "amazon", "shipped", at(2, 10))
        allocation(conn, tenant, "o3", at(2, 10, 1), cost="7.00")
        reservation(conn, tenant, "o3", "N2", at(2, 10, 1))
        shipment(conn, tenant, "o3", "N2", at(2, 22))
        # o4: amazon, backordered whole
        order(conn, tenant, "o4", "amazon", "backordered", at(2, 11))
        allocation(conn, tenant, "o4", at(2, 11, 1), status="backordered", shipments_=0)
        exception(conn, tenant, "o4", "backorder", at(2, 11, 1))
        # o5: first allocated 03-03, partly backordered (the exception says so), not shipped yet
        order(conn, tenant, "o5", "shop", "allocated", at(3, 9))
        allocation(conn, tenant, "o5", at(3, 9, 5), cost="4.00")
        reservation(conn, tenant, "o5", "N1", at(3, 9, 5))
        exception(conn, tenant, "o5", "backorder", at(3, 9, 5))
        # o6: allocated 03-02 (9.00), allocated again 03-03 (11.00, the cost that counts), shipped 03-04 09:00, 45 h
        order(conn, tenant, "o6", "shop", "shipped", at(2, 12))
        allocation(conn, tenant, "o6", at(2, 12, 1), cost="9.00", promised=date(2026, 3, 4))
        allocation(conn, tenant, "o6", at(3, 8), cost="11.00", promised=date(2026, 3, 4))
        reservation(conn, tenant, "o6", "N1", at(3, 8))
        shipment(conn, tenant, "o6", "N1", at(4, 9))
        # o7: partly shipped: not in the shipped cohort yet
        order(conn, tenant, "o7", "shop", "partially_shipped", at(2, 13))
        allocation(conn, tenant, "o7", at(2, 13, 1), cost="3.00")
        reservation(conn, tenant, "o7", "N1", at(2, 13, 1))
        shipment(conn, tenant, "o7", "N1", at(2, 14))
        # messages
        inbox_rows(conn, tenant, "c_shop", at(2, 10), 3)
        inbox_rows(conn, tenant, "c_shop", at(2, 11), 1, status="failed")
        inbox_rows(conn, tenant, "c_x12", at(2, 10), 1)
        inbox_rows(conn, tenant, "c_x12", at(2, 12), 1, status="failed")
        inbox_rows(conn, tenant, "c_x12", at(3, 9), 1)
        for _ in range(3):
            outbox_row(conn, tenant, "c_wms", at(2, 9))
        outbox_row(conn, tenant, "c_wms", at(2, 9), status="dead")
        m1 = outbox_row(conn, tenant, "c_x12", at(2, 13), kind="order_ack")
        m2 = outbox_row(conn, tenant, "c_x12", at(2, 14), kind="order_ack")
        a1 = outbox_row(conn, tenant, "c_x12", at(2, 14), kind="ack")
        envelope(conn, tenant, "x12:ACME", 1, m1, "order_ack", at(2, 13), "accepted")
        envelope(conn, tenant, "x12:ACME", 2, m2, "order_ack", at(2, 14), "rejected")
        envelope(conn, tenant, "x12:ACME", 3, a1, "ack", at(2, 14), None)


def seed_other_tenant(engine: Engine) -> None:
    """Rows of tenant t2 that would change every figure if they leaked."""
    with engine.begin() as conn:
        connection(conn, "t2", "c_shop", "shop")
        order(conn, "t2", "p1", "shop", "shipped", at(2, 8))
        allocation(conn, "t2", "p1", at(2, 8, 1), shipments_=3, cost="99.00", promised=date(2026, 3, 1))
        reservation(conn, "t2", "p1", "N1", at(2, 8, 1))
        shipment(conn, "t2", "p1", "N1", at(2, 9))
        exception(conn, "t2", "p1", "backorder", at(2, 8, 1))
        inbox_rows(conn, "t2", "c_shop", at(2, 10), 5, status="failed")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The scenario, seeded once per store for every read-only test of this module."""
    if request.param == "sqlite":
        with sqlite_database(tmp_path_factory.mktemp("kpis")) as eng:
            seed(eng)
            seed_other_tenant(eng)
            yield eng
    else:
        require_postgres()
        with postgres_database() as (eng, _schema):
            seed(eng)
            seed_other_tenant(eng)
            yield eng


def kpis(engine: Engine, **kw: Any) -> dict[str, Any]:
    kw.setdefault("period", "day")
    kw.setdefault("since", date(2026, 3, 2))
    kw.setdefault("until", date(2026, 3, 5))
    with engine.connect() as conn:
        return compute_kpis(conn, T, **kw).as_dict()


def test_daily_figures(seeded: Engine) -> None:
    report = kpis(seeded)
    assert [b["label"] for b in report["buckets"]] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    d2, d3, d4 = report["buckets"]

    assert (d2["orders_shipped"], d2["shipped_with_promise"], d2["shipped_on_time"]) == (2, 1, 1)
    assert d2["service_rate"] == 1.0
    assert (d2["lead_time_p50_seconds"], d2["lead_time_p90_seconds"]) == (7 * 3600, 12 * 3600)
    assert d2["cost_per_order"] == {"EUR": {"orders": 2, "total": Decimal("12.00"), "per_order": Decimal("6.00")}}
    assert (d2["orders_allocated"], d2["split_orders"], d2["backordered_orders"]) == (6, 1, 1)
    assert (d2["split_rate"], d2["backorder_rate"]) == (round(1 / 6, 4), round(1 / 6, 4))

    assert (d3["orders_shipped"], d3["shipped_with_promise"], d3["shipped_on_time"], d3["service_rate"]) == (
        1,
        1,
        0,
        0.0,
    )
    assert (d3["lead_time_p50_seconds"], d3["lead_time_p90_seconds"]) == (26 * 3600, 26 * 3600)
    assert d3["cost_per_order"]["EUR"]["per_order"] == Decimal("12.50")
    assert (d3["orders_allocated"], d3["split_orders"], d3["backordered_orders"], d3["backorder_rate"]) == (
        1,
        0,
        1,
        1.0,
    )

    assert (d4["orders_shipped"], d4["service_rate"], d4["lead_time_p50_seconds"]) == (1, 1.0, 45 * 3600)
    assert d4["cost_per_order"]["EUR"]["total"] == Decimal("11.00")  # the newest plan's cost, not the first one's
    assert (d4["orders_allocated"], d4["split_rate"], d4["backorder_rate"]) == (0, None, None)


def test_totals_and_weeks_agree(seeded: Engine) -> None:
    total = kpis(seeded)["total"]
    assert (total["orders_shipped"], total["shipped_with_promise"], total["shipped_on_time"]) == (4, 3, 2)
    assert total["service_rate"] == 0.6667
    assert (total["lead_time_p50_seconds"], total["lead_time_p90_seconds"]) == (12 * 3600, 45 * 3600)
    assert total["cost_per_order"] == {"EUR": {"orders": 4, "total": Decimal("35.50"), "per_order": Decimal("8.88")}}
    assert (total["orders_allocated"], total["split_orders"], total["backordered_orders"]) == (7, 1, 2)

    weekly = kpis(seeded, period="week", since=date(2026, 3, 4), until=date(2026, 3, 9))
    assert [b["label"] for b in weekly["buckets"]] == ["2026-W10"]
    assert weekly["since"] == "2026-03-02"  # a week starts on its Monday
    week = weekly["buckets"][0]
    for key in ("orders_shipped", "service_rate", "lead_time_p90_seconds", "orders_allocated", "backorder_rate"):
        assert week[key] == total[key], key


def test_connection_and_partner_error_rates(seeded: Engine) -> None:
    d2, d3, _ = kpis(seeded)["buckets"]
    assert d2["connections"]["c_shop"] == {"received": 4, "failed": 1, "sent": 0, "dead": 0, "error_rate": 0.25}
    assert d2["connections"]["c_x12"] == {"received": 2, "failed": 1, "sent": 3, "dead": 0, "error_rate": 0.2}
    assert d2["connections"]["c_wms"] == {"received": 0, "failed": 0, "sent": 3, "dead": 1, "error_rate": 0.25}
    # ACME: one of two inbound failed, one of two acknowledged messages rejected; the hub's own 997 is not counted
    assert d2["partners"]["ACME"] == {
        "received": 2,
        "failed": 1,
        "sent": 2,
        "acknowledged": 2,
        "rejected": 1,
        "error_rate": 0.5,
    }
    assert d3["connections"] == {"c_x12": {"received": 1, "failed": 0, "sent": 0, "dead": 0, "error_rate": 0.0}}
    assert d3["partners"]["ACME"]["error_rate"] == 0.0


def test_channel_filter(seeded: Engine) -> None:
    report = kpis(seeded, channel="amazon")
    d2 = report["buckets"][0]
    assert (d2["orders_shipped"], d2["service_rate"], d2["lead_time_p50_seconds"]) == (1, None, 12 * 3600)
    assert (d2["orders_allocated"], d2["split_orders"], d2["backordered_orders"]) == (2, 0, 1)
    assert d2["connections"] == {}  # no connection carries the amazon channel
    shop = kpis(seeded, channel="shop")["total"]
    assert set(shop["connections"]) == {"c_shop"}
    assert shop["orders_shipped"] == 3


def test_node_filter(seeded: Engine) -> None:
    report = kpis(seeded, node="N2")
    d2, d3, d4 = report["buckets"]
    assert (d2["orders_shipped"], d2["lead_time_p50_seconds"]) == (1, 12 * 3600)  # o3 from N2
    assert (d3["orders_shipped"], d3["service_rate"]) == (1, 0.0)  # o2's N2 shipment came late
    assert d4["orders_shipped"] == 0
    assert (report["total"]["orders_allocated"], report["total"]["split_orders"]) == (2, 1)
    n1 = kpis(seeded, node="N1")["total"]
    assert set(n1["connections"]) == {"c_wms"}
    assert n1["orders_allocated"] == 5  # o1, o2, o5, o6, o7


def test_other_tenant_alone(seeded: Engine) -> None:
    with seeded.connect() as conn:
        other = compute_kpis(conn, "t2", since=date(2026, 3, 2), until=date(2026, 3, 3)).as_dict()["total"]
    assert (other["orders_shipped"], other["shipped_on_time"], other["orders_allocated"]) == (1, 0, 1)
    assert other["connections"]["c_shop"]["failed"] == 5


def test_empty_store_gives_empty_figures(engine: Engine) -> None:
    total = kpis(engine)["total"]
    assert total["orders_shipped"] == 0 and total["service_rate"] is None and total["lead_time_p50_seconds"] is None
    assert total["cost_per_order"] == {} and total["connections"] == {} and total["partners"] == {}


def test_buckets_and_percentiles() -> None:
    assert [b.label for b in buckets("day", datetime(2026, 3, 2, 10, tzinfo=UTC), at(3, 1))] == [
        "2026-03-02",
        "2026-03-03",
    ]
    assert [b.label for b in buckets("week", date(2026, 3, 1), date(2026, 3, 10))] == [
        "2026-W09",
        "2026-W10",
        "2026-W11",
    ]
    with pytest.raises(RecordError, match="empty"):
        buckets("day", date(2026, 3, 2), date(2026, 3, 2))
    with pytest.raises(RecordError, match="period"):
        buckets("month", date(2026, 3, 2), date(2026, 3, 5))
    with pytest.raises(RecordError, match="more than"):
        buckets("day", date(2020, 1, 1), date(2026, 1, 1))
    assert percentile([], 50) is None
    assert percentile([5], 90) == 5
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert percentile([10, 1, 3, 2], 50) == 2
