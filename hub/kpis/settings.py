"""Alert settings: thresholds of the anomaly checks, from `HUB_HOME/alerts.yaml` (optional; defaults otherwise)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.errors import ConfigError, Location
from hub.validation import first_problem
from hub.yamlio import parse_yaml

SETTINGS_FILE = "alerts.yaml"


class AlertSettings(BaseModel):
    """What counts as an anomaly. Every figure is named in the alert it raises, so an operator can tune it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    volume_weeks: int = Field(default=4, ge=1, le=26, description="same-weekday windows judged against")
    volume_min: int = Field(default=20, ge=1, description="the usual volume (median) below which a drop is not judged")
    volume_drop_ratio: float = Field(default=0.5, gt=0, lt=1, description="alert below this share of the median")
    error_baseline_days: int = Field(default=28, ge=1, le=366, description="days of history judged against")
    error_min_messages: int = Field(default=10, ge=1, description="messages today before an error rate is judged")
    error_min_failures: int = Field(default=3, ge=1, description="failures today before an error rate is judged")
    error_sigmas: float = Field(default=3.0, gt=0, description="binomial standard errors above the baseline rate")
    error_min_jump: float = Field(default=0.05, ge=0, lt=1, description="and at least this many points above it")
    stock_interval_minutes: int = Field(default=1440, ge=1, description="a node's stock is stale past this age")
    node_stock_intervals: dict[str, int] = Field(default_factory=dict, description="per node code, minutes")
    ack_window_minutes: int = Field(default=1440, ge=1, description="an acknowledgment is overdue past this")
    partner_ack_windows: dict[str, int] = Field(default_factory=dict, description="per partner name, minutes")
    ack_lookback_days: int = Field(default=14, ge=1, description="messages delivered before this are not chased")

    def stock_interval(self, node: str, attributes: dict[str, object] | None = None) -> int:
        """Minutes a node's stock may go without an update: this file's per-node figure, else the node's
        `stock_interval_minutes` attribute, else the default."""
        if node in self.node_stock_intervals:
            return self.node_stock_intervals[node]
        value = (attributes or {}).get("stock_interval_minutes")
        if isinstance(value, int | float | str) and str(value).isdigit() and int(value) > 0:
            return int(value)
        return self.stock_interval_minutes

    def ack_window(self, partner: str) -> int:
        return self.partner_ack_windows.get(partner, self.ack_window_minutes)


def load_alert_settings(home: Path) -> AlertSettings:
    """The settings in `home/alerts.yaml`, or the defaults when there is no such file; a bad file is a ConfigError."""
    path = home / SETTINGS_FILE
    if not path.is_file():
        return AlertSettings()
    try:
        data = parse_yaml(path.read_text(encoding="utf-8")) or {}
        return AlertSettings.model_validate(data)
    except ValidationError as exc:
        where, message = first_problem(exc)
        raise ConfigError(f"{path}: {where}: {message}", location=Location(file=str(path), field=where)) from None
    except Exception as exc:
        raise ConfigError(f"{path} cannot be read: {exc}", location=Location(file=str(path))) from None
