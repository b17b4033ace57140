"""Idempotency keys: claim one for a document, and learn who holds it when it was taken before."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from hub.model.ids import utcnow
from hub.store.sql import insert_ignore
from hub.store.tables import dedup_keys

_CLAIMS: dict[str, Any] = {}


def _claim_statement(conn: Connection) -> Any:
    """INSERT ... ON CONFLICT (dedup_key) DO NOTHING for the connection's dialect, built once."""
    name = conn.dialect.name
    if name not in _CLAIMS:
        _CLAIMS[name] = insert_ignore(conn, dedup_keys, ["dedup_key"])
    return _CLAIMS[name]


def claim_key(
    conn: Connection, tenant: str, key: str, doc_type: str, document_id: str, message_id: str
) -> tuple[str, str]:
    """Insert `key` unless it is taken; returns (document id, message id) of whoever holds it now.

    One INSERT ... ON CONFLICT DO NOTHING; only a key taken before pays the read of who holds it. On PostgreSQL
    a concurrent claim of the same key waits for the first one's transaction, then sees its row.
    """
    row = {
        "dedup_key": key,
        "tenant": tenant,
        "doc_type": doc_type,
        "document_id": document_id,
        "message_id": message_id,
        "created_at": utcnow(),
    }
    if conn.execute(_claim_statement(conn), row).rowcount == 1:
        return document_id, message_id
    d = dedup_keys.c
    owner = conn.execute(select(d.document_id, d.message_id).where(d.dedup_key == key)).one()
    return str(owner.document_id), str(owner.message_id)


def claim_keys(
    conn: Connection, tenant: str, claims: Sequence[tuple[str, str, str, str]]
) -> dict[str, tuple[str, str]]:
    """Claim many (key, doc_type, document_id, message_id) at once; each key's holder (document id, message id).

    One multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING the keys it took; only a key taken before pays a
    read of its holder. A caller knows it claimed a key when the holder is its own message. Within `claims` the
    first of a repeated key wins. Keys are inserted in sorted order, so concurrent callers on PostgreSQL claiming
    overlapping keys wait for each other instead of deadlocking.
    """
    first: dict[str, tuple[str, str, str, str]] = {}
    for claim in claims:
        first.setdefault(claim[0], claim)
    if not first:
        return {}
    now = utcnow()
    rows = [
        {
            "dedup_key": key,
            "tenant": tenant,
            "doc_type": doc_type,
            "document_id": document_id,
            "message_id": message_id,
            "created_at": now,
        }
        for key, doc_type, document_id, message_id in (first[key] for key in sorted(first))
    ]
    claimed = set(conn.execute(_claim_returning(conn), rows).scalars())
    holders = {key: (claim[2], claim[3]) for key, claim in first.items() if key in claimed}
    d = dedup_keys.c
    for key in first.keys() - claimed:  # taken before: only these pay a read
        owner = conn.execute(select(d.document_id, d.message_id).where(d.dedup_key == key)).one()
        holders[key] = (str(owner.document_id), str(owner.message_id))
    return holders


_CLAIMS_RETURNING: dict[str, Any] = {}


def _claim_returning(conn: Connection) -> Any:
    """The claim statement returning the keys it inserted (multi-row VALUES for many), built once per dialect."""
    name = conn.dialect.name
    if name not in _CLAIMS_RETURNING:
        _CLAIMS_RETURNING[name] = _claim_statement(conn).returning(dedup_keys.c.dedup_key)
    return _CLAIMS_RETURNING[name]
