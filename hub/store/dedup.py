"""Idempotency keys: claim one for a document, and learn who holds it when it was taken before."""

from __future__ import annotations

from sqlalchemy import Connection, select

from hub.model.ids import utcnow
from hub.store.sql import insert_ignore
from hub.store.tables import dedup_keys


def claim_key(
    conn: Connection, tenant: str, key: str, doc_type: str, document_id: str, message_id: str
) -> tuple[str, str]:
    """Insert `key` unless it is taken; returns (document id, message id) of whoever holds it now."""
    conn.execute(
        insert_ignore(conn, dedup_keys, ["dedup_key"]),
        [
            {
                "dedup_key": key,
                "tenant": tenant,
                "doc_type": doc_type,
                "document_id": document_id,
                "message_id": message_id,
                "created_at": utcnow(),
            }
        ],
    )
    d = dedup_keys.c
    owner = conn.execute(select(d.document_id, d.message_id).where(d.dedup_key == key)).one()
    return str(owner.document_id), str(owner.message_id)
