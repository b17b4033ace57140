"""Identifiers: time-ordered ids for rows, and the reference every document carries."""

from __future__ import annotations

import os
import random
import threading
import time
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

DEFAULT_TENANT = "default"


_last = [0, 0]  # last (ms, random) handed out by this process
_lock = threading.Lock()
_random = random.Random()  # seeded from os.urandom; reseeded in forked children so they never share ids
os.register_at_fork(after_in_child=_random.seed)


def new_id(prefix: str) -> str:
    """A sortable unique id like `ord_01JD3...` (48-bit ms timestamp + 80 random bits).

    Monotonic within a process: ids made in the same millisecond count up from the first one's
    random part, so rows created in one batch sort in creation order.
    """
    ms = int(time.time() * 1000)
    with _lock:
        if ms <= _last[0]:
            ms, rand = _last[0], (_last[1] + 1) % (1 << 80)
        else:
            rand = _random.getrandbits(79)  # leaves room to count up
        _last[0], _last[1] = ms, rand
    value = (ms << 80) | rand
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
