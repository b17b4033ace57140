"""Property-based run of schemathesis over the /api/v1 OpenAPI document: every operation, with a valid admin
token, a bounded number of generated requests each (schema-valid and schema-invalid ones); no server error, and
answers conform to the document (status codes, content types, bodies)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from sqlalchemy import create_engine

from hub.auth import Role
from hub.context import HubContext
from hub.plugins.registry import Registry
from hub.testing.databases import sqlite_database
from tests.test_api_v1_data import api_app, build_tenant

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

EXAMPLES = int(os.environ.get("HUB_SCHEMATHESIS_EXAMPLES", "10"))
"""Generated requests per operation and mode (bounded so the whole run stays well under a minute)."""

EXCLUDED = [negative_data_rejection]
"""Query strings cannot tell a repeated or mistyped value from a valid one (`?sku=true` is a string too), so a
schema-invalid request the app reads as a valid one is not a failure here; server errors and conformance are."""

SEMANTIC = {("POST", "/api/v1/promise"), ("POST", "/api/v1/rules/simulate"), ("GET", "/api/v1/kpis")}
"""Operations that refuse some schema-valid input on meaning (a date beyond 2100, YAML that is not a rule set, a
KPI span that is empty or too long):
a 422 problem there is the right answer, not a failure."""


def _operations() -> list[tuple[str, str, bool]]:
    """Every /api/v1 operation of the OpenAPI document (built from an app that never touches its database), and
    whether it takes any input (only those have schema-invalid requests to make)."""
    placeholder = HubContext(engine=create_engine("sqlite://"), registry=Registry())
    document = api_app(placeholder).openapi()
    return [
        (method.upper(), path, bool(op.get("parameters") or op.get("requestBody")))
        for path, item in sorted(document["paths"].items())
        if path.startswith("/api/v1/")
        for method, op in item.items()
    ]


OPERATIONS = _operations()
CASES = [(m, p, GenerationMode.POSITIVE) for m, p, _ in OPERATIONS] + [
    (m, p, GenerationMode.NEGATIVE) for m, p, takes_input in OPERATIONS if takes_input
]


@pytest.fixture(scope="module")
def admin() -> Iterator[tuple[FastAPI, dict[str, str]]]:
    with tempfile.TemporaryDirectory() as folder, sqlite_database(Path(folder)) as engine:
        data = build_tenant(engine, "acme", Path(folder) / "acme")
        yield api_app(data.ctx), data.auth(Role.ADMIN)


@pytest.fixture(scope="module")
def api_schema(admin: tuple[FastAPI, dict[str, str]]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", admin[0])


def test_every_operation_is_exercised() -> None:
    assert len(OPERATIONS) >= 20
    assert ("GET", "/api/v1/orders", True) in OPERATIONS


@pytest.mark.parametrize(("method", "path", "mode"), CASES, ids=[f"{m} {p} {g.value}" for m, p, g in CASES])
def test_no_server_error_and_answers_conform(
    method: str, path: str, mode: GenerationMode, api_schema: Any, admin: tuple[FastAPI, dict[str, str]]
) -> None:
    _, headers = admin
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def run(case: Any) -> None:
        excluded = EXCLUDED + ([positive_data_acceptance] if (method, path) in SEMANTIC else [])
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    run()
