"""The hub's tables (SQLAlchemy Core). Every row carries its tenant.

Migrations in `hub/store/migrations` create and change these; `metadata` is the
reference they are checked against, never `create_all` on a live database.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from hub.store.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

QTY = Numeric(18, 4)
PRICE = Numeric(18, 6)
TS = UTCDateTime()


def _tenant() -> Column:
    return Column("tenant", String(64), nullable=False)


connections = Table(
    "connections",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("name", String(100), nullable=False),
    Column("adapter", String(40), nullable=False),
    Column("channel", String(200), nullable=False),
    Column("options", JSON, nullable=False),
    Column("secret_refs", JSON, nullable=False),  # key -> ENV VAR name; never the value
    Column("enabled", Integer, nullable=False, default=1),
    Column("disabled_reason", Text),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("tenant", "name"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("connection", String(100), nullable=False),
    Column("transport", String(20), nullable=False),
    Column("transport_id", String(300)),
    Column("filename", String(500)),
    Column("content_type", String(100)),
    Column("headers", JSON, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("body_sha256", String(64), nullable=False),
    Column("status", String(20), nullable=False),  # received | processed | duplicate | failed
    Column("format", String(40)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error_step", String(20)),
    Column("error_code", String(60)),
    Column("error_message", Text),
    Column("error_location", JSON),
    Column("result", JSON),  # documents produced, acks, per-record errors
    Column("received_at", TS, nullable=False),
    Column("processed_at", TS),
    Index(None, "status", "id"),
    Index(None, "tenant", "connection", "received_at"),
)

dedup_keys = Table(
    "dedup_keys",
    metadata,
    Column("dedup_key", String(600), primary_key=True),
    _tenant(),
    Column("doc_type", String(40), nullable=False),
    Column("document_id", String(40), nullable=False),
    Column("message_id", String(40), nullable=False),
    Column("created_at", TS, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("source", String(200), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("status", String(30), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("placed_at", TS),
    Column("ship_to", JSON, nullable=False),
    Column("customer", JSON),
    Column("attributes", JSON, nullable=False),
    Column("message_id", String(40), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    UniqueConstraint("tenant", "source", "external_id"),
    Index(None, "tenant", "status"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String(40), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    _tenant(),
    Column("sku", String(100), nullable=False),
    Column("quantity", QTY, nullable=False),
    Column("uom", String(10), nullable=False),
    Column("unit_price", PRICE, nullable=False),
    Column("description", Text),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("order_id", String(40), nullable=False, index=True),
    Column("from_status", String(30)),
    Column("to_status", String(30), nullable=False),
    Column("reason", Text, nullable=False),
    Column("detail", JSON),
    Column("at", TS, nullable=False),
)

nodes = Table(
    "nodes",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("code", String(60), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("priority", Integer, nullable=False, default=100),  # lower ships first
    Column("connection", String(100)),  # where released orders go
    Column("enabled", Integer, nullable=False, default=1),
    # Where the node is and how it works: read by the rules (distance, capacity, cut-off, attributes).
    Column("country", String(2)),
    Column("postal_code", String(20)),
    Column("latitude", Numeric(9, 6)),
    Column("longitude", Numeric(9, 6)),
    Column("timezone", String(60)),
    Column("cutoff", String(5)),  # HH:MM local; orders before it can ship the same day
    Column("capacity_per_day", Integer),  # orders a day; null: no limit
    Column("attributes", JSON),  # e.g. {"hazmat": true, "oversize": false}
    Column("stock_as_of", TS),  # freshness: when the node's stock was last confirmed (snapshot or movement)
)

stock_levels = Table(
    "stock_levels",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("node", String(60), primary_key=True),
    Column("sku", String(100), primary_key=True),
    Column("on_hand", QTY, nullable=False),
    Column("reserved", QTY, nullable=False),
    Column("safety", QTY, nullable=False),
    Column("updated_at", TS, nullable=False),
    Index(None, "tenant", "sku"),
)

stock_incoming = Table(
    "stock_incoming",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("node", String(60), nullable=False),
    Column("sku", String(100), nullable=False),
    Column("quantity", QTY, nullable=False),
    Column("expected_on", Date, nullable=False),
    Column("reference", String(200)),
    Column("status", String(20), nullable=False),  # open | received | cancelled
    Column("created_at", TS, nullable=False),
    Index(None, "tenant", "sku", "status"),
)

stock_drifts = Table(
    "stock_drifts",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("node", String(60), nullable=False),
    Column("sku", String(100), nullable=False),
    Column("ledger_on_hand", QTY, nullable=False),
    Column("counted", QTY, nullable=False),
    Column("drift", QTY, nullable=False),
    Column("snapshot", String(200)),
    Column("at", TS, nullable=False),
    Index(None, "tenant", "node", "at"),
)

channel_reservations = Table(
    "channel_reservations",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("channel", String(200), primary_key=True),
    Column("node", String(60), primary_key=True),  # "*": every node
    Column("sku", String(100), primary_key=True),  # "*": every SKU
    Column("mode", String(10), nullable=False),  # fixed | share
    Column("value", QTY, nullable=False),  # units (fixed) or a fraction 0..1 (share)
    Column("updated_at", TS, nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("sku", String(100), primary_key=True),
    Column("description", Text),
    Column("weight_kg", Numeric(12, 4)),
    Column("length_cm", Numeric(10, 2)),
    Column("width_cm", Numeric(10, 2)),
    Column("height_cm", Numeric(10, 2)),
    Column("attributes", JSON, nullable=False),  # e.g. {"hazmat": true, "fragile": true}
    Column("updated_at", TS, nullable=False),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("node", String(60), nullable=False),
    Column("sku", String(100), nullable=False),
    Column("delta", QTY, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("reference", String(200)),
    Column("at", TS, nullable=False),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("order_id", String(40), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("node", String(60), nullable=False),
    Column("sku", String(100), nullable=False),
    Column("quantity", QTY, nullable=False),
    Column("status", String(20), nullable=False),  # held | released | consumed
    Column("created_at", TS, nullable=False),
    Column("shipment_no", Integer),  # which shipment of the allocation plan (1-based)
)

rule_sets = Table(
    "rule_sets",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("body", Text, nullable=False),  # the YAML as written
    Column("sha256", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("activated_at", TS),
    Column("active", Integer, nullable=False, default=0),
)

allocations = Table(
    "allocations",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("order_id", String(40), nullable=False),
    Column("rule_set_version", Integer),  # null: the built-in default rules
    Column("status", String(30), nullable=False),
    Column("shipments", Integer, nullable=False),
    Column("cost", Numeric(18, 4)),
    Column("currency", String(3)),
    Column("promised_ship_date", Date),
    Column("promised_delivery_latest", Date),
    Column("decision", JSON, nullable=False),
    Column("reason", String(60), nullable=False),  # created | amended | reallocated | released_hold | ...
    Column("created_at", TS, nullable=False),
    Index(None, "tenant", "order_id"),
    Index(None, "tenant", "created_at"),
)

node_load = Table(
    "node_load",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("node", String(60), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("orders", Integer, nullable=False),
)

exceptions = Table(
    "exceptions",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("order_id", String(40)),
    Column("kind", String(40), nullable=False),
    Column("state", String(20), nullable=False),  # open | acknowledged | resolved
    Column("summary", Text, nullable=False),
    Column("suggested_action", String(60), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("dedup_key", String(300), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("resolved_at", TS),
    Column("resolution", Text),
    Column("resolved_by", String(100)),
    UniqueConstraint("tenant", "dedup_key"),
    Index(None, "tenant", "state", "kind"),
    Index(None, "tenant", "order_id"),
)

promises = Table(
    "promises",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("request", JSON, nullable=False),
    Column("answer", JSON, nullable=False),
    Column("status", String(20), nullable=False),  # open | kept | broken | expired
    Column("order_id", String(40)),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("connection", String(100), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("idempotency_key", String(300), nullable=False),
    Column("coalesce_key", String(300)),
    Column("body", JSON, nullable=False),
    Column("status", String(20), nullable=False),  # pending | delivering | delivered | dead | superseded
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS, nullable=False),
    Column("lease_until", TS),
    Column("last_error", Text),
    Column("last_error_code", String(60)),
    Column("created_at", TS, nullable=False),
    Column("delivered_at", TS),
    Column("control_numbers", JSON),  # drawn once for sinks that number envelopes (X12 ISA13/GS06, UNB 0020)
    UniqueConstraint("tenant", "idempotency_key"),
    Index(None, "status", "next_attempt_at"),
    Index(None, "tenant", "coalesce_key", "status"),
)

cursors = Table(
    "cursors",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("connection", String(100), primary_key=True),
    Column("stream", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", TS, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(300), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("expires_at", TS, nullable=False),
)

partners = Table(
    "partners",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("profile", JSON, nullable=False),  # a PartnerProfile as JSON
    Column("updated_at", TS, nullable=False),
)

control_numbers = Table(
    "control_numbers",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("scope", String(200), primary_key=True),  # x12:<partner> | edifact:<partner>
    Column("counter", String(40), primary_key=True),  # interchange | group | message
    Column("value", Integer, nullable=False),  # the last value drawn
)

sent_envelopes = Table(
    "sent_envelopes",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("scope", String(200), primary_key=True),
    Column("counter", String(40), primary_key=True),
    Column("value", Integer, primary_key=True),
    Column("outbox_id", String(40), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("ack_status", String(30)),  # null until the partner acknowledges: accepted | accepted_with_errors | rejected
    Column("ack_detail", JSON),
    Column("created_at", TS, nullable=False),
    Column("acked_at", TS),
    Index(None, "tenant", "outbox_id"),
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("order_id", String(40), nullable=False, index=True),
    Column("source", String(200), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("node", String(60)),
    Column("carrier", String(100)),
    Column("tracking", JSON, nullable=False),  # [tracking numbers]
    Column("shipped_at", TS, nullable=False),
    Column("lines", JSON, nullable=False),
    Column("parcels", JSON, nullable=False),
    Column("message_id", String(40), nullable=False),
    Column("connection", String(100)),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("tenant", "source", "external_id"),
    Index(None, "tenant", "created_at"),
)

webhook_rejections = Table(
    "webhook_rejections",
    metadata,
    _tenant(),
    Column("connection", String(100), nullable=False),
    Column("rejected", Integer, nullable=False),  # deliveries refused at verification, since the connection began
    Column("last_code", String(60), nullable=False),
    Column("last_at", TS, nullable=False),
    PrimaryKeyConstraint("tenant", "connection"),
)

# -- scheduler: per-connection poll status and claimed tick slots (migration 0006) ----------------------------------

connection_status = Table(
    "connection_status",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("connection", String(100), primary_key=True),
    Column("last_poll_at", TS),
    Column("last_success_at", TS),
    Column("last_error_at", TS),
    Column("last_error_code", String(60)),
    Column("last_error", Text),  # redacted: the connection's secret values blanked out
    Column("consecutive_errors", Integer, nullable=False),
    Column("polls", Integer, nullable=False),
    Column("messages_polled", Integer, nullable=False),
    Column("next_poll_at", TS),  # not before: backoff after an error, or the other side's Retry-After
    Column("updated_at", TS, nullable=False),
)

poll_ticks = Table(
    "poll_ticks",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("connection", String(100), primary_key=True),
    Column("slot_at", TS, primary_key=True),  # the tick (scheduled time) this row claims, one holder per tick
    Column("holder", String(100), nullable=False),
    Column("outcome", String(30), nullable=False),  # claimed | polled | busy | waiting | failed | stopped | lease_lost
    Column("messages", Integer, nullable=False),
    Column("claimed_at", TS, nullable=False),
    Column("finished_at", TS),
)

# -- API tokens: one tenant and one role each, stored as a hash (migration 0007) ------------------------------------

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(40), primary_key=True),
    _tenant(),
    Column("role", String(20), nullable=False),  # viewer | operator | admin
    Column("name", String(100), nullable=False),
    Column("token_sha256", String(64), nullable=False),  # the plaintext is shown once and never stored
    Column("created_at", TS, nullable=False),
    Column("last_used_at", TS),
    Column("revoked_at", TS),
    Index(None, "tenant"),
)
