"""Idempotency keys: claim one for a document, and learn who holds it when it was taken before."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from hub.model.ids import utcnow
from hub.store.sql import insert_ignore
from hub.store.tables import dedup_keys


def claim_key(
    conn: Connection, tenant: str, key: str, doc_type: str, document_id: str, message_id: str
) -> tuple[str, str]:
    """Insert `key` unless it is taken; returns (document id, message id) of whoever holds it now.

    On PostgreSQL a concurrent claim of the same key waits for the first one's transaction, then sees its row.
    """
    return claim_keys(conn, tenant, [(key, doc_type, document_id, message_id)])[key]


def claim_keys(
    conn: Connection, tenant: str, claims: Sequence[tuple[str, str, str, str]]
) -> dict[str, tuple[str, str]]:
    """Claim many (key, doc_type, document_id, message_id) at once; each key's holder (document id, message id).

    One multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING the keys it took; the keys taken before pay one
    read of their holders, together. A caller knows it claimed a key when the holder is its own document or
    message. Within `claims` the first of a repeated key wins. Keys are inserted in sorted order, so concurrent
    callers on PostgreSQL claiming overlapping keys wait for each other instead of deadlocking.
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
    claimed = set(conn.execute(insert_ignore(conn, dedup_keys, ["dedup_key"], returning=["dedup_key"]), rows).scalars())
    holders = {key: (claim[2], claim[3]) for key, claim in first.items() if key in claimed}
    taken = sorted(first.keys() - claimed)
    if taken:
        d = dedup_keys.c
        for row in conn.execute(select(d.dedup_key, d.document_id, d.message_id).where(d.dedup_key.in_(taken))):
            holders[row.dedup_key] = (str(row.document_id), str(row.message_id))
    return holders
