"""EDI: partner profiles, gap-free control numbers, sent envelopes, shipments

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "control_numbers",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("counter", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "scope", "counter", name=op.f("pk_control_numbers")),
    )
    op.create_table(
        "partners",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("updated_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "name", name=op.f("pk_partners")),
    )
    op.create_table(
        "sent_envelopes",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("counter", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ack_status", sa.String(length=30), nullable=True),
        sa.Column("ack_detail", sa.JSON(), nullable=True),
        sa.Column("created_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acked_at", hub.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenant", "scope", "counter", "value", name=op.f("pk_sent_envelopes")),
    )
    with op.batch_alter_table("sent_envelopes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sent_envelopes_tenant_outbox_id"), ["tenant", "outbox_id"], unique=False)

    op.create_table(
        "shipments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("node", sa.String(length=60), nullable=True),
        sa.Column("carrier", sa.String(length=100), nullable=True),
        sa.Column("tracking", sa.JSON(), nullable=False),
        sa.Column("shipped_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("parcels", sa.JSON(), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("connection", sa.String(length=100), nullable=True),
        sa.Column("created_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("tenant", "source", "external_id", name=op.f("uq_shipments_tenant_source_external_id")),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipments_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_tenant_created_at"), ["tenant", "created_at"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("control_numbers", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("control_numbers")

    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipments_tenant_created_at"))
        batch_op.drop_index(batch_op.f("ix_shipments_order_id"))

    op.drop_table("shipments")
    with op.batch_alter_table("sent_envelopes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sent_envelopes_tenant_outbox_id"))

    op.drop_table("sent_envelopes")
    op.drop_table("partners")
    op.drop_table("control_numbers")
