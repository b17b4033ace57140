"""detect_anomalies: connection volume drops and error-rate jumps against the connection's own history, stale
node stock and overdue partner acknowledgments.

Volume: today's messages so far (UTC midnight to now) against the same window on the same weekday of each of the
last `volume_weeks` weeks; an alert when the median of those is at least `volume_min` and today is below
`volume_drop_ratio` of it. Same weekday, because order traffic has a strong weekly shape (a Sunday is not a
Monday); same time of day, because today is not over; the median, because one odd week (an outage, a sale) in the
history does not move it. An EWMA with bands would need a tuned smoothing factor and warm-up per connection and is
harder to explain on a screen; this compares a number with four numbers the operator can check.

Error rate: today's failed inbound plus dead outbound messages of all today's messages, against the connection's
rate over the previous `error_baseline_days` days; an alert when today has at least `error_min_messages` and
`error_min_failures` and its rate is above the baseline by `error_sigmas` binomial standard errors
(sqrt(p(1-p)/n)) and by at least `error_min_jump`: a jump that chance alone would rarely give at today's volume.
"""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Connection, and_, func, select

from hub.kpis.alerts import Alert, AlertKind, Severity
from hub.kpis.periods import Bucket
from hub.kpis.settings import AlertSettings
from hub.kpis.traffic import connection_traffic, partner_of_scope, sent_messages
from hub.partners.profile import PartnerProfile
from hub.partners.store import all_profiles
from hub.store.connections import list_connections
from hub.store.tables import nodes

RETRY_MARGIN = timedelta(days=7)
"""A message is numbered at its first delivery attempt; it may be delivered this much later (retries)."""


def _midnight(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def volume_alerts(
    conn: Connection, tenant: str, now: datetime, settings: AlertSettings, names: set[str]
) -> list[Alert]:
    start = _midnight(now)
    if now <= start:
        return []
    week = timedelta(days=7)
    spans = [Bucket(0, start, now, "today")] + [
        Bucket(k, start - k * week, now - k * week, (start - k * week).date().isoformat())
        for k in range(1, settings.volume_weeks + 1)
    ]
    traffic = connection_traffic(conn, tenant, spans, allowed=names)
    alerts: list[Alert] = []
    for name in sorted(names):
        history = [traffic.get(k, {}).get(name, {}).get("received", 0) for k in range(1, settings.volume_weeks + 1)]
        usual = statistics.median(history)
        today = traffic.get(0, {}).get(name, {}).get("received", 0)
        if usual < settings.volume_min or today >= settings.volume_drop_ratio * usual:
            continue
        until = now.astimezone(UTC).strftime("%H:%M")
        alerts.append(
            Alert(
                AlertKind.VOLUME_DROP,
                name,
                Severity.CRITICAL if today == 0 else Severity.WARNING,
                f"{name}: {today} message(s) today by {until} UTC, against a median of {usual:g} by that time on the "
                f"last {settings.volume_weeks} {start.strftime('%A')}s ({', '.join(map(str, history))}); "
                f"alert below {settings.volume_drop_ratio:g} of the median",
                {"today": today, "history": history, "median": usual, "threshold": settings.volume_drop_ratio * usual},
                start,
            )
        )
    return alerts


def error_alerts(conn: Connection, tenant: str, now: datetime, settings: AlertSettings, names: set[str]) -> list[Alert]:
    start = _midnight(now)
    if now <= start:
        return []
    spans = [
        Bucket(0, start, now, "today"),
        Bucket(1, start - timedelta(days=settings.error_baseline_days), start, "base"),
    ]
    traffic = connection_traffic(conn, tenant, spans, allowed=names)
    alerts: list[Alert] = []
    for name in sorted(names):
        t = traffic.get(0, {}).get(name)
        if t is None:
            continue
        n, failed = t["received"] + t["sent"] + t["dead"], t["failed"] + t["dead"]
        if n < settings.error_min_messages or failed < settings.error_min_failures:
            continue
        b = traffic.get(1, {}).get(name, {"received": 0, "sent": 0, "dead": 0, "failed": 0})
        n0, f0 = b["received"] + b["sent"] + b["dead"], b["failed"] + b["dead"]
        p0 = f0 / n0 if n0 else 0.0
        p = failed / n
        threshold = p0 + max(settings.error_sigmas * math.sqrt(p0 * (1 - p0) / n), settings.error_min_jump)
        if p <= threshold:
            continue
        alerts.append(
            Alert(
                AlertKind.ERROR_RATE,
                name,
                Severity.CRITICAL if p >= 0.5 else Severity.WARNING,
                f"{name}: {failed} of {n} message(s) failed today ({_pct(p)}), against {_pct(p0)} over the previous "
                f"{settings.error_baseline_days} days ({f0} of {n0}); alert above {_pct(threshold)}",
                {
                    "today": n,
                    "failed": failed,
                    "rate": round(p, 4),
                    "baseline_rate": round(p0, 4),
                    "baseline_messages": n0,
                    "threshold": round(threshold, 4),
                },
                start,
            )
        )
    return alerts


def stock_alerts(conn: Connection, tenant: str, now: datetime, settings: AlertSettings) -> list[Alert]:
    n = nodes.c
    rows = conn.execute(
        select(n.code, n.stock_as_of, n.attributes).where(n.tenant == tenant, n.enabled == 1).order_by(n.code)
    )
    alerts: list[Alert] = []
    for row in rows:
        interval = settings.stock_interval(row.code, row.attributes)
        if row.stock_as_of is None:
            summary = f"node {row.code}: no stock update was ever received (expected every {interval} min)"
            alerts.append(
                Alert(AlertKind.STOCK_STALE, row.code, Severity.WARNING, summary, {"interval_minutes": interval})
            )
            continue
        age = int((now - row.stock_as_of).total_seconds() // 60)
        if age <= interval:
            continue
        alerts.append(
            Alert(
                AlertKind.STOCK_STALE,
                row.code,
                Severity.CRITICAL if age > 2 * interval else Severity.WARNING,
                f"node {row.code}: stock last updated {age} min ago ({row.stock_as_of.isoformat(timespec='seconds')}), "
                f"expected every {interval} min",
                {"age_minutes": age, "interval_minutes": interval, "stock_as_of": row.stock_as_of.isoformat()},
                row.stock_as_of + timedelta(minutes=interval),
            )
        )
    return alerts


def acks_expected(profile: PartnerProfile | None, scope: str) -> bool:
    """Whether the partner answers what the hub sends under `scope`: X12 unless its profile says `ack: none`;
    EDIFACT only when it says `ack: contrl` (CONTRL is optional there). An unknown partner is not chased."""
    if profile is None:
        return False
    if scope.startswith("x12:"):
        return profile.x12_ack() != "none"
    return profile.ack == "contrl"


def ack_alerts(conn: Connection, tenant: str, now: datetime, settings: AlertSettings) -> list[Alert]:
    profiles = {p.name: p for p in all_profiles(conn, tenant)}
    oldest = now - timedelta(days=settings.ack_lookback_days)
    sent = sent_messages(tenant, numbered_since=oldest - RETRY_MARGIN)
    waiting = and_(sent.c.outbox_status == "delivered", sent.c.acked == 0, sent.c.delivered_at >= oldest)
    scopes = conn.execute(select(sent.c.scope).where(waiting).group_by(sent.c.scope).order_by(sent.c.scope)).scalars()
    alerts: list[Alert] = []
    for scope in list(scopes):
        partner = partner_of_scope(scope)
        if not acks_expected(profiles.get(partner), scope):
            continue
        window = settings.ack_window(partner)
        due = now - timedelta(minutes=window)
        row = conn.execute(
            select(func.count().label("n"), func.min(sent.c.delivered_at).label("first")).where(
                waiting, sent.c.scope == scope, sent.c.delivered_at < due
            )
        ).one()
        if not row.n:
            continue
        age = int((now - row.first).total_seconds() // 60)
        standard = "997/999" if scope.startswith("x12:") else "CONTRL"
        alerts.append(
            Alert(
                AlertKind.ACK_OVERDUE,
                partner,
                Severity.CRITICAL if age > 2 * window else Severity.WARNING,
                f"partner {partner}: {row.n} message(s) sent under {scope} without a {standard} after {window} min; "
                f"the oldest was delivered {age} min ago",
                {"scope": scope, "overdue": int(row.n), "oldest_age_minutes": age, "window_minutes": window},
                row.first + timedelta(minutes=window),
            )
        )
    return alerts


def detect_anomalies(
    conn: Connection, tenant: str, now: datetime, *, settings: AlertSettings | None = None
) -> list[Alert]:
    """Every anomaly of `tenant` at `now`: volume drops and error-rate jumps of enabled connections, stale node
    stock, overdue acknowledgments. Reads only; nothing is stored, so the same question gives the same answer."""
    settings = settings or AlertSettings()
    now = now.astimezone(UTC)
    enabled = {c.name for c in list_connections(conn, tenant) if c.enabled}
    return [
        *volume_alerts(conn, tenant, now, settings, enabled),
        *error_alerts(conn, tenant, now, settings, enabled),
        *stock_alerts(conn, tenant, now, settings),
        *ack_alerts(conn, tenant, now, settings),
    ]
