"""/metrics: a Prometheus collector reading the store at each scrape, per tenant, with no token, no personal data
and no process-global state; off with HUB_METRICS=off."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from hub.api.app import create_app
from hub.api.metrics import HubCollector, metrics_enabled, metrics_router
from hub.context import HubContext
from hub.model.ids import utcnow
from hub.plugins.registry import Registry
from hub.store.tables import orders
from tests.support.console_app import include_once
from tests.test_anomalies_detect import NOW
from tests.test_anomalies_detect import seed as seed_alerts
from tests.test_kpis_compute import allocation, order, seed, seed_other_tenant, shipment


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def scrape(engine: Engine) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HubCollector(engine, clock=lambda: NOW))
    return samples(generate_latest(registry).decode())


def key(name: str, **labels: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return name, tuple(sorted(labels.items()))


def test_collector_reads_each_tenant(engine: Engine) -> None:
    seed(engine)
    seed_other_tenant(engine)
    seed_alerts(engine, tenant="t3")
    got = scrape(engine)
    assert got[key("hub_orders", tenant="t1", status="shipped")] == 4
    assert got[key("hub_orders", tenant="t1", status="backordered")] == 1
    assert got[key("hub_orders", tenant="t2", status="shipped")] == 1
    assert got[key("hub_inbox_messages", tenant="t1", connection="c_shop", status="failed")] == 1
    assert got[key("hub_inbox_messages", tenant="t2", connection="c_shop", status="failed")] == 5
    assert got[key("hub_outbox_messages", tenant="t1", connection="c_wms", status="dead")] == 1
    assert got[key("hub_exceptions_unresolved", tenant="t1", kind="backorder")] == 2
    # the alerts of t3 at NOW, with their subjects
    assert got[key("hub_alert", tenant="t3", kind="volume_drop", subject="c_vol", severity="warning")] == 1
    assert got[key("hub_alert", tenant="t3", kind="error_rate", subject="c_err", severity="warning")] == 1
    assert got[key("hub_alerts", tenant="t3", kind="stock_stale", severity="critical")] == 1  # N_old
    assert got[key("hub_alerts", tenant="t3", kind="stock_stale", severity="warning")] == 2  # N_never, N_hourly
    assert got[key("hub_acks_overdue", tenant="t3", partner="ACME")] == 2
    assert got[key("hub_node_stock_age_seconds", tenant="t3", node="N_old")] == 3000 * 60
    assert got[key("hub_alerts", tenant="t1", kind="volume_drop", severity="warning")] == 0
    # a second scrape reads again: new rows show, nothing accumulates in the process
    with engine.begin() as conn:
        order(conn, "t1", "o9", "shop", "shipped", NOW)
    assert scrape(engine)[key("hub_orders", tenant="t1", status="shipped")] == 5
    assert scrape(engine)[key("hub_orders", tenant="t1", status="shipped")] == 5


def test_kpi_gauges_over_the_last_days(engine: Engine) -> None:
    now = utcnow()
    placed = now - timedelta(hours=30)
    with engine.begin() as conn:
        order(conn, "t1", "k1", "shop", "shipped", placed)
        allocation(conn, "t1", "k1", placed, cost="4.00", promised=now.date() + timedelta(days=1))
        shipment(conn, "t1", "k1", "N1", placed + timedelta(hours=6))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HubCollector(engine))
    got = samples(generate_latest(registry).decode())
    assert got[key("hub_kpi_ratio", tenant="t1", kpi="service_rate")] == 1.0
    assert got[key("hub_kpi_ratio", tenant="t1", kpi="split_rate")] == 0.0
    assert got[key("hub_kpi_lead_time_seconds", tenant="t1", quantile="0.9")] == 6 * 3600


def _app(engine: Engine, home: Path, registry: Registry, environ: dict[str, str]) -> TestClient:
    ctx = HubContext(engine=engine, registry=registry, home=home, environ=environ)
    app = create_app(ctx)
    include_once(app, metrics_router(ctx))
    return TestClient(app)


def test_endpoint_needs_no_token_and_shows_no_personal_data(engine: Engine, registry: Registry, tmp_path: Path) -> None:
    seed(engine)
    with engine.begin() as conn:
        conn.execute(
            orders.update()
            .where(orders.c.id == "o1")
            .values(customer={"name": "Jonas Weber", "email": "jonas@example.com"}, ship_to={"name": "Jonas Weber"})
        )
    client = _app(engine, tmp_path, registry, dict(os.environ) | {"HUB_METRICS": "on"})
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    got = samples(answer.text)
    assert got[key("hub_orders", tenant="t1", status="shipped")] == 4
    for private in ("Jonas", "example.com", "o1"):
        assert private not in answer.text
    openmetrics = client.get("/metrics", headers={"accept": "application/openmetrics-text; version=1.0.0"})
    assert openmetrics.headers["content-type"].startswith("application/openmetrics-text")
    assert openmetrics.text.rstrip().endswith("# EOF")


def test_endpoint_can_be_turned_off(engine: Engine, registry: Registry, tmp_path: Path) -> None:
    client = _app(engine, tmp_path, registry, {"HUB_METRICS": "off"})
    assert client.get("/metrics").status_code == 404
    assert metrics_enabled({}) and metrics_enabled({"HUB_METRICS": "1"})
    assert not metrics_enabled({"HUB_METRICS": "False"})


def test_a_broken_alerts_file_leaves_the_anomaly_figures_out_and_the_api_up(
    engine: Engine, registry: Registry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seed(engine)
    settings = tmp_path / "alerts.yaml"
    settings.write_text("volume_minimum: [not, a, number\n")
    client = _app(engine, tmp_path, registry, {"HUB_METRICS": "on"})
    with caplog.at_level(logging.ERROR, logger="hub.api.metrics"):
        first, second = samples(client.get("/metrics").text), samples(client.get("/metrics").text)
    for got in (first, second):
        assert got[key("hub_alert_settings_valid")] == 0
        assert got[key("hub_orders", tenant="t1", status="shipped")] == 4
        assert not [name for name, _ in got if name in {"hub_alerts", "hub_alert", "hub_acks_overdue"}]
    logged = [r.getMessage() for r in caplog.records if "alert settings" in r.getMessage()]
    assert len(logged) == 1 and "alerts.yaml" in logged[0]  # once, not at every scrape
    settings.write_text("volume_min: 50\n")  # mended: read at the next scrape, no restart
    mended = samples(client.get("/metrics").text)
    assert mended[key("hub_alert_settings_valid")] == 1
    assert mended[key("hub_alerts", tenant="t1", kind="volume_drop", severity="warning")] == 0
