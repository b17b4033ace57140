"""scheduler: per-connection poll status and claimed tick slots

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connection_status",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("connection", sa.String(length=100), nullable=False),
        sa.Column("last_poll_at", hub.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", hub.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error_at", hub.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error_code", sa.String(length=60), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("consecutive_errors", sa.Integer(), nullable=False),
        sa.Column("polls", sa.Integer(), nullable=False),
        sa.Column("messages_polled", sa.Integer(), nullable=False),
        sa.Column("next_poll_at", hub.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "connection", name=op.f("pk_connection_status")),
    )
    op.create_table(
        "poll_ticks",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("connection", sa.String(length=100), nullable=False),
        sa.Column("slot_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("claimed_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", hub.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenant", "connection", "slot_at", name=op.f("pk_poll_ticks")),
    )


def downgrade() -> None:
    op.drop_table("poll_ticks")
    op.drop_table("connection_status")
