"""Shared fixtures: the store on SQLite and on PostgreSQL, a hub context, test adapters."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from hub.context import HubContext
from hub.plugins.registry import Registry
from hub.testing.databases import in_ci, postgres_database, postgres_unavailable_reason, sqlite_database

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"

_pg_reason: str | bool | None = False


def pg_skip_reason() -> str | None:
    global _pg_reason
    if _pg_reason is False:
        _pg_reason = postgres_unavailable_reason()
    return _pg_reason  # type: ignore[return-value]


def require_postgres() -> None:
    reason = pg_skip_reason()
    if reason:
        if in_ci():
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A freshly migrated store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        with sqlite_database(tmp_path) as eng:
            yield eng
    else:
        require_postgres()
        with postgres_database() as (eng, _schema):
            yield eng


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    with sqlite_database(tmp_path) as eng:
        yield eng


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    require_postgres()
    with postgres_database() as (eng, _schema):
        yield eng


@pytest.fixture
def registry() -> Registry:
    from tests.support.adapters import TEST_ADAPTER

    reg = Registry.discover()
    reg.register(TEST_ADAPTER)
    return reg


@pytest.fixture
def hub_ctx(engine: Engine, registry: Registry, tmp_path: Path) -> HubContext:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return HubContext(engine=engine, registry=registry, home=home, environ=dict(os.environ))


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus folder {CORPUS} is absent")
    return CORPUS


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HUB_HOME for the CLI (embedded SQLite there), with no database, tenant or secrets settings leaking in."""
    home = tmp_path / "hub"
    monkeypatch.setenv("HUB_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "200")
    for var in ("HUB_DATABASE_URL", "HUB_TENANT", "HUB_SECRETS_FILE", "HUB_DATABASE_SCHEMA"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def cli(home: Path):
    """Run `hub ...` in-process; asserts the exit code (`code=None`: any)."""
    from typer.testing import CliRunner

    from hub.cli.main import app

    runner = CliRunner()

    def invoke(*args: object, code: int | None = 0):
        result = runner.invoke(app, [str(a) for a in args])
        if code is not None:
            assert result.exit_code == code, (result.exit_code, result.output, result.exception)
        return result

    return invoke
