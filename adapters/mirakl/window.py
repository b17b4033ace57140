"""The OR11 poll cursor: a window of `last_updated_date`, the orders seen in it, and a resumable position.

OR11 filters by update date but sorts by creation date only, so a window's pages are not in cursor
order. A poll therefore reads a fixed window `[lower - overlap, upper]` (upper = run start minus a lag)
page by page and keeps, in `seen_at_lower`, the identity `<order_id>@<last_updated_date>` of every order
it handed out. While the window is not finished, `upper` holds `<upper>#<offset>`: where the next poll
resumes (minus a slack, so orders that left the window between two polls do not make it skip one).
When the window is finished, `lower` moves to its upper bound and the ids whose date is still inside the
overlap are kept, so the next window re-reads the overlap without handing any of them out again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hub.plugins.messages import Cursor

STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


def stamp(when: datetime) -> str:
    """A UTC time as fixed-width text, so text order is time order."""
    return when.astimezone(UTC).strftime(STAMP)


def unstamp(text: str) -> datetime:
    return datetime.strptime(text, STAMP).replace(tzinfo=UTC)


def identity(order_id: str, updated: datetime) -> str:
    return f"{order_id}@{stamp(updated)}"


def identity_time(ident: str) -> datetime | None:
    _, _, when = ident.rpartition("@")
    try:
        return unstamp(when)
    except ValueError:
        return None


@dataclass(frozen=True)
class Window:
    """The window a poll reads: its bounds, where to resume, and what it has handed out."""

    lower: datetime
    upper: datetime
    offset: int
    seen: frozenset[str]
    resumed: bool

    @classmethod
    def from_cursor(cls, cursor: Cursor, *, now: datetime, lag: timedelta, lookback: timedelta) -> Window:
        lower = unstamp(cursor.lower) if cursor.lower else now - lookback
        if cursor.upper:
            upper_text, _, offset_text = cursor.upper.partition("#")
            return cls(lower, unstamp(upper_text), int(offset_text or 0), frozenset(cursor.seen_at_lower), True)
        return cls(lower, max(lower, now - lag), 0, frozenset(cursor.seen_at_lower), False)

    def start(self, overlap: timedelta) -> datetime:
        return self.lower - overlap

    def resumed_cursor(self, seen: set[str], offset: int) -> Cursor:
        return Cursor(lower=stamp(self.lower), seen_at_lower=frozenset(seen), upper=f"{stamp(self.upper)}#{offset}")

    def finished_cursor(self, seen: set[str], overlap: timedelta) -> Cursor:
        keep_from = self.upper - overlap
        kept = {i for i in seen if (t := identity_time(i)) is not None and t >= keep_from}
        return Cursor(lower=stamp(self.upper), seen_at_lower=frozenset(kept), upper=None)
