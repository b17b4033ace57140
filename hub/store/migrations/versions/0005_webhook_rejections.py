"""webhook deliveries refused at verification, counted per connection

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_rejections",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("connection", sa.String(length=100), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("last_code", sa.String(length=60), nullable=False),
        sa.Column("last_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "connection", name=op.f("pk_webhook_rejections")),
    )


def downgrade() -> None:
    op.drop_table("webhook_rejections")
