"""Alembic environment: runs on the connection the hub hands over (see hub.store.migrate)."""

from __future__ import annotations

from alembic import context

from hub.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` CLI use: build an engine from HUB_DATABASE_URL
    from hub.store.db import make_engine

    _engine = make_engine()
    connection = _engine.connect()

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
