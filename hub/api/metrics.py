"""`/metrics` in the Prometheus text format: a collector that reads the store at each scrape, one `tenant` label.

Nothing is counted in process memory (no global counters): every figure is read from the database when Prometheus
scrapes, so any number of API instances answer the same, and each app gets its own registry. Labels carry tenant,
connection, node, partner, status and kind names only, never order or customer data. The endpoint needs no token
(Prometheus scrapes it); set HUB_METRICS=off to leave it out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine, func, select, union

from hub.context import HubContext
from hub.errors import ConfigError
from hub.kpis import AlertKind, AlertSettings, compute_kpis, detect_anomalies, load_alert_settings
from hub.store.db import read_only
from hub.store.tables import connections, exceptions, inbox, nodes, orders, outbox, partners

log = logging.getLogger(__name__)

OFF = {"0", "false", "no", "off"}
KPI_DAYS = 7


def metrics_enabled(environ: Mapping[str, str]) -> bool:
    """`/metrics` is served unless HUB_METRICS is 0, false, no or off."""
    return environ.get("HUB_METRICS", "on").strip().lower() not in OFF


def tenants(conn: Connection) -> list[str]:
    """Every tenant that has connections, nodes, partners or orders."""
    query = union(*(select(t.c.tenant).distinct() for t in (connections, nodes, partners, orders)))
    return sorted(conn.execute(query).scalars())


class HubCollector(Collector):
    """Reads the hub's figures per tenant from the store at each scrape.

    `settings` are the alert thresholds, or what reads them at each scrape (`alerts.yaml`). When they cannot be
    read (a broken file: ConfigError), the anomaly figures are left out of that scrape, `hub_alert_settings_valid`
    says 0 and the error is logged once per distinct message; every other figure is still served.
    """

    def __init__(
        self,
        engine: Engine,
        settings: AlertSettings | Callable[[], AlertSettings] | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        fixed = settings if isinstance(settings, AlertSettings) else AlertSettings()
        self.read_settings: Callable[[], AlertSettings] = settings if callable(settings) else (lambda: fixed)
        self.clock = clock or (lambda: datetime.now(UTC))
        self._last_settings_error: str | None = None

    def _settings(self) -> AlertSettings | None:
        try:
            settings = self.read_settings()
        except ConfigError as exc:
            if exc.message != self._last_settings_error:
                log.error("alert settings unreadable, anomaly metrics left out: %s", exc.message)
                self._last_settings_error = exc.message
            return None
        self._last_settings_error = None
        return settings

    def describe(self) -> list[Metric]:
        return []  # nothing read at registration: the figures exist only at scrape time

    def collect(self) -> Iterator[Metric]:
        now = self.clock()
        g = {
            "orders": GaugeMetricFamily("hub_orders", "Orders by status", labels=["tenant", "status"]),
            "inbox": GaugeMetricFamily(
                "hub_inbox_messages",
                "Inbox messages by connection and status",
                labels=["tenant", "connection", "status"],
            ),
            "outbox": GaugeMetricFamily(
                "hub_outbox_messages",
                "Outbox messages by connection and status",
                labels=["tenant", "connection", "status"],
            ),
            "exceptions": GaugeMetricFamily(
                "hub_exceptions_unresolved", "Open or acknowledged exceptions by kind", labels=["tenant", "kind"]
            ),
            "stock_age": GaugeMetricFamily(
                "hub_node_stock_age_seconds",
                "Seconds since an enabled node's stock was last confirmed",
                labels=["tenant", "node"],
            ),
            "alerts": GaugeMetricFamily(
                "hub_alerts", "Active anomaly alerts by kind and severity", labels=["tenant", "kind", "severity"]
            ),
            "alert": GaugeMetricFamily(
                "hub_alert",
                "1 for each active alert, by kind and subject (connection, node or partner)",
                labels=["tenant", "kind", "subject", "severity"],
            ),
            "acks": GaugeMetricFamily(
                "hub_acks_overdue",
                "Messages a partner has not acknowledged within its window",
                labels=["tenant", "partner"],
            ),
            "rates": GaugeMetricFamily(
                "hub_kpi_ratio",
                f"KPI ratios over the last {KPI_DAYS} UTC days (today included)",
                labels=["tenant", "kpi"],
            ),
            "lead": GaugeMetricFamily(
                "hub_kpi_lead_time_seconds",
                f"Order-to-ship lead time over the last {KPI_DAYS} UTC days",
                labels=["tenant", "quantile"],
            ),
        }
        settings = self._settings()
        valid = GaugeMetricFamily(
            "hub_alert_settings_valid", "1 when alerts.yaml is absent or reads; 0 when broken (no anomaly figures)"
        )
        valid.add_metric([], 0 if settings is None else 1)
        with read_only(self.engine) as conn:
            for tenant in tenants(conn):
                self._tenant(conn, tenant, now, g)
                if settings is not None:
                    self._anomalies(conn, tenant, now, settings, g)
        yield valid
        yield from g.values()

    def _tenant(self, conn: Connection, tenant: str, now: datetime, g: dict[str, GaugeMetricFamily]) -> None:
        o = orders.c
        for status, n in conn.execute(select(o.status, func.count()).where(o.tenant == tenant).group_by(o.status)):
            g["orders"].add_metric([tenant, status], n)
        for table, key in ((inbox, "inbox"), (outbox, "outbox")):
            t = table.c
            stmt = (
                select(t.connection, t.status, func.count()).where(t.tenant == tenant).group_by(t.connection, t.status)
            )
            for name, status, n in conn.execute(stmt):
                g[key].add_metric([tenant, name, status], n)
        e = exceptions.c
        stmt = (
            select(e.kind, func.count())
            .where(e.tenant == tenant, e.state.in_(("open", "acknowledged")))
            .group_by(e.kind)
        )
        for kind, n in conn.execute(stmt):
            g["exceptions"].add_metric([tenant, kind], n)
        n_ = nodes.c
        stmt = select(n_.code, n_.stock_as_of).where(n_.tenant == tenant, n_.enabled == 1, n_.stock_as_of.is_not(None))
        for code, as_of in conn.execute(stmt):
            g["stock_age"].add_metric([tenant, code], max((now - as_of).total_seconds(), 0.0))
        today = now.date()
        total = compute_kpis(conn, tenant, since=today - timedelta(days=KPI_DAYS - 1), until=today + timedelta(days=1))
        figures = total.total.as_dict()
        for kpi in ("service_rate", "split_rate", "backorder_rate"):
            if figures[kpi] is not None:
                g["rates"].add_metric([tenant, kpi], figures[kpi])
        for quantile, key in (("0.5", "lead_time_p50_seconds"), ("0.9", "lead_time_p90_seconds")):
            if figures[key] is not None:
                g["lead"].add_metric([tenant, quantile], figures[key])

    def _anomalies(
        self, conn: Connection, tenant: str, now: datetime, settings: AlertSettings, g: dict[str, GaugeMetricFamily]
    ) -> None:
        counts: dict[tuple[str, str], int] = {}
        for alert in detect_anomalies(conn, tenant, now, settings=settings):
            counts[(alert.kind, alert.severity)] = counts.get((alert.kind, alert.severity), 0) + 1
            g["alert"].add_metric([tenant, alert.kind, alert.subject, alert.severity], 1)
            if alert.kind == AlertKind.ACK_OVERDUE:
                g["acks"].add_metric([tenant, alert.subject], alert.figures["overdue"])
        for kind in AlertKind:
            for severity in ("warning", "critical"):
                g["alerts"].add_metric([tenant, kind, severity], counts.get((kind, severity), 0))


def metrics_router(ctx: HubContext) -> APIRouter:
    """`GET /metrics` for the hub behind `ctx` (every tenant of its database); no route when HUB_METRICS=off.

    Alert thresholds come from `alerts.yaml` in the hub's home, read at each scrape (as the console reads them):
    a broken file leaves the anomaly figures out, it does not stop the API from starting.
    """
    router = APIRouter(include_in_schema=False)
    if not metrics_enabled(ctx.environ):
        return router
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HubCollector(ctx.engine, lambda: load_alert_settings(ctx.home)))

    @router.get("/metrics", name="metrics")
    def metrics(request: Request) -> Response:
        encoder, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encoder(registry), media_type=content_type)

    return router
