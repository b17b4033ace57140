"""The operator console in a real headless chromium (Debian's, driven by Playwright) against uvicorn on a loopback
port: signing in, order -> timeline -> raw 850, resolving a backorder once stock arrived, replaying a dead letter,
and a viewer who sees everything but can act on nothing. Screenshots go to $HUB_TEST_ARTIFACTS/console/."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.allocation.stock_import import import_stock_csv
from hub.auth import create_token
from hub.context import HubContext
from hub.exceptions import get_exception, list_exceptions
from hub.plugins.registry import default_registry
from hub.store import queries
from hub.store.db import read_only
from hub.testing.databases import sqlite_database
from tests.support.browser import Screenshots, artifacts_dir, launched_chromium, require_browser, serving
from tests.support.console_app import build_app, dead_letter, load_demo


@dataclass
class Site:
    url: str
    ctx: HubContext
    operator: str
    viewer: str
    dead_id: str
    fix_outbound: Any
    folder: Path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_browser()
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def shots() -> Screenshots:
    return Screenshots(artifacts_dir())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    require_browser()
    folder = tmp_path_factory.mktemp("console-browser")
    home = folder / "home"
    home.mkdir()
    with sqlite_database(folder) as engine:
        ctx = HubContext(engine=engine, registry=default_registry(), home=home, environ=dict(os.environ))
        load_demo(ctx)
        dead_id, fix = dead_letter(ctx, folder)
        with serving(build_app(ctx)) as url:
            yield Site(
                url=url,
                ctx=ctx,
                operator=create_token(engine, "default", "operator", "olga"),
                viewer=create_token(engine, "default", "viewer", "victor"),
                dead_id=dead_id,
                fix_outbound=fix,
                folder=folder,
            )


def signed_in(browser: Any, site: Site, token: str) -> Any:
    """A fresh browser context (its own cookies) signed in through the login form; returns its page."""
    context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/exceptions")
    assert page.url.startswith(f"{site.url}/login?next=")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.url}/exceptions")
    return page


def test_login_rejects_a_wrong_token_and_keeps_the_cookie_away_from_scripts(browser: Any, site: Site, shots) -> None:
    context = browser.new_context(base_url=site.url)
    page = context.new_page()
    page.goto("/")
    page.fill("#token", "hub_tok_01ABCDEFGHJKMNPQRSTVWXYZ01_wrongwrongwrongwrong")
    page.click("button[type=submit]")
    assert "not valid" in page.inner_text("[data-testid=error]")
    shots.take(page, "login-refused")
    page.fill("#token", site.operator)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.url}/")
    [cookie] = [c for c in context.cookies() if c["name"] == "hub_token"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "hub_token" not in page.evaluate("document.cookie")
    context.close()


def test_operator_follows_an_x12_order_through_its_timeline_to_the_raw_850(browser: Any, site: Site, shots) -> None:
    page = signed_in(browser, site, site.operator)
    page.get_by_role("link", name="Orders", exact=True).click()
    assert page.inner_text("[data-testid=count]") == "9 orders"  # the demo's 8 and the dead-lettered one
    page.fill("input[name=q]", "7700123")
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r".*\?q=7700123.*"))
    assert page.inner_text("[data-testid=count]") == "1 order"
    shots.take(page, "orders-search")
    page.click("text=7700123")
    page.wait_for_url(re.compile(r".*/order/ord_\w+$"))
    assert page.inner_text("[data-testid=order-status]") == "shipped"
    timeline = page.locator("[data-testid=timeline] li")
    kinds = [timeline.nth(i).get_attribute("data-kind") for i in range(timeline.count())]
    assert kinds[:2] == ["received", "allocated"]
    assert {"released", "shipment_confirmed", "tracking_sent"} <= set(kinds)
    released = page.locator("li[data-kind=released]")
    assert "released as a 940 to logix-edi" in released.inner_text()
    assert "demo v1" in page.locator("li[data-kind=allocated] [data-testid=rule]").inner_text()
    assert "1Z4X81E20398124470" in page.locator("li[data-kind=shipment_confirmed]").inner_text()
    shots.take(page, "order-timeline")

    page.locator("li[data-kind=received] [data-testid=raw-in]").click()
    page.wait_for_url(re.compile(r".*/message/msg_\w+$"))
    body = page.inner_text("[data-testid=raw-body]")
    assert body.startswith("ISA*00*") and "ST*850*0001~" in body and "BEG*00*SA*7700123" in body
    assert page.inner_text("[data-testid=message-status]") == "processed"
    shots.take(page, "raw-850")

    page.go_back()
    page.locator("li[data-kind=released] [data-testid=raw-out]").click()
    page.wait_for_url(re.compile(r".*/message/out_\w+$"))
    assert '"kind"' in page.inner_text("[data-testid=raw-body]") or "order_release" in page.content()
    shots.take(page, "released-940-message")
    page.context.close()


def test_operator_resolves_a_backorder_with_one_click_once_stock_arrived(browser: Any, site: Site, shots) -> None:
    with read_only(site.ctx.engine) as conn:
        [record] = list_exceptions(conn, "default", state="open", kind="backorder")
    arrival = site.folder / "stock-arrival.csv"
    arrival.write_text("node,sku,on_hand\nAMS,HOODIE-GRY-L,5\nAMS,MUG-WHT,12\n", encoding="utf-8")
    import_stock_csv(site.ctx.engine, "default", arrival)

    page = signed_in(browser, site, site.operator)
    card = page.locator(f"[data-testid=exception][data-id={record.id}]")
    assert card.locator("[data-testid=suggested]").inner_text() == "wait_for_stock"
    shots.take(page, "exceptions-before")
    card.locator("button[data-action=retry_allocation]").click()
    page.wait_for_load_state()
    notice = page.inner_text("[data-testid=flash]")
    assert f"{record.id} resolved by retry_allocation" in notice and "AMS" in notice
    assert page.locator(f"[data-testid=exception][data-id={record.id}]").count() == 0
    shots.take(page, "exceptions-after-retry")
    with read_only(site.ctx.engine) as conn:
        assert get_exception(conn, "default", record.id).state == "resolved"
        assert queries.get_order(conn, "default", record.order_id)["status"] in {"allocated", "released"}

    page.goto(f"/order/{record.order_id}")
    resolved = page.locator("li[data-kind=exception]").last.inner_text()
    assert "backorder resolved: allocated: AMS" in resolved
    shots.take(page, "backorder-order-timeline")
    page.context.close()


def test_operator_replays_a_dead_letter_after_fixing_its_cause(browser: Any, site: Site, shots) -> None:
    page = signed_in(browser, site, site.operator)
    page.get_by_role("link", name="Messages", exact=True).click()
    page.wait_for_url(f"{site.url}/failures")
    shots.take(page, "failed-inbox")
    page.get_by_role("link", name="sent (outbox)").click()
    page.wait_for_url(f"{site.url}/failures?box=outbox")
    row = page.locator(f"tr[data-id={site.dead_id}]")
    assert "dead" in row.inner_text() and "File exists" in row.inner_text()
    shots.take(page, "dead-letters")
    site.fix_outbound()  # the operator freed the outbound folder
    row.locator("button[data-action=replay]").click()
    page.wait_for_load_state()
    assert f"replayed {site.dead_id}: delivered" in page.inner_text("[data-testid=flash]")
    assert page.locator(f"tr[data-id={site.dead_id}]").count() == 0
    shots.take(page, "dead-letter-replayed")
    written = list((site.ctx.home / "outbound" / "wms-berlin").glob("order_release-*.json"))
    assert any("SO-DEAD-1" in f.read_text(encoding="utf-8") for f in written)
    page.context.close()


def test_a_viewer_sees_everything_but_has_no_buttons_and_posts_are_refused(browser: Any, site: Site, shots) -> None:
    page = signed_in(browser, site, site.viewer)
    assert page.inner_text("[data-testid=who]") == "victor"
    assert page.locator("form[action*='/resolve'] button").count() == 0
    page.goto("/failures")
    assert page.locator("button[data-action=replay]").count() == 0
    page.goto("/connections")
    assert page.locator("[data-testid=verdict]").count() >= 5
    page.goto("/stock")
    assert page.locator("[data-testid=node]").count() == 3
    shots.take(page, "viewer-stock")
    with read_only(site.ctx.engine) as conn:
        [failed] = queries.list_inbox(conn, "default", status="failed")
    from hub.console.session import csrf_token

    answer = page.context.request.post(
        f"/message/{failed['id']}/replay", form={"csrf": csrf_token(site.viewer), "back": "/failures"}
    )
    assert answer.status == 403 and "may look but not act" in answer.text()
    page.context.close()
