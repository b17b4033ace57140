"""The stock ledger's typed errors: each names what was refused and why."""

from __future__ import annotations

from hub.errors import ConfigError, RecordError


class StockMovementError(RecordError):
    """A movement the ledger refuses (wrong sign for its kind, stock would go negative, nothing to ship)."""

    code = "stock_movement_error"


class SnapshotError(RecordError):
    """A stock count that cannot be applied (negative or non-numeric count, naive timestamp)."""

    code = "stock_snapshot_error"


class StaleSnapshotError(SnapshotError):
    """A snapshot older than the node's last confirmed stock: applying it would undo newer movements."""

    code = "stale_snapshot"


class IncomingError(RecordError):
    """Incoming stock that cannot be added, received or cancelled (unknown id, no longer open, bad quantity)."""

    code = "stock_incoming_error"


class ChannelHoldError(ConfigError):
    """A channel reservation (hold) that is not well formed: exactly one of fixed or share, share in 0..1."""

    code = "channel_hold_error"
