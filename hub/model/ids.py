"""Identifiers: time-ordered ids for rows, and the reference every document carries."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

DEFAULT_TENANT = "default"


def new_id(prefix: str) -> str:
    """A sortable unique id like `ord_01JD3...` (48-bit ms timestamp + 80 random bits)."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class DocumentRef(BaseModel):
    """Who a document belongs to and which business object (and revision) it is.

    `source` is the channel identity (for example `shopify:acme-store` or an EDI partner
    id), the same whatever transport delivered it, so that a webhook, an overlapping poll
    and a resend all collapse on one key.
    """

    model_config = ConfigDict(frozen=True)

    tenant: str = DEFAULT_TENANT
    source: str = Field(min_length=1)
    external_id: str = Field(min_length=1)
    revision: int = Field(default=1, ge=0)

    def dedup_key(self, doc_type: str) -> str:
        """The idempotency key: tenant, source, document type, business id, revision."""
        return f"{self.tenant}|{self.source}|{doc_type}|{self.external_id}|{self.revision}"
