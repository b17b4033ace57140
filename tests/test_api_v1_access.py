"""Roles and errors on /api/v1: no token 401, a viewer reads but may not act (403), an operator acknowledges,
resolves and replays, an admin manages tokens and connections; every error is an RFC 9457 problem.

The tenants are built once per module: each test that changes something changes its own objects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hub.auth import Role
from hub.store.db import read_only
from hub.store.tables import connections, inbox, outbox
from tests.test_api_v1_data import TENANTS, TenantData, database, make_client, make_tenants, problem_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def tenants(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("access")
    with database(request.param, folder) as engine:
        yield make_tenants(engine, folder)


@pytest.fixture(scope="module")
def client(tenants: dict[str, TenantData]) -> TestClient:
    return make_client(tenants)


@pytest.fixture(scope="module")
def acme(tenants: dict[str, TenantData]) -> TenantData:
    return tenants[TENANTS[0]]


ACTIONS = [
    ("POST", "/api/v1/exceptions/{exception}/acknowledge", Role.OPERATOR),
    ("POST", "/api/v1/exceptions/{exception}/resolve", Role.OPERATOR),
    ("POST", "/api/v1/messages/{inbox_failed}/replay", Role.OPERATOR),
    ("POST", "/api/v1/connections/{connection}/disable", Role.ADMIN),
    ("POST", "/api/v1/connections/{connection}/enable", Role.ADMIN),
    ("GET", "/api/v1/tokens", Role.ADMIN),
    ("POST", "/api/v1/tokens", Role.ADMIN),
    ("DELETE", "/api/v1/tokens/{token}", Role.ADMIN),
]


def test_no_token_or_a_bad_one_is_401_everywhere(client: TestClient, acme: TenantData) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, item in paths.items():
        if not path.startswith("/api/v1/"):
            continue
        for method in item:
            for headers in ({}, {"Authorization": "Bearer hub_tok_nope"}, {"Authorization": "Basic abc"}):
                response = client.request(method.upper(), path, headers=headers)
                assert response.status_code == 401, (method, path, response.text)
                assert response.headers["www-authenticate"].startswith("Bearer")
                assert problem_of(response)["title"] == "Unauthorized"


def test_the_console_cookie_works_like_a_bearer_token(client: TestClient, acme: TenantData) -> None:
    client.cookies.set("hub_token", acme.tokens[Role.VIEWER])
    try:
        assert client.get("/api/v1/orders").status_code == 200
    finally:
        client.cookies.clear()


@pytest.mark.parametrize(("method", "template", "needed"), ACTIONS)
def test_roles_below_the_needed_one_get_403(
    client: TestClient, acme: TenantData, method: str, template: str, needed: Role
) -> None:
    path = template.format(**acme.ids)
    for role in Role:
        if role.allows(needed):
            continue
        response = client.request(method, path, headers=acme.auth(role), json={"role": "viewer", "name": "x"})
        body = problem_of(response)
        assert response.status_code == 403 and needed.value in body["detail"], (role, path, body)


def test_a_viewer_reads_everything(client: TestClient, acme: TenantData) -> None:
    for path in ("/api/v1/orders", "/api/v1/exceptions", "/api/v1/messages/inbox", "/api/v1/stock", "/api/v1/rules"):
        assert client.get(path, headers=acme.auth()).status_code == 200


def test_an_operator_acknowledges_and_resolves_and_a_second_time_is_409(client: TestClient, acme: TenantData) -> None:
    exc = acme.ids["exception"]
    ack = client.post(f"/api/v1/exceptions/{exc}/acknowledge", headers=acme.auth(Role.OPERATOR))
    assert ack.status_code == 200 and ack.json()["state"] == "acknowledged"
    assert "acme-operator" in ack.json()["detail"]["acknowledged_by"]
    again = client.post(f"/api/v1/exceptions/{exc}/acknowledge", headers=acme.auth(Role.OPERATOR))
    assert again.status_code == 409 and problem_of(again)["code"] == "illegal_exception_transition"
    unknown = client.post(
        f"/api/v1/exceptions/{exc}/resolve", headers=acme.auth(Role.OPERATOR), json={"action": "teleport"}
    )
    assert unknown.status_code == 422 and problem_of(unknown)["code"] == "unknown_action"
    done = client.post(
        f"/api/v1/exceptions/{exc}/resolve", headers=acme.auth(Role.OPERATOR), json={"action": "dismiss", "note": "ok"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["exception"]["state"] == "resolved" and done.json()["action"] == "dismiss"
    twice = client.post(f"/api/v1/exceptions/{exc}/resolve", headers=acme.auth(Role.OPERATOR), json={})
    assert twice.status_code == 409
    problem_of(twice)
    listed = client.get("/api/v1/exceptions?state=resolved", headers=acme.auth()).json()["items"]
    assert [e["id"] for e in listed] == [exc]


def test_an_operator_replays_a_failed_inbox_message_and_a_delivered_outbox_message(
    client: TestClient, acme: TenantData
) -> None:
    failed = acme.ids["inbox_failed"]
    replayed = client.post(f"/api/v1/messages/{failed}/replay", headers=acme.auth(Role.OPERATOR))
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["box"] == "inbox" and replayed.json()["status"] == "rejected"  # still not JSON
    assert replayed.json()["errors"][0]["code"] == "decode_error"
    sent = acme.ids["outbox"]
    queued = client.post(f"/api/v1/messages/{sent}/replay", headers=acme.auth(Role.OPERATOR))
    assert queued.status_code == 200 and queued.json() == {"id": sent, "box": "outbox", "status": "pending"}
    again = client.post(f"/api/v1/messages/{sent}/replay", headers=acme.auth(Role.OPERATOR))
    assert again.status_code == 409  # pending already
    with read_only(acme.ctx.engine) as conn:
        assert conn.execute(select(outbox.c.status).where(outbox.c.id == sent)).scalar_one() == "pending"
        assert conn.execute(select(inbox.c.attempts).where(inbox.c.id == failed)).scalar_one() == 2


def test_an_admin_manages_tokens_of_its_own_tenant(client: TestClient, acme: TenantData) -> None:
    made = client.post("/api/v1/tokens", headers=acme.auth(Role.ADMIN), json={"role": "operator", "name": "robot"})
    assert made.status_code == 201 and made.json()["tenant"] == "acme"
    token = made.json()["token"]
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listed = client.get("/api/v1/tokens", headers=acme.auth(Role.ADMIN)).json()["items"]
    assert "robot" in [t["name"] for t in listed] and all("token" not in t for t in listed)
    revoked = client.delete(f"/api/v1/tokens/{made.json()['id']}", headers=acme.auth(Role.ADMIN))
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    again = client.delete(f"/api/v1/tokens/{made.json()['id']}", headers=acme.auth(Role.ADMIN))
    assert again.status_code == 409
    problem_of(again)


def test_an_admin_stops_and_restarts_a_connection(client: TestClient, acme: TenantData) -> None:
    name = acme.ids["connection"]
    stopped = client.post(
        f"/api/v1/connections/{name}/disable", headers=acme.auth(Role.ADMIN), json={"reason": "maintenance"}
    )
    assert stopped.status_code == 200 and stopped.json()["enabled"] is False
    assert stopped.json()["disabled_reason"] == "maintenance"
    with read_only(acme.ctx.engine) as conn:
        rows = conn.execute(select(connections.c.tenant, connections.c.enabled).where(connections.c.name == name))
        assert sorted(tuple(r) for r in rows) == [("acme", 0)]
    started = client.post(f"/api/v1/connections/{name}/enable", headers=acme.auth(Role.ADMIN))
    assert started.status_code == 200 and started.json()["enabled"] is True


def test_validation_errors_are_problems_with_the_errors_listed(client: TestClient, acme: TenantData) -> None:
    bad = client.get("/api/v1/orders?limit=0&status=lost", headers=acme.auth())
    body = problem_of(bad)
    assert bad.status_code == 422 and {tuple(e["loc"]) for e in body["errors"]} == {
        ("query", "limit"),
        ("query", "status"),
    }
    body = problem_of(client.post("/api/v1/promise", headers=acme.auth(), json={"to": {"country": "DE"}}))
    assert body["status"] == 422 and ["body", "items"] in [e["loc"] for e in body["errors"]]
    unreadable = client.post(
        "/api/v1/rules/validate", headers=acme.auth() | {"content-type": "application/json"}, content=b"{no"
    )
    assert unreadable.status_code in {400, 422}
    problem_of(unreadable)


def test_an_unexpected_failure_is_a_500_problem_without_the_error_text(acme: TenantData) -> None:
    from hub.api.v1 import mount
    from tests.test_api_v1_data import api_app

    app = api_app(acme.ctx)

    @app.get("/api/v1-probe/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    mount(app, acme.ctx)  # a second mount adds nothing
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/api/v1-probe/boom")
    assert response.status_code == 500 and "secret internals" not in response.text
    assert problem_of(response)["title"] == "Internal Server Error"
    paths = [p for p in client.get("/openapi.json").json()["paths"] if p == "/api/v1/orders"]
    assert paths == ["/api/v1/orders"]


def test_other_routes_keep_their_own_error_shape(client: TestClient) -> None:
    missing = client.get("/orders/nope")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"
    assert "detail" in missing.json()
