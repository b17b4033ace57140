"""KPIs over data the real pipeline wrote (the demo: order files, JSON lines, an X12 850 released as a 940 and
shipped by its 945, a malformed file, a backorder), on SQLite and PostgreSQL, checked against the store's rows."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from hub.context import HubContext
from hub.kpis import compute_kpis, detect_anomalies
from hub.model.ids import utcnow
from hub.plugins.registry import default_registry
from hub.store.tables import allocations, inbox, orders
from tests.support.console_app import load_demo


def test_demo_kpis(engine: Engine, tmp_path: Path) -> None:
    ctx = HubContext(engine=engine, registry=default_registry(), home=tmp_path, environ={})
    load_demo(ctx)
    today = utcnow().date()
    with engine.connect() as conn:
        allocated = conn.execute(select(func.count(func.distinct(allocations.c.order_id)))).scalar_one()
        failed = conn.execute(select(func.count()).where(inbox.c.status == "failed")).scalar_one()
        total = compute_kpis(conn, "default", since=today, until=today + timedelta(days=1)).total.as_dict()
        # the 850 placed 2024-05-06 00:00 was shipped by its 945 on 2024-05-07 16:30
        may = compute_kpis(conn, "default", period="week", since=date(2024, 5, 6), until=date(2024, 5, 13))
        shipped = conn.execute(select(func.count()).where(orders.c.status == "shipped")).scalar_one()
        alerts = detect_anomalies(conn, "default", utcnow())
    assert total["orders_allocated"] == allocated == 8
    assert (total["backordered_orders"], total["split_orders"]) == (1, 0)
    assert total["connections"]["marketplace"]["failed"] == failed == 1
    assert total["partners"]["shopmart"]["received"] == 2
    assert total["connections"]["wms-berlin"]["sent"] > 0
    week = may.total.as_dict()
    assert week["orders_shipped"] == shipped == 1
    assert week["lead_time_p50_seconds"] == week["lead_time_p90_seconds"] == 40 * 3600 + 30 * 60
    assert [a.key for a in alerts if a.kind == "stock_stale"] == []  # the demo's nodes were just counted
