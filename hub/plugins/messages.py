"""What flows across the plugin boundary: raw messages in, parse results, cursors, pages, outbound messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from hub.errors import HubError


@dataclass(frozen=True)
class RawMessage:
    """Bytes exactly as a transport received them, with what the transport knew about them."""

    body: bytes
    connection: str
    transport: str = "file"  # file | webhook | poll | sftp | soap | api
    transport_id: str | None = None  # delivery id, file name, control number...
    filename: str | None = None
    content_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    tenant: str = "default"
    id: str | None = None  # the inbox row id once stored


@dataclass
class Envelope:
    """One interchange of a raw message, kept only if its control identity is new.

    `key` is the interchange's identity (standard, sender, receiver, control number);
    the pipeline claims it like a document's idempotency key. When it is new, its
    `documents` and `acks` count; when it was seen before, they are dropped and
    `on_duplicate` (for instance a TA1 with note 025) is sent instead.
    """

    key: str
    documents: list[BaseModel] = field(default_factory=list)
    acks: list[BaseModel] = field(default_factory=list)
    on_duplicate: list[BaseModel] = field(default_factory=list)
    errors: list[HubError] = field(default_factory=list)


@dataclass
class ParseResult:
    """The canonical documents one raw message holds, plus any acknowledgments to send back.

    `errors` are per-record problems that did not stop the rest of the message (the
    message is then accepted with errors); a problem that makes the whole message
    unusable is raised as a RecordError subclass instead.
    """

    documents: list[BaseModel] = field(default_factory=list)
    acks: list[BaseModel] = field(default_factory=list)
    format: str | None = None
    errors: list[HubError] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)  # EDI interchanges, deduplicated by control number


@dataclass(frozen=True)
class Cursor:
    """Where a poller left off: a closed lower bound, the ids already seen at it, and an upper cap.

    A poll asks for items with `value >= lower` (closed), skips the ids in `seen_at_lower`,
    and stops at `upper` (run start minus a lag) so late writers are not skipped.
    """

    lower: str | None = None
    seen_at_lower: frozenset[str] = frozenset()
    upper: str | None = None

    def advance(self, items: list[tuple[str, str]]) -> Cursor:
        """The cursor after consuming `(cursor_value, item_id)` pairs in ascending value order."""
        if not items:
            return self
        top = max(value for value, _ in items)
        seen = {item_id for value, item_id in items if value == top}
        if top == self.lower:
            seen |= set(self.seen_at_lower)
        return Cursor(lower=top, seen_at_lower=frozenset(seen), upper=self.upper)

    def to_json(self) -> dict[str, Any]:
        return {"lower": self.lower, "seen_at_lower": sorted(self.seen_at_lower), "upper": self.upper}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Cursor:
        if not data:
            return cls()
        return cls(
            lower=data.get("lower"),
            seen_at_lower=frozenset(data.get("seen_at_lower") or ()),
            upper=data.get("upper"),
        )


@dataclass
class Page:
    """One poll's worth of raw messages and the cursor to save with them (same transaction)."""

    messages: list[RawMessage]
    next_cursor: Cursor
    has_more: bool = False


@dataclass(frozen=True)
class OutboundMessage:
    """A message for another system, as the outbox hands it to a sink."""

    id: str
    kind: str  # order_release | shipment | stock | ack | ...
    connection: str
    idempotency_key: str
    body: Mapping[str, Any]
    attempt: int = 1
    tenant: str = "default"
    created_at: datetime | None = None
    control_numbers: Mapping[str, int] = field(default_factory=dict)  # drawn for sinks that number envelopes


@dataclass(frozen=True)
class Numbering:
    """What a numbering sink asks for before a message is delivered: counters drawn gap-free per scope.

    A sink that writes envelopes with control numbers (X12 ISA13/GS06, EDIFACT UNB 0020)
    offers `numbering(message) -> Numbering | None`. The hub draws the next value of each
    counter in `scope` (usually `x12:<partner>`) once, stores them on the outbox row, and
    passes them in `OutboundMessage.control_numbers` on every attempt, so a retried
    delivery writes the same numbers and no number is skipped.
    """

    scope: str
    counters: tuple[str, ...] = ("interchange", "group")
