"""Idempotency keys: claim one for a document, and learn who holds it when it was taken before."""

from __future__ import annotations

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
