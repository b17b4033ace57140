"""stock ledger, rules, allocations, exceptions, promises

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "allocations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("rule_set_version", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("shipments", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("promised_ship_date", sa.Date(), nullable=True),
        sa.Column("promised_delivery_latest", sa.Date(), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("created_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
    )
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocations_tenant_created_at"), ["tenant", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocations_tenant_order_id"), ["tenant", "order_id"], unique=False)

    op.create_table(
        "channel_reservations",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("node", sa.String(length=60), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("updated_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "channel", "node", "sku", name=op.f("pk_channel_reservations")),
    )
    op.create_table(
        "exceptions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("suggested_action", sa.String(length=60), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("dedup_key", sa.String(length=300), nullable=False),
        sa.Column("created_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", hub.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exceptions")),
        sa.UniqueConstraint("tenant", "dedup_key", name=op.f("uq_exceptions_tenant_dedup_key")),
    )
    with op.batch_alter_table("exceptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exceptions_tenant_order_id"), ["tenant", "order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exceptions_tenant_state_kind"), ["tenant", "state", "kind"], unique=False)

    op.create_table(
        "node_load",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("node", sa.String(length=60), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "node", "day", name=op.f("pk_node_load")),
    )
    op.create_table(
        "products",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("weight_kg", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("length_cm", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("width_cm", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("height_cm", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("updated_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "sku", name=op.f("pk_products")),
    )
    op.create_table(
        "promises",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promises")),
    )
    op.create_table(
        "rule_sets",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("activated_at", hub.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "version", name=op.f("pk_rule_sets")),
    )
    op.create_table(
        "stock_drifts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("node", sa.String(length=60), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("ledger_on_hand", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("counted", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("drift", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("snapshot", sa.String(length=200), nullable=True),
        sa.Column("at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_drifts")),
    )
    with op.batch_alter_table("stock_drifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stock_drifts_tenant_node_at"), ["tenant", "node", "at"], unique=False)

    op.create_table(
        "stock_incoming",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("node", sa.String(length=60), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("expected_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", hub.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_incoming")),
    )
    with op.batch_alter_table("stock_incoming", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_incoming_tenant_sku_status"), ["tenant", "sku", "status"], unique=False
        )

    with op.batch_alter_table("nodes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("postal_code", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column("timezone", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("cutoff", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("capacity_per_day", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("attributes", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("stock_as_of", hub.store.types.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shipment_no", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.drop_column("shipment_no")

    with op.batch_alter_table("nodes", schema=None) as batch_op:
        batch_op.drop_column("stock_as_of")
        batch_op.drop_column("attributes")
        batch_op.drop_column("capacity_per_day")
        batch_op.drop_column("cutoff")
        batch_op.drop_column("timezone")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
        batch_op.drop_column("postal_code")
        batch_op.drop_column("country")

    with op.batch_alter_table("stock_incoming", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_incoming_tenant_sku_status"))

    op.drop_table("stock_incoming")
    with op.batch_alter_table("stock_drifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_drifts_tenant_node_at"))

    op.drop_table("stock_drifts")
    op.drop_table("rule_sets")
    op.drop_table("promises")
    op.drop_table("products")
    op.drop_table("node_load")
    with op.batch_alter_table("exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exceptions_tenant_state_kind"))
        batch_op.drop_index(batch_op.f("ix_exceptions_tenant_order_id"))

    op.drop_table("exceptions")
    op.drop_table("channel_reservations")
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocations_tenant_order_id"))
        batch_op.drop_index(batch_op.f("ix_allocations_tenant_created_at"))

    op.drop_table("allocations")
