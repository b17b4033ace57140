"""The operator console over HTTP (no browser): sign-in and its cookie, roles and CSRF on the actions, what each
page shows from data built through the real pipeline, raw messages escaped and without secrets; SQLite and
PostgreSQL."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hub.auth import create_token
from hub.console.session import csrf_token
from hub.context import HubContext
from hub.exceptions import get_exception, list_exceptions
from hub.model.ids import utcnow
from hub.pipeline.inbox import store_raw
from hub.plugins.messages import RawMessage
from hub.plugins.registry import default_registry
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.tables import nodes, orders
from hub.testing.databases import postgres_database, sqlite_database
from tests.conftest import require_postgres
from tests.support.console_app import build_app, load_demo

SIGNING_KEY = "wh-signing-key-9f8e7d6c"
HEADERS = {
    "authorization": "Bearer top-secret-value",
    "x-shopify-hmac-sha256": "c2lnbmF0dXJl",
    "x-request-id": "req-77",
}


@dataclass
class Console:
    ctx: HubContext
    app: object
    operator: str
    viewer: str
    other_tenant: str

    def client(self, token: str | None = None) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)  # type: ignore[arg-type]
        if token is not None:
            assert client.post("/login", data={"token": token}).status_code == 303
        return client


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def console(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    folder = tmp_path_factory.mktemp(f"console-{request.param}")
    if request.param == "postgresql":
        require_postgres()
        databases = postgres_database()
    else:
        databases = sqlite_database(folder)
    with databases as opened:
        engine = opened[0] if isinstance(opened, tuple) else opened
        home = folder / "home"
        home.mkdir()
        environ = dict(os.environ) | {"CONSOLE_TEST_SIGNING_KEY": SIGNING_KEY}
        ctx = HubContext(engine=engine, registry=default_registry(), home=home, environ=environ)
        load_demo(ctx)
        yield Console(
            ctx=ctx,
            app=build_app(ctx),
            operator=create_token(engine, "default", "operator", "olga"),
            viewer=create_token(engine, "default", "viewer", "victor"),
            other_tenant=create_token(engine, "acme", "admin", "acme-admin"),
        )


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def open_backorder(ctx: HubContext) -> str:
    with read_only(ctx.engine) as conn:
        [record] = list_exceptions(conn, ctx.tenant, state="open", kind="backorder")
    return record.id


def test_pages_redirect_to_login_and_login_sets_a_strict_httponly_cookie(console: Console) -> None:
    client = console.client()
    assert client.get("/").headers["location"] == "/login"
    assert client.get("/order/7700123").headers["location"] == "/login?next=%2Forder%2F7700123"
    refused = client.post("/login", data={"token": "hub_tok_nope_" + "x" * 30})
    assert (
        refused.status_code == 401
        and "not valid" in refused.text
        and "hub_token" not in refused.headers.get("set-cookie", "")
    )
    signed = client.post("/login", data={"token": console.operator, "next": "/order/7700123"})
    assert signed.status_code == 303 and signed.headers["location"] == "/order/7700123"
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith("hub_token=hub_tok_")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback; over https the cookie is Secure
    page = client.get("/order/7700123")
    assert page.status_code == 200 and "olga" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["x-frame-options"] == "DENY"
    signed_out = client.post("/logout")
    assert signed_out.headers["location"] == "/login" and 'hub_token=""' in signed_out.headers["set-cookie"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_login_only_returns_to_a_local_path(console: Console, target: str) -> None:
    answer = console.client().post("/login", data={"token": console.operator, "next": target})
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_a_bearer_token_works_too_and_a_revoked_or_bad_one_does_not(console: Console) -> None:
    client = TestClient(console.app, follow_redirects=False)  # type: ignore[arg-type]
    assert client.get("/stock", headers={"Authorization": f"Bearer {console.viewer}"}).status_code == 200
    assert client.get("/stock", headers={"Authorization": "Bearer hub_tok_x_y"}).status_code == 303


def test_orders_list_searches_and_filters(console: Console) -> None:
    client = console.client(console.viewer)
    with read_only(console.ctx.engine) as conn:
        total = conn.execute(select(func.count()).select_from(orders).where(orders.c.tenant == "default")).scalar()
        marketplace = conn.execute(
            select(func.count()).select_from(orders).where(orders.c.source == "marketplace")
        ).scalar()
    everything = client.get("/").text
    menu = re.findall(r'<a href="(/[a-z]*)"( aria-current="page")?>(\w+)</a>', everything.split("</nav>")[0])
    assert [(path, label) for path, _, label in menu][:5] == [
        ("/", "Orders"),
        ("/exceptions", "Exceptions"),
        ("/failures", "Messages"),
        ("/connections", "Connections"),
        ("/stock", "Stock"),
    ]
    assert menu[0][1]  # the orders entry is the current page
    assert [label for _, _, label in menu][5:] == ["KPIs", "Alerts"]  # served by the KPI pages' router
    assert f">{total} orders<" in everything and total == 8
    found = client.get("/", params={"q": "770012"}).text
    assert ">1 order<" in found and ">7700123</a>" in found
    assert ">1 order<" in client.get("/", params={"q": "so-1001"}).text  # case-insensitive, part of the id
    assert f">{marketplace} orders<" in client.get("/", params={"source": "marketplace"}).text
    backordered = client.get("/", params={"status": "backordered"}).text
    assert ">1 order<" in backordered and "status-backordered" in backordered
    assert "No order matches" in client.get("/", params={"q": "no-such-order"}).text


def test_order_page_shows_the_timeline_across_systems_with_raw_messages_one_click_away(console: Console) -> None:
    page = console.client(console.viewer).get("/order/7700123")
    assert page.status_code == 200
    assert '<a href="/" aria-current="page">Orders</a>' in page.text  # an order page sits under Orders in the menu
    kinds = re.findall(r'data-kind="([a-z_]+)"', page.text)
    for kind in ("received", "allocated", "released", "shipment_confirmed", "tracking_sent"):
        assert kind in kinds
    assert kinds.index("received") < kinds.index("allocated") < kinds.index("released")
    assert kinds.index("released") < kinds.index("shipment_confirmed") < kinds.index("tracking_sent")
    assert "released as a 940 to logix-edi" in page.text
    assert "shipment LGX-55012 confirmed by logix-3pl" in page.text and "1Z4X81E20398124470" in page.text
    assert "rule: demo v1, route everywhere-else" in page.text
    raw = re.search(r'<a class="raw" href="(/message/msg_\w+)" data-testid="raw-in"', page.text)
    assert raw is not None
    message = console.client(console.viewer).get(raw.group(1))
    assert message.status_code == 200 and "ST*850*0001~" in message.text and "BEG*00*SA*7700123" in message.text
    released = page.text.split('data-kind="released"')[1].split("</li>")[0]
    sent = re.search(r'<a class="raw" href="(/message/out_\w+)" data-testid="raw-out"', released)
    assert sent is not None
    release = console.client(console.viewer).get(sent.group(1))
    assert release.status_code == 200 and "<dd>order_release</dd>" in release.text and "logix-edi" in release.text
    assert "TSHIRT-BLK-M" in release.text  # the release's lines, as queued for the 940
    assert console.client(console.viewer).get("/order/ord_nope").status_code == 404
    assert console.client(console.viewer).get("/message/out_nope").status_code == 404


def test_raw_message_is_escaped_and_keeps_secrets_out(console: Console) -> None:
    with console.ctx.engine.begin() as conn:
        add_connection(
            conn,
            ConnectionRecord(
                name="hooks",
                adapter="order_files",
                channel="hooks",
                tenant="default",
                secret_refs={"signing_key": "CONSOLE_TEST_SIGNING_KEY"},
            ),
            replace=True,
        )
    body = b'{"note": "<script>alert(1)</script>", "key": "' + SIGNING_KEY.encode() + b'"}\x00\xff\x1b[31m'
    message_id = store_raw(
        console.ctx.engine,
        RawMessage(
            body=body,
            connection="hooks",
            transport="webhook",
            transport_id="evt-1",
            headers=HEADERS,
            tenant="default",
        ),
    )
    page = console.client(console.viewer).get(f"/message/{message_id}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert SIGNING_KEY not in page and "top-secret-value" not in page and "c2lnbmF0dXJl" not in page
    assert "req-77" in page and "****" in page
    assert "\\x00\\xff\\x1b[31m" in page  # bytes that are not printable text are shown, escaped
    assert f"{len(body)} bytes" in page


def test_a_viewer_sees_but_gets_no_buttons_and_its_posts_are_refused(console: Console) -> None:
    client = console.client(console.viewer)
    exception_id = open_backorder(console.ctx)
    page = client.get("/exceptions").text
    assert exception_id in page and "wait_for_stock" in page
    assert 'action="/exceptions/' not in page and 'data-action="replay"' not in client.get("/failures").text
    own = client.post(  # the viewer's own session token: signed in, but not allowed to act
        f"/exceptions/{exception_id}/resolve", data={"csrf": csrf_token(console.viewer), "action": "cancel_order"}
    )
    assert own.status_code == 403 and "may look but not act" in own.text
    with read_only(console.ctx.engine) as conn:
        assert get_exception(conn, "default", exception_id).state == "open"


def test_an_action_without_the_session_csrf_token_is_refused(console: Console) -> None:
    client = console.client(console.operator)
    exception_id = open_backorder(console.ctx)
    for data in ({"action": "dismiss"}, {"action": "dismiss", "csrf": "0" * 64}):
        answer = client.post(f"/exceptions/{exception_id}/resolve", data=data)
        assert answer.status_code == 403 and "CSRF token does not match" in answer.text
    anonymous = console.client().post(f"/exceptions/{exception_id}/resolve", data={"csrf": "0" * 64})
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    with read_only(console.ctx.engine) as conn:
        assert get_exception(conn, "default", exception_id).state == "open"


def test_a_token_sees_only_its_own_tenant(console: Console) -> None:
    client = console.client(console.other_tenant)
    assert ">0 orders<" in client.get("/").text
    assert client.get("/order/7700123").status_code == 404
    assert "Nothing to act on" in client.get("/exceptions").text


def test_failed_messages_are_listed_and_a_replay_of_a_still_broken_file_says_so(console: Console) -> None:
    client = console.client(console.operator)
    page = client.get("/failures").text
    [failed] = re.findall(r'<tr data-id="(msg_\w+)">', page)
    assert "bad-json.jsonl" in page and "decode_error" in page
    answer = client.post(f"/message/{failed}/replay", data={"csrf": csrf_of(page), "back": "/failures"})
    assert answer.status_code == 303 and answer.headers["location"] == "/failures"
    after = client.get("/failures")
    assert f"replayed {failed}: rejected" in after.text and "flash-error" in after.text
    assert "flash" not in client.get("/failures").text.split("<main>")[1][:60]  # a notice shows once


def test_connections_show_their_health(console: Console) -> None:
    page = console.client(console.viewer).get("/connections").text
    rows = dict(re.findall(r'<tr data-name="([\w-]+)">(.*?)</tr>', page, flags=re.S))
    assert {"webshop", "marketplace", "shopmart-edi", "logix-edi", "wms-berlin"} <= set(rows)
    assert (
        'data-testid="verdict">failing<' in rows["marketplace"] and "1 failed inbound message(s)" in rows["marketplace"]
    )
    assert 'data-testid="verdict">ok<' in rows["logix-edi"] and "delivered" in rows["logix-edi"]


def test_stock_by_node_shows_freshness(console: Console) -> None:
    with console.ctx.engine.begin() as conn:
        conn.execute(
            nodes.update()
            .where(nodes.c.tenant == "default", nodes.c.code == "AMS")
            .values(stock_as_of=utcnow() - timedelta(days=3))
        )
    page = console.client(console.viewer).get("/stock").text
    sections = dict(re.findall(r'data-code="(\w+)">(.*?)</section>', page, flags=re.S))
    assert list(sections)[:3] == ["BER", "AMS", "NJ3"]  # by priority
    assert "3d 0h ago" in sections["AMS"] and "stale" in sections["AMS"]
    assert "stale" not in sections["BER"] and "stock as of" in sections["BER"]
    assert "STICKER-PACK" in sections["BER"]
    filtered = console.client(console.viewer).get("/stock", params={"sku": "sticker"}).text
    assert "STICKER-PACK" in filtered and "MUG-WHT" not in filtered


def test_the_console_serves_its_own_small_assets_only(console: Console) -> None:
    client = console.client()
    css = client.get("/console-static/console.css")
    js = client.get("/console-static/console.js")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert js.status_code == 200 and "data-autosubmit" in js.text
    assert client.get("/console-static/..%2Fsession.py").status_code == 404
    assert client.get("/console-static/base.html").status_code == 404


def test_an_operator_resolves_an_exception_with_one_post(console: Console) -> None:
    client = console.client(console.operator)
    exception_id = open_backorder(console.ctx)
    page = client.get("/exceptions").text
    acknowledged = client.post(
        f"/exceptions/{exception_id}/acknowledge",
        data={"csrf": csrf_of(page), "back": "/exceptions?state=acknowledged"},
    )
    assert acknowledged.headers["location"] == "/exceptions?state=acknowledged"
    listed = client.get(acknowledged.headers["location"]).text
    assert f"{exception_id} acknowledged by olga (console)" in listed and f'data-id="{exception_id}"' in listed
    assert 'data-action="acknowledge"' not in listed  # acknowledged once; resolving is what is left
    page = client.get("/exceptions").text
    assert f'action="/exceptions/{exception_id}/resolve"' in page
    assert re.findall(r'data-action="(\w+)"', page)[:3] == ["retry_allocation", "cancel_order", "dismiss"]
    answer = client.post(
        f"/exceptions/{exception_id}/resolve",
        data={"csrf": csrf_of(page), "action": "cancel_order", "back": "/exceptions"},
    )
    assert answer.status_code == 303
    notice = client.get("/exceptions").text
    assert f"{exception_id} resolved by cancel_order: order cancelled" in notice
    assert exception_id not in notice.split('data-testid="flash"')[1].split("</p>", 1)[1]
    with read_only(console.ctx.engine) as conn:
        record = get_exception(conn, "default", exception_id)
        assert (record.state, record.resolved_by) == ("resolved", "olga (console)")
    again = client.post(
        f"/exceptions/{exception_id}/resolve", data={"csrf": csrf_of(page), "action": "dismiss", "back": "/exceptions"}
    )
    assert "not resolved" in client.get(again.headers["location"]).text
