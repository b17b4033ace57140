"""Interchange-level dedup: an EDI interchange resent under the same control number creates nothing.

An envelope's key (standard, sender, receiver, control number) is claimed like a document's
idempotency key, by the message that first brought it. A replay of that same message claims it
again; another message with the key is a duplicate interchange: its documents are dropped and
the envelope's `on_duplicate` acknowledgments (TA1 025, CONTRL 26) are sent instead. A message
that ends failed gives its keys back, so the partner may resend a corrected interchange under
the same control number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, delete

from hub.pipeline.documents import claim
from hub.plugins.messages import ParseResult
from hub.store.tables import dedup_keys

DOC_TYPE = "envelope"


@dataclass
class Opened:
    new: int = 0
    duplicates: int = 0


def envelope_key(tenant: str, key: str) -> str:
    return f"{tenant}|{DOC_TYPE}|{key}"


def open_envelopes(conn: Connection, tenant: str, message_id: str, result: ParseResult) -> Opened:
    """Claim each envelope and fold what it holds into the result: documents and acks, or its duplicate acks."""
    opened = Opened()
    for envelope in result.envelopes:
        if claim(conn, tenant, envelope_key(tenant, envelope.key), DOC_TYPE, envelope.key[:40], message_id):
            opened.new += 1
            result.documents += envelope.documents
            result.acks += envelope.acks
            result.errors += envelope.errors
        else:
            opened.duplicates += 1
            result.acks += envelope.on_duplicate
    result.envelopes = []
    return opened


def release_envelopes(conn: Connection, message_ids: Iterable[str]) -> None:
    """Give back the envelope keys of messages that failed."""
    ids = list(message_ids)
    if ids:
        conn.execute(delete(dedup_keys).where(dedup_keys.c.doc_type == DOC_TYPE, dedup_keys.c.message_id.in_(ids)))
