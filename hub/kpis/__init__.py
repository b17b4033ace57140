"""KPIs (service rate, lead time, carrier cost, split, backorder and error rates) and anomaly alerts, read from the
store with SQL that runs the same on SQLite and PostgreSQL."""

from __future__ import annotations

from hub.kpis.alerts import Alert, AlertKind, Severity
from hub.kpis.anomalies import detect_anomalies
from hub.kpis.compute import KpiFigures, KpiReport, compute_kpis
from hub.kpis.settings import AlertSettings, load_alert_settings

__all__ = [
    "Alert",
    "AlertKind",
    "AlertSettings",
    "KpiFigures",
    "KpiReport",
    "Severity",
    "compute_kpis",
    "detect_anomalies",
    "load_alert_settings",
]
