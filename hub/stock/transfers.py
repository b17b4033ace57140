"""Stock transfers to a node (X12 943 to a 3PL): expected as incoming stock, announced through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import Connection, select

from hub.context import HubContext
from hub.errors import ConfigError, Location
from hub.model.ids import new_id
from hub.model.money import decimal_str
from hub.outbox.enqueue import Outgoing, enqueue
from hub.outbox.routing import accepts
from hub.stock.incoming import OPEN, add_incoming, receive_incoming
from hub.stock.movements import Movement
from hub.store.connections import get_connection
from hub.store.tables import nodes, stock_incoming


class TransferError(ConfigError):
    code = "transfer_error"


@dataclass(frozen=True)
class Transfer:
    id: str
    node: str
    connection: str
    incoming: list[str]
    outbox_rows: int


def send_transfer(
    ctx: HubContext,
    node: str,
    lines: dict[str, Decimal],
    expected_on: date,
    *,
    carrier: str | None = None,
    transfer_id: str | None = None,
) -> Transfer:
    """Expect `lines` at `node` on `expected_on` and send the node's connection a `transfer` message (943).

    The transfer id (at most 22 characters: it travels in the 943's W06-02) is the incoming rows' reference;
    the warehouse's receipt (944 W17-04) names it, and receiving closes those rows.
    """
    transfer_id = transfer_id or new_id("trf")[:22]
    if len(transfer_id) > 22:
        raise TransferError(f"transfer id {transfer_id!r} is longer than 22 characters", location=Location(field="id"))
    if not lines:
        raise TransferError("a transfer needs at least one SKU and quantity", location=Location(field="lines"))
    with ctx.engine.begin() as conn:
        connection = _connection_of(conn, ctx, node)
        record = get_connection(conn, ctx.tenant, connection, missing_ok=True)
        if record is None or not accepts(ctx, record, "transfer"):
            raise TransferError(
                f"node {node}'s connection {connection!r} does not take transfers (its adapter has no 943 sink)",
                location=Location(field="node"),
            )
        incoming = [
            add_incoming(conn, ctx.tenant, node, sku, qty, expected_on, transfer_id) for sku, qty in lines.items()
        ]
        expected_at = datetime.combine(expected_on, time(0), tzinfo=UTC).isoformat()
        body = {
            "transfer_id": transfer_id,
            "node": node,
            "expected_at": expected_at,
            "carrier": carrier,
            "lines": [{"sku": sku, "quantity": decimal_str(qty), "uom": "EA"} for sku, qty in lines.items()],
        }
        added = enqueue(
            conn,
            ctx.tenant,
            [Outgoing(connection=connection, kind="transfer", idempotency_key=f"transfer:{transfer_id}", body=body)],
        )
    return Transfer(transfer_id, node, connection, incoming, added)


def _connection_of(conn: Connection, ctx: HubContext, node: str) -> str:
    row = conn.execute(select(nodes.c.connection).where(nodes.c.tenant == ctx.tenant, nodes.c.code == node)).first()
    if row is None:
        raise TransferError(f"no node {node!r}", location=Location(field="node"))
    if not row.connection:
        raise TransferError(f"node {node} has no connection to send a transfer to", location=Location(field="node"))
    return str(row.connection)


def receive_transferred(
    conn: Connection, tenant: str, node: str, sku: str, qty: Decimal, reference: str, *, at: datetime | None = None
) -> Movement | None:
    """A receipt naming an open incoming (same node, SKU and reference): receive it; None when none is open."""
    i = stock_incoming.c
    row = conn.execute(
        select(i.id)
        .where(i.tenant == tenant, i.node == node, i.sku == sku, i.reference == reference, i.status == OPEN)
        .order_by(i.expected_on, i.id)
    ).first()
    if row is None:
        return None
    return receive_incoming(conn, tenant, row.id, qty, at=at)
