"""The file ledger kept in the poll cursor: files handed to the hub whose raw is committed but not yet moved.

The hub saves a poll's cursor in the same transaction as the raw messages of that poll, so a file named in the
saved cursor is safely in the inbox. The next poll moves it to `archive/` (or `error/` with a reason file) and
drops it from the ledger; until then it is never read again, even after a crash between commit and move.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from hub.plugins.messages import Cursor

_MAX_NAME_IN_KEY = 200
_MAX_REASON = 500


def file_key(name: str, size: int, mtime: int, sha256: str) -> str:
    """A file's identity: name, size, mtime and content hash (the inbox's transport_id)."""
    shown = name if len(name) <= _MAX_NAME_IN_KEY else hashlib.sha256(name.encode()).hexdigest()
    return f"{shown}|{size}|{mtime}|{sha256}"


@dataclass(frozen=True)
class Handed:
    """One file handed to the hub: where it goes once its raw is committed, and why when that is `error`."""

    name: str
    size: int
    mtime: int
    sha256: str
    to: str = "archive"  # archive | error
    why: str | None = None

    @property
    def key(self) -> str:
        return file_key(self.name, self.size, self.mtime, self.sha256)

    def encode(self) -> str:
        data = {"n": self.name, "s": self.size, "m": self.mtime, "h": self.sha256, "to": self.to}
        if self.why:
            data["why"] = self.why[:_MAX_REASON]
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str) -> Handed | None:
        try:
            data = json.loads(text)
            return cls(data["n"], int(data["s"]), int(data["m"]), data["h"], data.get("to", "archive"), data.get("why"))
        except (ValueError, KeyError, TypeError):
            return None  # not ours (a cursor from another adapter version): ignore


def pending(cursor: Cursor) -> list[Handed]:
    return [h for h in (Handed.decode(t) for t in sorted(cursor.seen_at_lower)) if h is not None]


def cursor_for(handed: list[Handed], previous: Cursor) -> Cursor:
    return Cursor(lower=None, seen_at_lower=frozenset(h.encode() for h in handed), upper=previous.upper)
