"""API tokens: one tenant and one role each, stored as a hash, shown once, revocable; `hub tokens` commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner, Result

from hub.api.app import create_app
from hub.auth import Principal, Role, authenticate, create_token, list_tokens, revoke_token, token_id_of
from hub.auth.tokens import USE_RESOLUTION
from hub.cli import tokens as tokens_cli
from hub.cli.main import HubGroup
from hub.context import HubContext
from hub.errors import ConfigError
from hub.model.ids import utcnow
from hub.plugins.registry import Registry
from hub.store.db import read_only
from hub.store.tables import api_tokens


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.allows(Role.OPERATOR) and Role.ADMIN.allows(Role.VIEWER) and Role.ADMIN.allows(Role.ADMIN)
    assert Role.OPERATOR.allows(Role.VIEWER) and not Role.OPERATOR.allows(Role.ADMIN)
    assert not Role.VIEWER.allows(Role.OPERATOR) and Role.VIEWER.allows("viewer")


def test_a_token_authenticates_as_its_tenant_and_role_and_is_stored_as_a_hash(engine: Engine) -> None:
    token = create_token(engine, "acme", Role.OPERATOR, "night shift")
    other = create_token(engine, "globex", "viewer", "auditor")
    assert token != other and token.startswith("hub_tok_")
    principal = authenticate(engine, token)
    with read_only(engine) as conn:
        stored = conn.execute(select(api_tokens)).all()
    assert principal == Principal(tenant="acme", role=Role.OPERATOR, token_id=token_id_of(token), name="night shift")
    assert all(token not in repr(tuple(row)) for row in stored)  # the plaintext is nowhere in the store
    assert {row.tenant for row in stored} == {"acme", "globex"}
    assert len({row.token_sha256 for row in stored}) == 2


@pytest.mark.parametrize(
    "presented",
    ["", "nonsense", "Bearer x", "hub_tok_01ABCDEFGHJKMNPQRSTVWXYZ01_short"],
)
def test_malformed_tokens_are_refused(engine: Engine, presented: str) -> None:
    assert authenticate(engine, presented) is None


def test_a_tampered_or_revoked_token_is_refused(engine: Engine) -> None:
    token = create_token(engine, "acme", Role.ADMIN, "ops")
    token_id = token_id_of(token)
    assert token_id is not None
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    other_id = token_id_of(create_token(engine, "globex", Role.ADMIN, "x"))
    secret = token[len(f"hub_{token_id}_") :]
    foreign_id = f"hub_{other_id}_{secret}"
    assert authenticate(engine, tampered) is None
    assert authenticate(engine, foreign_id) is None  # another row's id with this secret
    assert authenticate(engine, token) is not None
    assert revoke_token(engine, token_id) is True
    assert revoke_token(engine, token_id) is False  # already revoked
    assert revoke_token(engine, "tok_NOPE") is False
    assert authenticate(engine, token) is None
    with read_only(engine) as conn:
        listed = list_tokens(conn, "acme")
    assert [(t.id, t.active) for t in listed] == [(token_id, False)]


@pytest.mark.parametrize(
    ("tenant", "role", "name"),
    [("", "viewer", "x"), ("acme", "root", "x"), ("acme", "viewer", " "), ("a b", "viewer", "x")],
)
def test_bad_token_requests_are_config_errors(engine: Engine, tenant: str, role: str, name: str) -> None:
    with pytest.raises(ConfigError):
        create_token(engine, tenant, role, name)


@pytest.fixture
def hub_cli(home: Path) -> Callable[..., Result]:
    """`hub tokens ...` in-process on the embedded store in `home` (the lead registers the group in hub.cli.main)."""
    root = typer.Typer(cls=HubGroup, no_args_is_help=True)
    root.add_typer(tokens_cli.app, name="tokens")
    root.callback()(lambda: None)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> Result:
        result = runner.invoke(root, list(args))
        assert result.exit_code == code, (result.exit_code, result.output, result.exception)
        return result

    return invoke


def test_hub_tokens_create_list_revoke(hub_cli: Callable[..., Result]) -> None:
    created = hub_cli("tokens", "create", "--tenant", "acme", "--role", "operator", "--name", "ci", "--json")
    data = json.loads(created.stdout)
    assert data["tenant"] == "acme" and data["role"] == "operator" and data["token"].startswith("hub_tok_")
    plain = hub_cli("tokens", "create", "--tenant", "globex", "--role", "viewer", "--name", "bi")
    token = plain.stdout.strip().splitlines()[0]
    assert token.startswith("hub_tok_")
    listed = hub_cli("tokens", "list", "--json")
    rows = json.loads(listed.stdout)["tokens"]
    assert [(r["tenant"], r["role"], r["name"]) for r in rows] == [
        ("acme", "operator", "ci"),
        ("globex", "viewer", "bi"),
    ]
    assert data["token"] not in listed.stdout and token not in listed.stdout  # never shown again
    only = json.loads(hub_cli("tokens", "list", "--tenant", "globex", "--json").stdout)["tokens"]
    assert [r["name"] for r in only] == ["bi"]
    hub_cli("tokens", "revoke", data["id"])
    hub_cli("tokens", "revoke", data["id"], code=1)
    hub_cli("tokens", "create", "--tenant", "acme", "--role", "root", "--name", "x", code=2)
    rows = json.loads(hub_cli("tokens", "list", "--json").stdout)["tokens"]
    assert [r["revoked_at"] is not None for r in rows] == [True, False]


def test_a_use_is_recorded_at_most_once_per_resolution(engine: Engine) -> None:
    token = create_token(engine, "acme", Role.VIEWER, "dashboards")

    def last_used() -> datetime | None:
        with read_only(engine) as conn:
            (record,) = list_tokens(conn, "acme")
        return record.last_used_at

    assert last_used() is None
    first = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert authenticate(engine, token, now=first) is not None
    assert last_used() == first
    assert authenticate(engine, token, now=first + USE_RESOLUTION / 2) is not None
    assert last_used() == first  # within the resolution: no write
    later = first + USE_RESOLUTION
    assert authenticate(engine, token, now=later) is not None
    assert last_used() == later
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert authenticate(engine, tampered, now=later + 10 * USE_RESOLUTION) is None
    assert last_used() == later  # a refused token is no use of it


def test_an_api_call_records_its_tokens_use(engine: Engine, registry: Registry, tmp_path: Path) -> None:
    token = create_token(engine, "default", Role.ADMIN, "ops")
    ctx = HubContext(engine=engine, registry=registry, home=tmp_path)
    with TestClient(create_app(ctx)) as client:
        assert client.get("/api/v1/tokens", headers={"authorization": f"Bearer {token}"}).status_code == 200
    with read_only(engine) as conn:
        (record,) = list_tokens(conn)
    assert record.last_used_at is not None
    assert abs((utcnow() - record.last_used_at).total_seconds()) < 60
