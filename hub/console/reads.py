"""Read models of the console's pages: orders searched and filtered, a message as it may be shown (secrets out),
connections with their health, stock by node with its freshness."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, or_, select

from hub.allocation.ledger import Level
from hub.api.rejections import rejections
from hub.context import HubContext
from hub.masking import mask_data, mask_headers, mask_text, secret_values
from hub.model.money import decimal_str
from hub.scheduler.status import load_statuses
from hub.store import queries
from hub.store.connections import get_connection
from hub.store.tables import inbox, nodes, order_lines, orders, outbox, stock_levels

ORDER_LIMIT = 200
STALE_AFTER = timedelta(hours=24)
"""Stock a node has not confirmed (by snapshot or movement) for this long is flagged stale."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def search_orders(
    conn: Connection,
    tenant: str,
    *,
    q: str | None = None,
    status: str | None = None,
    source: str | None = None,
    limit: int = ORDER_LIMIT,
) -> list[dict[str, Any]]:
    """Orders newest first; `q` matches the hub id or the external id (case-insensitive, part of it)."""
    t = orders.c
    lines = (
        select(order_lines.c.order_id, func.count().label("lines"))
        .where(order_lines.c.tenant == tenant)
        .group_by(order_lines.c.order_id)
        .subquery()
    )
    stmt = (
        select(t.id, t.source, t.external_id, t.revision, t.status, t.placed_at, t.created_at, t.ship_to, lines.c.lines)
        .outerjoin(lines, lines.c.order_id == t.id)
        .where(t.tenant == tenant)
    )
    if q and q.strip():
        pattern = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(t.external_id).like(pattern), func.lower(t.id).like(pattern)))
    if status:
        stmt = stmt.where(t.status == status)
    if source:
        stmt = stmt.where(t.source == source)
    rows = conn.execute(stmt.order_by(t.created_at.desc(), t.id.desc()).limit(limit))
    return [
        {
            "id": r.id,
            "source": r.source,
            "external_id": r.external_id,
            "revision": r.revision,
            "status": r.status,
            "placed_at": r.placed_at,
            "created_at": r.created_at,
            "ship_to": (r.ship_to or {}).get("name") or "",
            "country": (r.ship_to or {}).get("country_code") or "",
            "lines": r.lines or 0,
        }
        for r in rows
    ]


def order_facets(conn: Connection, tenant: str) -> dict[str, list[str]]:
    """The statuses and sources the tenant's orders have, for the filter menus."""
    t = orders.c
    statuses = conn.execute(select(t.status).where(t.tenant == tenant).distinct().order_by(t.status)).scalars()
    sources = conn.execute(select(t.source).where(t.tenant == tenant).distinct().order_by(t.source)).scalars()
    return {"statuses": list(statuses), "sources": list(sources)}


def printable(raw: bytes) -> str:
    """Stored bytes as text to show: UTF-8 where it decodes, `\\xNN` for any other byte and for control bytes
    (tab, CR and LF stay). The page's HTML escaping then makes markup in it plain text."""
    text = raw.decode("utf-8", errors="backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def message_view(ctx: HubContext, conn: Connection, message_id: str) -> dict[str, Any]:
    """An inbox or outbox message for the raw-message page: the connection's secret values masked in the body
    and headers, sensitive headers (authorization, signatures, cookies, tokens) blanked. NotFound otherwise."""
    data = queries.get_message(conn, ctx.tenant, message_id)
    record = get_connection(conn, ctx.tenant, data["connection"], missing_ok=True)
    secrets = secret_values(ctx, record)
    if data["box"] == "inbox":
        raw: bytes = data.pop("body")
        data["body_bytes"] = len(raw)
        data["body_text"] = mask_text(printable(raw), secrets)
        data["headers"] = mask_headers(data["headers"], secrets)
    else:
        body = mask_data(data.pop("body"), secrets)
        data["body_text"] = json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True)
        data["body_bytes"] = len(data["body_text"].encode("utf-8"))
        data["headers"] = {}
    return mask_data(data, secrets)


def problem_messages(conn: Connection, tenant: str, *, box: str, status: str | None) -> list[dict[str, Any]]:
    """Inbox or outbox rows, newest first; the default status is the one that needs an operator."""
    if box == "outbox":
        return queries.list_outbox(conn, tenant, status=status or "dead")
    return queries.list_inbox(conn, tenant, status=status or "failed")


def _counts(conn: Connection, table: Any, tenant: str) -> dict[str, dict[str, int]]:
    rows = conn.execute(
        select(table.c.connection, table.c.status, func.count())
        .where(table.c.tenant == tenant)
        .group_by(table.c.connection, table.c.status)
    )
    found: dict[str, dict[str, int]] = {}
    for connection, status, count in rows:
        found.setdefault(connection, {})[status] = count
    return found


def connection_health(ctx: HubContext, conn: Connection) -> list[dict[str, Any]]:
    """Each connection with a verdict (stopped, failing, ok), its poll status, refused webhooks, and the
    messages it left for an operator (failed inbox, dead outbox) or still has to deliver."""
    statuses = load_statuses(conn, ctx.tenant)
    refused = rejections(conn, ctx.tenant)
    received = _counts(conn, inbox, ctx.tenant)
    sent = _counts(conn, outbox, ctx.tenant)
    last_in = dict(
        conn.execute(
            select(inbox.c.connection, func.max(inbox.c.received_at))
            .where(inbox.c.tenant == ctx.tenant)
            .group_by(inbox.c.connection)
        ).all()
    )
    result = []
    for record in ctx.connections(conn):
        poll = statuses.get(record.name)
        failed = received.get(record.name, {}).get("failed", 0)
        dead = sent.get(record.name, {}).get("dead", 0)
        problems = []
        if poll is not None and poll.consecutive_errors:
            problems.append(f"{poll.consecutive_errors} poll error(s) in a row: {poll.last_error_code}")
        if failed:
            problems.append(f"{failed} failed inbound message(s)")
        if dead:
            problems.append(f"{dead} dead-lettered outbound message(s)")
        verdict = "stopped" if not record.enabled else ("failing" if problems else "ok")
        result.append(
            {
                "name": record.name,
                "adapter": record.adapter,
                "channel": record.channel,
                "enabled": record.enabled,
                "disabled_reason": record.disabled_reason,
                "verdict": verdict,
                "problems": problems,
                "poll": poll.as_dict() if poll is not None else None,
                "webhook_rejections": refused.get(record.name),
                "inbox": received.get(record.name, {}),
                "outbox": sent.get(record.name, {}),
                "pending": sent.get(record.name, {}).get("pending", 0),
                "last_received_at": last_in.get(record.name),
            }
        )
    return result


def _dec(value: Any) -> str:
    return decimal_str(Decimal(value))


def stock_by_node(
    conn: Connection, tenant: str, *, sku: str | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Nodes in priority order, each with its stock levels and how fresh they are (`stock_as_of`: the last
    snapshot or movement the node confirmed); `stale` when older than STALE_AFTER or never confirmed."""
    now = now or datetime.now(UTC)
    s = stock_levels.c
    stmt = select(stock_levels).where(s.tenant == tenant)
    if sku and sku.strip():
        stmt = stmt.where(func.lower(s.sku).like(f"%{sku.strip().lower()}%"))
    levels: dict[str, list[dict[str, Any]]] = {}
    for r in conn.execute(stmt.order_by(s.node, s.sku)):
        level = Level(r.node, r.sku, Decimal(r.on_hand), Decimal(r.reserved), Decimal(r.safety))
        levels.setdefault(r.node, []).append(
            {
                "sku": r.sku,
                "on_hand": _dec(level.on_hand),
                "reserved": _dec(level.reserved),
                "safety": _dec(level.safety),
                "available": _dec(level.available),
                "short": level.available <= 0,
                "updated_at": r.updated_at,
            }
        )
    result = []
    n = nodes.c
    for r in conn.execute(select(nodes).where(n.tenant == tenant).order_by(n.priority, n.code)):
        as_of = r.stock_as_of
        if as_of is not None and as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=UTC)
        result.append(
            {
                "code": r.code,
                "name": r.name,
                "priority": r.priority,
                "enabled": bool(r.enabled),
                "connection": r.connection,
                "stock_as_of": as_of,
                "stale": as_of is None or now - as_of > STALE_AFTER,
                "levels": levels.pop(r.code, []),
            }
        )
    for code, rows in sorted(levels.items()):  # stock at a node code with no node row: show it, flagged
        result.append(
            {
                "code": code,
                "name": "(unknown node)",
                "priority": None,
                "enabled": False,
                "connection": None,
                "stock_as_of": None,
                "stale": True,
                "levels": rows,
            }
        )
    return result
