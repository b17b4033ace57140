"""Tenant isolation, walked over every /api/v1 route (from app.routes, so a new endpoint cannot be forgotten):
a token of one tenant asking for the other tenant's objects by their ids gets 404 problems, and what it lists
never holds the other tenant's data."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.auth import Role
from tests.test_api_v1_data import TENANTS, TenantData, database, make_client, make_tenants, problem_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def tenants(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("tenancy")
    with database(request.param, folder) as engine:
        yield make_tenants(engine, folder)


@pytest.fixture(scope="module")
def client(tenants: dict[str, TenantData]) -> TestClient:
    return make_client(tenants)


PARAMS = {
    "key": "order",
    "exception_id": "exception",
    "message_id": ("inbox_failed", "outbox"),
    "sku": "sku",
    "channel": "channel",
    "name": "connection",
    "version": "rule_version",
    "token_id": "token",
}
"""Which of the other tenant's objects fills each path parameter (a new parameter must be added here)."""

OVERRIDES = {("/api/v1/partners/{name}", "name"): "partner"}
"""Where a parameter name means another kind of object."""


def probes(template: str, param: str) -> tuple[str, ...]:
    keys = OVERRIDES.get((template, param), PARAMS[param])
    return keys if isinstance(keys, tuple) else (keys,)


BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/promise"): {"to": {"country": "DE", "postal_code": "10115"}, "items": {"GLOBEX-ONLY": 1}},
    ("POST", "/api/v1/rules/validate"): {"yaml": "rule_set: probe\nversion: 3\nroutes: [{name: r, nodes: all}]\n"},
    ("POST", "/api/v1/rules/simulate"): {
        "yaml": "rule_set: probe\nversion: 3\nroutes: [{name: r, nodes: all}]\n",
        "since": "2000-01-01T00:00:00Z",
    },
    ("POST", "/api/v1/tokens"): {"role": "viewer", "name": "probe"},
    ("POST", "/api/v1/exceptions/{exception_id}/resolve"): {"action": "dismiss"},
    ("POST", "/api/v1/connections/{name}/disable"): {"reason": "probe"},
}
"""Bodies for the operations that need one (a new operation with a body must be added here)."""


def api_routes(client: TestClient) -> list[tuple[str, str, list[str]]]:
    """Every /api/v1 operation the app serves, from its OpenAPI document: (method, path template, parameters)."""
    paths = client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path, re.findall(r"{(\w+)}", path))
        for path, item in sorted(paths.items())
        if path.startswith("/api/v1/")
        for method in item
    ]


def secrets_of(other: TenantData) -> set[str]:
    """Strings that only the other tenant's data holds: its object ids, token ids and names."""
    marks = {v for k, v in other.ids.items() if k not in {"order_external", "rule_version"}}
    marks.add(other.tenant)
    return marks


def fill(template: str, params: list[str], other: TenantData, choice: int) -> str:
    path = template
    for param in params:
        assert param in PARAMS, f"path parameter {param!r} of {template} has no cross-tenant probe: add it to PARAMS"
        keys = probes(template, param)
        key = keys[choice % len(keys)]
        path = path.replace("{" + param + "}", other.ids[key])
    return path


QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/api/v1/kpis"): {
        "since": (date.today() - timedelta(days=30)).isoformat(),
        "until": (date.today() + timedelta(days=1)).isoformat(),
    },
}
"""Query strings for the operations that require some."""


def call(client: TestClient, method: str, path: str, template: str, headers: dict[str, str]) -> Any:
    body = BODIES.get((method, template))
    params = QUERIES.get((method, template))
    if method == "POST" and "{" not in template:
        assert (method, template) in BODIES, f"{method} {template} needs a probe body in BODIES"
    return client.request(method, path, headers=headers, json=body, params=params)


def test_every_route_is_probed(client: TestClient) -> None:
    routes = api_routes(client)
    assert len(routes) >= 20
    for method, path, params in routes:
        for param in params:
            assert param in PARAMS, f"{method} {path}: add a probe for {param!r}"


def test_the_other_tenants_objects_are_404_and_lists_hold_none_of_its_data(
    client: TestClient, tenants: dict[str, TenantData]
) -> None:
    mine, other = tenants[TENANTS[0]], tenants[TENANTS[1]]
    marks = secrets_of(other)
    probed = 0
    for method, template, params in api_routes(client):
        choices = max((len(probes(template, p)) for p in params), default=1)
        for choice in range(choices):
            path = fill(template, params, other, choice)
            response = call(client, method, path, template, mine.auth(Role.ADMIN))
            text = response.text
            # an answer may name what was asked for (a 404's detail, a promise's SKUs): that is not the other's data
            echoed = path[len("/api/v1/") :] + json.dumps(BODIES.get((method, template)))
            leaked = sorted(m for m in marks if m in text and m not in echoed)
            assert not leaked, f"{method} {path} answered {response.status_code} with the other tenant's {leaked}"
            if params:
                assert response.status_code == 404, f"{method} {path}: {response.status_code} {text[:300]}"
                problem_of(response)
            else:
                assert response.status_code < 400, f"{method} {path}: {response.status_code} {text[:300]}"
            probed += 1
    assert probed >= 25


def test_the_same_requests_with_the_owners_token_find_the_objects(
    client: TestClient, tenants: dict[str, TenantData]
) -> None:
    """The probe ids are real: read with their own tenant's token, every GET with a path parameter answers 200."""
    other = tenants[TENANTS[1]]
    for method, template, params in api_routes(client):
        if method != "GET" or not params:
            continue
        choices = max(len(probes(template, p)) for p in params)
        for choice in range(choices):
            path = fill(template, params, other, choice)
            response = client.get(path, headers=other.auth(Role.ADMIN))
            assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text[:300]}"


def test_a_token_sees_only_its_tenant_in_lists(client: TestClient, tenants: dict[str, TenantData]) -> None:
    mine, other = tenants[TENANTS[0]], tenants[TENANTS[1]]
    orders = client.get("/api/v1/orders?limit=500", headers=mine.auth()).json()["items"]
    assert orders and all(o["id"] != other.ids["order"] for o in orders)
    assert any(o["id"] == mine.ids["order"] for o in orders)
    mine_tokens = client.get("/api/v1/tokens", headers=mine.auth(Role.ADMIN)).json()["items"]
    assert {t["tenant"] for t in mine_tokens} == {mine.tenant}
    answer = client.post("/api/v1/promise", headers=mine.auth(), json=BODIES[("POST", "/api/v1/promise")]).json()
    assert answer["can_ship"] is False  # GLOBEX-ONLY is stock of the other tenant
