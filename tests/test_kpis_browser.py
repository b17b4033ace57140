"""The KPI dashboard and alerts in a real headless chromium (Debian's binary through Playwright): signed in through
the login page, reached from the console's navigation, charts drawn as inline SVG under the console's CSP."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.auth import create_token
from hub.console.kpis import kpis_router
from hub.context import HubContext
from hub.plugins.registry import default_registry
from hub.testing.databases import sqlite_database
from tests.support.browser import REPO, Screenshots, launched_chromium, require_browser, serving
from tests.support.console_app import build_app
from tests.test_kpis_compute import seed


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_browser()
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def shots() -> Screenshots:
    folder = Path(os.environ.get("HUB_TEST_ARTIFACTS") or REPO / ".artifacts") / "kpis"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Screenshots(folder)


def test_dashboard_in_chromium(browser: Any, shots: Screenshots, tmp_path: Path) -> None:
    with sqlite_database(tmp_path) as engine:
        seed(engine)
        ctx = HubContext(engine=engine, registry=default_registry(), home=tmp_path, environ={})
        token = create_token(engine, "t1", "viewer", "browser")
        with serving(build_app(ctx, kpis_router(ctx))) as base:
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/login?next=/kpis")
            page.fill("input[name=token]", token)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/kpis")
            page.goto(f"{base}/kpis?period=day&span=3&until=2026-03-05")
            assert page.text_content("[data-kpi=service_rate]").startswith("66.7%")
            service = page.locator("[data-testid=chart][data-key=service_rate] rect[data-value]")
            assert service.count() == 3
            heights = [float(service.nth(i).get_attribute("height")) for i in range(3)]
            assert heights[1] == 0 and heights[0] == heights[2] > 0  # 100%, 0%, 100%
            box = page.locator("[data-testid=chart][data-key=service_rate] svg").bounding_box()
            assert box is not None and box["width"] > 300  # drawn, not blocked
            shots.take(page, "kpis")
            page.select_option("select[name=channel]", "amazon")
            page.click("[data-testid=kpi-filters] button[type=submit]")
            page.wait_for_url("**channel=amazon**")
            assert page.text_content("[data-kpi=backorder_rate]").startswith("50.0%")
            page.click("nav >> text=Alerts")
            page.wait_for_url(f"{base}/alerts")
            assert page.locator("[data-testid=alert][data-key='stock_stale:N2']").count() == 1
            shots.take(page, "alerts")
            assert not [p for p in problems if "Content Security Policy" in p], problems
            page.close()
