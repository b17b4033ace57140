"""The console's KPI dashboard and alerts pages over HTTP (no browser): signed-in only, the token's tenant only,
exact figures in the totals, the table and the inline SVG charts; filters; alerts with their explanations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hub.auth import create_token
from hub.console.kpis import kpis_router
from hub.context import HubContext
from hub.model.ids import utcnow
from hub.partners.profile import PartnerProfile
from hub.partners.store import save_profile
from hub.plugins.registry import default_registry
from hub.testing.databases import postgres_database, sqlite_database
from tests.conftest import require_postgres
from tests.support.console_app import build_app
from tests.test_kpis_compute import envelope, node, outbox_row, seed, seed_other_tenant

SPAN = "/kpis?period=day&span=3&until=2026-03-05"


@dataclass
class Site:
    app: object
    home: Path
    viewer: str
    other: str

    def client(self, token: str | None) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)  # type: ignore[arg-type]
        if token:
            client.cookies.set("hub_token", token)
        return client


def _seed_live(engine: Engine) -> None:
    """Alerts at the real `now`: a fresh node, an ACME message unacknowledged for 2000 minutes."""
    now = utcnow()
    with engine.begin() as conn:
        node(conn, "t1", "N_fresh", stock_as_of=now - timedelta(minutes=5))
        save_profile(conn, "t1", PartnerProfile(name="ACME", x12="ZZ:ACME"))
        sent = now - timedelta(minutes=2000)
        oid = outbox_row(conn, "t1", "c_x12", sent, kind="order_ack", delivered=sent)
        envelope(conn, "t1", "x12:ACME", 500, oid, "order_ack", sent, None)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp(f"kpis-{request.param}")
    if request.param == "postgresql":
        require_postgres()
        databases = postgres_database()
        engine = databases.__enter__()[0]
    else:
        databases = sqlite_database(folder)
        engine = databases.__enter__()
    try:
        seed(engine)
        seed_other_tenant(engine)
        _seed_live(engine)
        home = folder / "home"
        home.mkdir()
        ctx = HubContext(engine=engine, registry=default_registry(), home=home, environ={})
        app = build_app(ctx, kpis_router(ctx))
        yield Site(app, home, create_token(engine, "t1", "viewer", "v"), create_token(engine, "t2", "viewer", "w"))
    finally:
        databases.__exit__(None, None, None)


def kpi(html: str, name: str) -> str:
    found = re.search(rf'data-kpi="{name}">(.*?)</dd>', html, re.S)
    assert found, name
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


def bars(html: str, key: str) -> list[str]:
    section = re.search(rf'data-key="{key}">(.*?)</section>', html, re.S)
    assert section, key
    return re.findall(r'data-value="([^"]*)"', section.group(1))


def test_signed_in_only(site: Site) -> None:
    for path in (SPAN, "/alerts"):
        answer = site.client(None).get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")


def test_dashboard_figures(site: Site) -> None:
    html = site.client(site.viewer).get(SPAN).text
    assert kpi(html, "service_rate") == "66.7% (2 of 3 promised orders shipped on time)"
    assert kpi(html, "lead_time") == "12.0 h / 45.0 h (4 orders shipped)"
    assert kpi(html, "cost_per_order") == "8.88 EUR (4 orders)"
    assert kpi(html, "split_rate") == "14.3% (1 of 7 allocated)"
    assert kpi(html, "backorder_rate") == "28.6% (2 of 7 allocated)"
    assert re.findall(r'data-bucket="([^"]+)"', html) == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert bars(html, "service_rate") == ["100.0%", "0.0%", "100.0%"]
    assert bars(html, "lead_p50") == ["7.0 h", "26.0 h", "45.0 h"]
    assert bars(html, "cost_EUR") == ["6.00 EUR", "12.50 EUR", "11.00 EUR"]
    assert bars(html, "backorder_rate") == ["16.7%", "100.0%"]  # no order was allocated on the 4th
    assert re.search(r'data-connection="c_shop">.*?25\.0%', html)
    assert re.search(r'data-partner="ACME">.*?40\.0%</td></tr>', html)  # 1 failed + 1 rejected of 3 in + 2 acked
    assert 'aria-current="page">KPIs' in html  # the console's navigation, from base.html


def test_filters(site: Site) -> None:
    client = site.client(site.viewer)
    amazon = client.get(SPAN + "&channel=amazon").text
    assert kpi(amazon, "backorder_rate") == "50.0% (1 of 2 allocated)"
    assert kpi(amazon, "service_rate").startswith("-")
    assert '<option value="amazon" selected>' in amazon
    n2 = client.get(SPAN + "&node=N2").text
    assert kpi(n2, "split_rate") == "50.0% (1 of 2 allocated)"
    weekly = client.get("/kpis?period=week&span=1&until=2026-03-09").text
    assert re.findall(r'data-bucket="([^"]+)"', weekly) == ["2026-W10"]
    bad = client.get("/kpis?period=month")
    assert bad.status_code == 422 and "period 'month' is not one of day, week" in bad.text.replace("&#39;", "'")
    assert client.get("/kpis?span=500").status_code == 422


def test_other_tenant_sees_its_own(site: Site) -> None:
    html = site.client(site.other).get("/kpis?period=day&span=1&until=2026-03-03").text
    assert kpi(html, "service_rate") == "0.0% (0 of 1 promised orders shipped on time)"
    assert "c_x12" not in html and "ACME" not in html


def test_alerts_page(site: Site) -> None:
    html = site.client(site.viewer).get("/alerts").text
    keys = set(re.findall(r'data-testid="alert" data-key="([^"]+)"', html))
    assert {"stock_stale:N1", "stock_stale:N2", "ack_overdue:ACME"} <= keys
    assert "stock_stale:N_fresh" not in keys
    assert "without a 997/999 after 1440 min" in html
    assert "same weekday of the last 4 weeks" in html  # the statistic explained
    other = site.client(site.other).get("/alerts").text
    assert re.findall(r'data-testid="alert" data-key="([^"]+)"', other) == []  # t2 has no nodes, no partners
    assert "0 alerts at" in other


def test_alert_settings_from_home(site: Site) -> None:
    settings = site.home / "alerts.yaml"
    try:
        settings.write_text("partner_ack_windows: {ACME: 3000}\n")
        keys = set(re.findall(r'data-key="([^"]+)"', site.client(site.viewer).get("/alerts").text))
        assert "ack_overdue:ACME" not in keys
        settings.write_text("ack_window: 5\n")
        broken = site.client(site.viewer).get("/alerts")
        assert broken.status_code == 500 and "ack_window" in broken.text
    finally:
        settings.unlink()
