"""Worker batch sizes on SQLite: as many messages as keep a batch's transaction, and so the one write lock, short."""

from __future__ import annotations

import threading
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

HOLD_TARGET_SECONDS = 0.015
"""How long a batch may hold SQLite's write lock. The webhook intake waits that long at most before it may store
a delivery and answer; 15 ms keeps a storm's p99 near 50 ms on a slow core (bench/webhooks.py)."""
FIRST_BATCH = 4
SMOOTHING = 0.3


class HoldTimeSizer:
    """Sizes the next batch from the seconds per message the last ones took (smoothed), between 1 and `cap`.

    A fixed count cannot serve every machine: ten messages held the lock ~30 ms on a slow core under a storm and
    would hold it 8 ms on a fast one. The per-message figure includes a batch's fixed cost, so small batches look
    dearer and the size settles a little under the target, never over it for long.
    """

    def __init__(self, cap: int, target: float = HOLD_TARGET_SECONDS) -> None:
        self.cap = cap
        self.target = target
        self.per_message: float | None = None
        self._lock = threading.Lock()

    def next_size(self) -> int:
        with self._lock:
            if self.per_message is None:
                return min(self.cap, FIRST_BATCH)
            return max(1, min(self.cap, int(self.target / self.per_message)))

    def record(self, seconds: float, messages: int) -> None:
        if messages <= 0:
            return
        sample = seconds / messages
        with self._lock:
            old = self.per_message
            self.per_message = sample if old is None else old + SMOOTHING * (sample - old)


_SIZERS: WeakKeyDictionary[Engine, HoldTimeSizer] = WeakKeyDictionary()
_SIZERS_LOCK = threading.Lock()


def sqlite_sizer(engine: Engine, cap: int) -> HoldTimeSizer | None:
    """The engine's sizer (one per engine, shared by every pipeline on it), or None when it is not SQLite."""
    if engine.dialect.name != "sqlite":
        return None
    with _SIZERS_LOCK:
        sizer = _SIZERS.get(engine)
        if sizer is None:
            sizer = _SIZERS[engine] = HoldTimeSizer(cap)
        return sizer
