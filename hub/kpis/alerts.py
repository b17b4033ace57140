"""The alert record every anomaly check returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class AlertKind(StrEnum):
    VOLUME_DROP = "volume_drop"  # a connection receives far less than on the same weekdays before
    ERROR_RATE = "error_rate"  # a connection fails far more messages than it usually does
    STOCK_STALE = "stock_stale"  # a node's stock was not updated within its expected interval
    ACK_OVERDUE = "ack_overdue"  # a partner has not acknowledged (997/999/CONTRL) what the hub sent in its window


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Alert:
    """One anomaly: what (`kind`), about which connection, node or partner (`subject`), in words and figures.

    `figures` hold the statistic and its threshold, so the alert explains itself; no personal data.
    """

    kind: AlertKind
    subject: str
    severity: Severity
    summary: str
    figures: dict[str, Any] = field(default_factory=dict)
    since: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "subject": self.subject,
            "severity": str(self.severity),
            "summary": self.summary,
            "figures": dict(self.figures),
            "since": self.since.isoformat() if self.since else None,
        }
