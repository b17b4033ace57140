"""Orders on /api/v1: filters and cursor pages; one order with its lines, decision and timeline across systems
(an X12 850 received by file, acknowledged, allocated by a named rule, released as a 940, shipped by a 945,
tracking sent as an 856); and the other read endpoints' shapes (stock, promise, rules, messages)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.auth import Role
from hub.store import queries
from hub.store.db import read_only
from hub.timeline import order_timeline
from tests.test_api_v1_data import TENANTS, TenantData, database, make_client, make_tenants, problem_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def tenants(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("orders")
    with database(request.param, folder) as engine:
        yield make_tenants(engine, folder)


@pytest.fixture(scope="module")
def client(tenants: dict[str, TenantData]) -> TestClient:
    return make_client(tenants)


@pytest.fixture(scope="module")
def acme(tenants: dict[str, TenantData]) -> TenantData:
    return tenants[TENANTS[0]]


def test_cursor_pages_walk_every_order_once_newest_first(client: TestClient, acme: TenantData) -> None:
    with read_only(acme.ctx.engine) as conn:
        expected = [o["id"] for o in queries.list_orders(conn, "acme")][::-1]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/orders", params=params, headers=acme.auth()).json()
        seen += [o["id"] for o in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and len(expected) == 8 and pages == 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "backordered"}, {"WEB-2002"}),
        ({"source": "webshop"}, {"SO-1001", "SO-1002", "SO-1003"}),
        ({"external_id": "7700123"}, {"7700123"}),
        ({"sku": "GRINDER-HND"}, None),
        ({"created_from": "2100-01-01T00:00:00Z"}, set()),
    ],
)
def test_filters(client: TestClient, acme: TenantData, query: dict[str, str], expected: set[str] | None) -> None:
    found = client.get("/api/v1/orders", params=query, headers=acme.auth()).json()["items"]
    ids = {o["external_id"] for o in found}
    if expected is None:  # by SKU: exactly the orders with a line of it
        with read_only(acme.ctx.engine) as conn:
            expected = {
                o["external_id"]
                for o in queries.list_orders(conn, "acme")
                if any(ln["sku"] == query["sku"] for ln in o["lines"])
            }
        assert expected
    assert ids == expected


def test_one_order_by_id_or_external_id_with_lines_decision_and_timeline(client: TestClient, acme: TenantData) -> None:
    by_id = client.get(f"/api/v1/orders/{acme.ids['order']}", headers=acme.auth()).json()
    by_ref = client.get(f"/api/v1/orders/{acme.ids['order_external']}", headers=acme.auth()).json()
    assert by_id == by_ref
    assert by_id["lines"] and by_id["decision"]["rule_set"] == "demo v1"
    kinds = [e["kind"] for e in by_id["timeline"]]
    for kind in ("received", "acknowledgment_sent", "allocated", "released", "shipment_confirmed", "tracking_sent"):
        assert kind in kinds, kinds
    assert kinds.index("received") < kinds.index("allocated") < kinds.index("released") < kinds.index("tracking_sent")
    entry = {e["kind"]: e for e in reversed(by_id["timeline"])}
    assert entry["received"]["detail"]["transport"] == "file" and entry["received"]["inbox_id"].startswith("msg_")
    assert entry["allocated"]["rule"] == "demo v1, route everywhere-else"
    assert entry["released"]["detail"]["document"] == "940" and entry["released"]["outbox_id"].startswith("out_")
    assert entry["released"]["summary"] == "released as a 940 to logix-edi"
    assert entry["shipment_confirmed"]["detail"]["tracking"] and entry["shipment_confirmed"]["inbox_id"]
    assert entry["tracking_sent"]["detail"]["document"] == "856"
    for e in by_id["timeline"]:
        assert set(e) == {"at", "kind", "summary", "detail", "inbox_id", "outbox_id", "rule"}
    times = [e["at"] for e in by_id["timeline"]]
    assert times == sorted(times)
    alone = client.get(f"/api/v1/orders/{acme.ids['order']}/timeline", headers=acme.auth()).json()
    assert alone["items"] == by_id["timeline"]


def test_a_resent_file_shows_as_deduplicated_on_the_timeline(acme: TenantData) -> None:
    with read_only(acme.ctx.engine) as conn:
        order_id = queries.get_order(conn, "acme", "SO-1001")["id"]
        timeline = order_timeline(conn, "acme", order_id)
        with pytest.raises(queries.NotFound):
            order_timeline(conn, "globex", order_id)
    dedup = [e for e in timeline if e["kind"] == "deduplicated"]
    assert len(dedup) == 1 and dedup[0]["detail"]["filename"] == "orders-2024-05-01-resend.csv"
    assert dedup[0]["inbox_id"] != next(e for e in timeline if e["kind"] == "received")["inbox_id"]


def test_an_unknown_order_is_a_404_problem(client: TestClient, acme: TenantData) -> None:
    response = client.get("/api/v1/orders/SO-0000", headers=acme.auth())
    assert response.status_code == 404 and problem_of(response)["instance"] == "/api/v1/orders/SO-0000"


def test_stock_per_node_per_sku_and_per_channel(client: TestClient, acme: TenantData) -> None:
    levels = client.get("/api/v1/stock", params={"node": "BER"}, headers=acme.auth()).json()["items"]
    assert levels and {row["node"] for row in levels} == {"BER"}
    one = client.get("/api/v1/stock/MUG-WHT", headers=acme.auth()).json()
    assert {n["node"] for n in one["nodes"]} >= {"BER"} and "webshop" in [c["channel"] for c in one["channels"]]
    assert one["nodes"][0]["stock_as_of"] is not None
    channel = client.get("/api/v1/stock/channels/webshop", params={"sku": "MUG-WHT"}, headers=acme.auth()).json()
    assert channel["items"] == [
        {"sku": "MUG-WHT", "available": next(c for c in one["channels"] if c["channel"] == "webshop")["available"]}
    ]


def test_promise_is_the_answer_of_hub_promise(client: TestClient, acme: TenantData) -> None:
    from hub.jsonable import to_jsonable
    from hub.promise import PromiseRequest, answer_request

    body = {"to": {"country": "DE", "postal_code": "10115"}, "items": {"MUG-WHT": 1}, "at": "2026-12-01T09:00:00Z"}
    answer = client.post("/api/v1/promise", json=body, headers=acme.auth()).json()
    direct = answer_request(acme.ctx, PromiseRequest.model_validate(body), save=False)
    assert answer == to_jsonable(direct.as_dict(), normalize_decimals=True)
    assert answer["can_ship"] is True
    refused = client.post("/api/v1/promise?save=true", json=body, headers=acme.auth())
    assert refused.status_code == 403
    saved = client.post("/api/v1/promise?save=true", json=body, headers=acme.auth(Role.OPERATOR)).json()
    assert saved["promise_id"]


def test_rules_view_validate_simulate(client: TestClient, acme: TenantData) -> None:
    versions = client.get("/api/v1/rules", headers=acme.auth()).json()["items"]
    assert [(v["version"], v["active"]) for v in versions] == [(1, True), (7, False)]
    active = client.get("/api/v1/rules/active", headers=acme.auth()).json()
    assert active["version"] == 1 and active["rule_set"] == "demo" and "routes:" in active["yaml"]
    text = active["yaml"].replace("split: allow", "split: forbid").replace("version: 1", "version: 9")
    checked = client.post("/api/v1/rules/validate", json={"yaml": text}, headers=acme.auth()).json()
    assert checked["ok"] is True and checked["version"] == 9 and checked["warnings"] == []
    broken = client.post("/api/v1/rules/validate", json={"yaml": "routes: 3"}, headers=acme.auth()).json()
    assert broken["ok"] is False and broken["errors"][0]["code"]
    what_if = client.post(
        "/api/v1/rules/simulate", json={"yaml": text, "since": "2000-01-01T00:00:00Z"}, headers=acme.auth()
    ).json()
    assert what_if["current"]["orders"] == what_if["candidate"]["orders"] == 8
    assert what_if["changed_orders"] == len(what_if["differences"])


def test_messages_lists_and_one_message_with_its_raw_body(client: TestClient, acme: TenantData) -> None:
    failed = client.get("/api/v1/messages/inbox", params={"status": "failed"}, headers=acme.auth()).json()["items"]
    assert [m["id"] for m in failed] == [acme.ids["inbox_failed"]] and failed[0]["error"]["code"] == "decode_error"
    shown = client.get(f"/api/v1/messages/{acme.ids['inbox_failed']}", headers=acme.auth()).json()
    assert shown["filename"] == "bad-json.jsonl" and shown["body_bytes"] == len(shown["body"].encode())
    out = client.get("/api/v1/messages/outbox", params={"connection": "logix-edi"}, headers=acme.auth()).json()
    assert out["items"] and {m["connection"] for m in out["items"]} == {"logix-edi"}
    first = client.get("/api/v1/messages/outbox", params={"limit": 2}, headers=acme.auth()).json()
    after = client.get(
        "/api/v1/messages/outbox", params={"limit": 2, "cursor": first["next_cursor"]}, headers=acme.auth()
    ).json()
    assert first["next_cursor"] and not {m["id"] for m in first["items"]} & {m["id"] for m in after["items"]}


def test_connections_and_partners(client: TestClient, acme: TenantData) -> None:
    names = [c["name"] for c in client.get("/api/v1/connections", headers=acme.auth()).json()["items"]]
    assert "shopmart-edi" in names and "acme-only" in names and "globex-only" not in names
    partner = client.get("/api/v1/partners/acme-partner", headers=acme.auth()).json()
    assert partner["origin"] == "stored" and partner["x12"] == "ZZ:ACMEPARTNER"


def test_kpis_are_compute_kpis_of_the_tenant(client: TestClient, acme: TenantData) -> None:
    from datetime import date, timedelta

    from hub.jsonable import to_jsonable
    from hub.kpis import compute_kpis

    today = date.today()
    params = {"since": (today - timedelta(days=2)).isoformat(), "until": (today + timedelta(days=1)).isoformat()}
    answer = client.get("/api/v1/kpis", params=params, headers=acme.auth()).json()
    with read_only(acme.ctx.engine) as conn:
        direct = compute_kpis(conn, "acme", since=today - timedelta(days=2), until=today + timedelta(days=1))
    assert answer == to_jsonable(direct.as_dict(), normalize_decimals=True)
    assert answer["tenant"] == "acme" and len(answer["buckets"]) == 3
    empty = client.get("/api/v1/kpis", params={"since": params["until"], "until": params["since"]}, headers=acme.auth())
    assert empty.status_code == 422 and "empty" in problem_of(empty)["detail"]
