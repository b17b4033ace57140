"""The `hub` command line against PostgreSQL: migrations are explicit, then the same commands work."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from hub.cli.main import app
from hub.testing.databases import postgres_url
from tests.conftest import require_postgres

pytestmark = pytest.mark.postgres
FILES = Path(__file__).resolve().parent.parent / "fixtures" / "order_files"


@pytest.fixture
def empty_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    require_postgres()
    schema = f"hub_cli_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    monkeypatch.setenv("HUB_HOME", str(tmp_path / "hub"))
    monkeypatch.setenv("HUB_DATABASE_URL", postgres_url())
    monkeypatch.setenv("HUB_DATABASE_SCHEMA", schema)
    monkeypatch.setenv("COLUMNS", "200")
    try:
        yield schema
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_commands_wait_for_an_explicit_upgrade_then_work(empty_schema: str) -> None:
    runner = CliRunner()
    refused = runner.invoke(app, ["orders", "list", "--json"])
    assert refused.exit_code == 2 and "hub db upgrade" in refused.output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    ingested = runner.invoke(app, ["ingest", str(FILES / "orders-2024-05-01.csv"), "--json"])
    assert ingested.exit_code == 0, ingested.output
    assert [f["status"] for f in json.loads(ingested.stdout)["files"]] == ["accepted"]
    listed = json.loads(runner.invoke(app, ["orders", "list", "--json"]).stdout)["orders"]
    assert sorted(o["external_id"] for o in listed) == ["SO-1001", "SO-1002", "SO-1003"]
