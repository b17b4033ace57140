"""An order's timeline across systems: what came in (and how), what was decided and why, what went out, what came back.

Built from the rows each step already writes (order events, inbox, outbox, sent envelopes, shipments, exceptions),
so nothing new is recorded for it. Each entry is a dict `{at, kind, summary, detail, inbox_id, outbox_id, rule}`,
oldest first. Kinds: received, deduplicated, allocated, backordered, on_hold, status, released, shipment_confirmed,
tracking_sent, order_ack_sent, invoice_sent, message_sent, acknowledgment_sent, acknowledgment_received, exception.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, cast, or_, select

from hub.store.queries import NotFound
from hub.store.tables import connections, inbox, order_events, orders, outbox, sent_envelopes, shipments

Entry = dict[str, Any]

DOCUMENT_NAMES: dict[str, dict[str, str]] = {
    "x12": {
        "order_release": "940",
        "transfer": "943",
        "shipment": "856",
        "invoice": "810",
        "order_ack": "855",
        "stock": "846",
        "ack": "997/TA1",
    },
    "edifact": {
        "order_release": "ORDERS",
        "shipment": "DESADV",
        "invoice": "INVOIC",
        "order_ack": "ORDRSP",
        "stock": "INVRPT",
        "ack": "CONTRL",
    },
}
"""The standard document each EDI adapter sends for an outbox kind, to say "released as a 940"."""

_OUTBOX_KINDS = {
    "shipment": ("tracking_sent", "shipment and tracking sent to"),
    "order_ack": ("order_ack_sent", "order acknowledgment sent to"),
    "invoice": ("invoice_sent", "invoice sent to"),
    "ack": ("acknowledgment_sent", "acknowledgment sent to"),
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _entry(
    at: datetime | None,
    kind: str,
    summary: str,
    detail: dict[str, Any] | None = None,
    *,
    inbox_id: str | None = None,
    outbox_id: str | None = None,
    rule: str | None = None,
) -> Entry:
    return {
        "at": _iso(at),
        "kind": kind,
        "summary": summary,
        "detail": detail or {},
        "inbox_id": inbox_id,
        "outbox_id": outbox_id,
        "rule": rule,
    }


def order_timeline(conn: Connection, tenant: str, order_id: str) -> list[Entry]:
    """The order's timeline, oldest first; NotFound when the tenant has no order with this id."""
    order = conn.execute(select(orders).where(orders.c.tenant == tenant, orders.c.id == order_id)).first()
    if order is None:
        raise NotFound(f"no order {order_id!r}")
    adapters = dict(
        conn.execute(select(connections.c.name, connections.c.adapter).where(connections.c.tenant == tenant)).all()
    )
    events = conn.execute(
        select(order_events)
        .where(order_events.c.tenant == tenant, order_events.c.order_id == order_id)
        .order_by(order_events.c.at, order_events.c.id)
    ).all()
    ships = conn.execute(select(shipments).where(shipments.c.tenant == tenant, shipments.c.order_id == order_id)).all()
    messages = _related_inbox(conn, tenant, order, events)
    sent = _related_outbox(conn, tenant, order_id, [s.id for s in ships], messages)
    entries: list[Entry] = []
    shown_shipments: set[str] = set()
    for event in events:
        entries.append(_from_event(event, messages, sent, adapters, ships, shown_shipments))
    for ship in ships:
        if ship.external_id not in shown_shipments:
            entries.append(_shipment_entry(ship, ship.created_at))
    entries += _from_inbox(order_id, messages, {e["inbox_id"] for e in entries if e["kind"] == "received"})
    released = {e["outbox_id"] for e in entries if e["kind"] == "released"}
    entries += [_from_outbox(row, adapters) for row in sent.values() if row.id not in released]
    entries += _acks_received(conn, tenant, sent)
    entries.sort(key=lambda e: (e["at"] or "", _ORDER.get(e["kind"], 5)))
    return entries


_ORDER = {"received": 0, "deduplicated": 1, "allocated": 2, "released": 3}


def _related_inbox(conn: Connection, tenant: str, order: Any, events: list[Any]) -> dict[str, Any]:
    """Inbox rows that touched the order: those its events name, and later ones whose result names it."""
    named = {str((e.detail or {}).get("message_id")) for e in events if (e.detail or {}).get("message_id")}
    named.add(order.message_id)
    cols = [c for c in inbox.c if c.name != "body"]
    rows = {r.id: r for r in conn.execute(select(*cols).where(inbox.c.tenant == tenant, inbox.c.id.in_(named)))}
    since = min((r.received_at for r in rows.values()), default=order.created_at)
    mentioning = conn.execute(
        select(*cols).where(
            inbox.c.tenant == tenant,
            inbox.c.received_at >= since,
            cast(inbox.c.result, String).like(f"%{order.id}%"),
        )
    )
    for r in mentioning:
        rows.setdefault(r.id, r)
    return rows


def _related_outbox(
    conn: Connection, tenant: str, order_id: str, shipment_ids: list[str], messages: dict[str, Any]
) -> dict[str, Any]:
    """Outbox rows about the order (its id or one of its shipments' in the key) and the acks of its messages."""
    ack_ids = {
        a["outbox_id"] for m in messages.values() for a in (m.result or {}).get("acks", []) if a.get("outbox_id")
    }
    keys = [outbox.c.idempotency_key.like(f"%{order_id}%")]
    keys += [outbox.c.idempotency_key.like(f"%{sid}%") for sid in shipment_ids]
    if ack_ids:
        keys.append(outbox.c.id.in_(sorted(ack_ids)))
    rows = conn.execute(select(outbox).where(outbox.c.tenant == tenant, or_(*keys)).order_by(outbox.c.id))
    return {r.id: r for r in rows}


def _rule(detail: dict[str, Any]) -> str | None:
    if not detail.get("rule_set"):
        return None
    parts = [str(detail["rule_set"])]
    if detail.get("route"):
        parts.append(f"route {detail['route']}")
    if detail.get("policy"):
        parts.append(f"policy {detail['policy']}")
    if detail.get("hold"):
        parts.append(f"hold {detail['hold']}")
    return ", ".join(parts)


def _document(adapters: dict[str, str], connection: str, kind: str) -> str | None:
    return DOCUMENT_NAMES.get(adapters.get(connection, ""), {}).get(kind)


def _from_event(
    event: Any,
    messages: dict[str, Any],
    sent: dict[str, Any],
    adapters: dict[str, str],
    ships: list[Any],
    shown_shipments: set[str],
) -> Entry:
    detail = dict(event.detail or {})
    to = event.to_status
    base = {"from_status": event.from_status, "to_status": to}
    if detail.get("exception_id"):
        return _entry(event.at, "exception", event.reason, base | detail)
    if event.from_status is None or (to == "received" and detail.get("message_id")):
        message = messages.get(str(detail.get("message_id")))
        transport = message.transport if message is not None else None
        connection = message.connection if message is not None else None
        facts = base | detail | {"transport": transport, "connection": connection}
        if message is not None and message.filename:
            facts["filename"] = message.filename
        revision = f" revision {detail['revision']}" if detail.get("revision") else ""
        via = f" by {transport}" if transport else ""
        summary = f"received{revision} from {connection or 'a channel'}{via}"
        return _entry(event.at, "received", summary, facts, inbox_id=detail.get("message_id"))
    if detail.get("outbox_id") and to == "released":
        row = sent.get(detail["outbox_id"])
        connection = row.connection if row is not None else None
        facts = base | detail | {"connection": connection}
        summary = event.reason
        if row is not None:
            facts["delivery"] = row.status
            document = _document(adapters, row.connection, row.kind)
            if document:
                facts["document"] = document
                summary = f"released as a {document} to {row.connection}"
        return _entry(event.at, "released", summary, facts, outbox_id=detail["outbox_id"])
    if detail.get("shipment") and to in {"shipped", "partially_shipped", "released"}:
        ship = next((s for s in ships if s.external_id == detail["shipment"]), None)
        if ship is not None and to != "released":
            shown_shipments.add(ship.external_id)
            entry = _shipment_entry(ship, event.at)
            entry["detail"] |= base
            return entry
        return _entry(event.at, "status", event.reason, base | detail)
    if detail.get("rule_set") or detail.get("status") in {"allocated", "backordered", "on_hold"}:
        kind = to if to in {"allocated", "backordered", "on_hold"} else "status"
        return _entry(event.at, kind, event.reason, base | detail, rule=_rule(detail))
    return _entry(event.at, "status", event.reason, base | detail)


def _shipment_entry(ship: Any, at: datetime) -> Entry:
    tracking = list(ship.tracking or [])
    facts = {
        "shipment_id": ship.id,
        "shipment": ship.external_id,
        "source": ship.source,
        "node": ship.node,
        "carrier": ship.carrier,
        "tracking": tracking,
        "connection": ship.connection,
        "lines": ship.lines or [],
    }
    numbers = ", ".join(tracking) or "no tracking"
    summary = f"shipment {ship.external_id} confirmed by {ship.source}: {ship.carrier or 'carrier ?'} {numbers}"
    return _entry(at, "shipment_confirmed", summary, facts, inbox_id=ship.message_id)


def _from_inbox(order_id: str, messages: dict[str, Any], received: set[str]) -> list[Entry]:
    entries = []
    for message in messages.values():
        if message.id in received:
            continue
        for doc in (message.result or {}).get("documents", []):
            if doc.get("id") != order_id or doc.get("type") not in {"order", "cancellation", "order_change"}:
                continue
            outcome = doc.get("outcome")
            facts = {
                "transport": message.transport,
                "connection": message.connection,
                "filename": message.filename,
                "outcome": outcome,
                "document": doc.get("type"),
            }
            if outcome in {"duplicate", "stale"}:
                what = "an older revision" if outcome == "stale" else "the same revision"
                summary = f"{what} received again from {message.connection} by {message.transport}: deduplicated"
                entries.append(_entry(message.received_at, "deduplicated", summary, facts, inbox_id=message.id))
            elif outcome == "unchanged":
                summary = f"a newer revision from {message.connection} changes nothing to ship"
                entries.append(_entry(message.received_at, "received", summary, facts, inbox_id=message.id))
    return entries


def _from_outbox(row: Any, adapters: dict[str, str]) -> Entry:
    kind, verb = _OUTBOX_KINDS.get(row.kind, ("message_sent", f"{row.kind} sent to"))
    document = _document(adapters, row.connection, row.kind)
    facts = {
        "connection": row.connection,
        "message_kind": row.kind,
        "delivery": row.status,
        "attempts": row.attempts,
        "delivered_at": _iso(row.delivered_at),
    }
    if document:
        facts["document"] = document
    if row.kind == "ack" and isinstance(row.body, dict):
        facts |= {k: row.body.get(k) for k in ("kind", "status", "code", "acknowledged_id")}
        document = row.body.get("kind") or document
    summary = f"{verb} {row.connection}" + (f" as a {document}" if document else "") + f" ({row.status})"
    return _entry(row.created_at, kind, summary, facts, outbox_id=row.id)


def _ack_message(conn: Connection, tenant: str, out: Any) -> str | None:
    """The inbox message that carried a partner's acknowledgment of `out` (its result names the outbox id)."""
    return conn.execute(
        select(inbox.c.id)
        .where(
            inbox.c.tenant == tenant,
            inbox.c.received_at >= out.created_at,
            cast(inbox.c.result, String).like(f"%{out.id}%"),
        )
        .order_by(inbox.c.id)
        .limit(1)
    ).scalar_one_or_none()


def _acks_received(conn: Connection, tenant: str, sent: dict[str, Any]) -> list[Entry]:
    """Partners' acknowledgments of what the hub sent them (997/999/TA1/CONTRL), from the sent envelopes."""
    if not sent:
        return []
    e = sent_envelopes.c
    rows = conn.execute(
        select(sent_envelopes)
        .where(e.tenant == tenant, e.outbox_id.in_(sorted(sent)), e.ack_status.is_not(None))
        .order_by(e.acked_at, e.outbox_id)
    ).all()
    entries = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if (row.outbox_id, row.counter) in seen:
            continue
        seen.add((row.outbox_id, row.counter))
        out = sent[row.outbox_id]
        facts = {
            "connection": out.connection,
            "message_kind": out.kind,
            "scope": row.scope,
            "counter": row.counter,
            "control_number": row.value,
            "ack_status": row.ack_status,
            "ack_detail": row.ack_detail or {},
        }
        summary = f"{out.connection} acknowledged the {out.kind} ({row.counter} {row.value}): {row.ack_status}"
        inbox_id = _ack_message(conn, tenant, out)
        entries.append(
            _entry(row.acked_at, "acknowledgment_received", summary, facts, inbox_id=inbox_id, outbox_id=out.id)
        )
    return entries
