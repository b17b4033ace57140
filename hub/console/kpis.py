"""The console's KPI dashboard (`/kpis`: charts per day or week, per channel and node) and alerts page (`/alerts`).

Mount with `app.include_router(kpis_router(ctx))`; both pages need a signed-in session (any role) and show the
token's own tenant only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection, select

from hub.console.session import NotSignedIn, Session, Sessions
from hub.console.templating import render
from hub.context import HubContext
from hub.errors import ConfigError, RecordError
from hub.kpis import AlertKind, compute_kpis, detect_anomalies, load_alert_settings
from hub.kpis.charts import bar_chart
from hub.store.db import read_only
from hub.store.tables import connections, nodes, orders

MAX_SPAN = 120
ALERT_TITLES = {
    AlertKind.VOLUME_DROP: "Volume drops",
    AlertKind.ERROR_RATE: "Error-rate jumps",
    AlertKind.STOCK_STALE: "Stale stock",
    AlertKind.ACK_OVERDUE: "Overdue acknowledgments",
}


def filter_choices(conn: Connection, tenant: str) -> dict[str, list[str]]:
    """The channels (order sources and connection channels) and nodes the filters offer."""
    channels = set(conn.execute(select(orders.c.source).where(orders.c.tenant == tenant).distinct()).scalars())
    channels |= set(conn.execute(select(connections.c.channel).where(connections.c.tenant == tenant)).scalars())
    codes = conn.execute(select(nodes.c.code).where(nodes.c.tenant == tenant).order_by(nodes.c.code)).scalars()
    return {"channels": sorted(channels), "nodes": list(codes)}


def span_of(period: str, span: int, until: date | None, today: date) -> tuple[date, date]:
    """[since, until): `span` days or weeks up to `until` (default: through today)."""
    if not 1 <= span <= MAX_SPAN:
        raise RecordError(f"span {span} is not between 1 and {MAX_SPAN}")
    end = until or today + timedelta(days=1)
    return end - timedelta(days=span * (7 if period == "week" else 1)), end


def charts(report: dict[str, Any]) -> list[Any]:
    rows = report["buckets"]
    labels = [b["label"] for b in rows]
    currencies = sorted({c for b in rows for c in b["cost_per_order"]})
    out = [
        bar_chart(
            "Service rate (shipped on time vs promised)",
            "service_rate",
            labels,
            [b["service_rate"] for b in rows],
            unit="%",
        ),
        bar_chart(
            "Order-to-ship lead time p50", "lead_p50", labels, [b["lead_time_p50_seconds"] for b in rows], unit="h"
        ),
        bar_chart(
            "Order-to-ship lead time p90", "lead_p90", labels, [b["lead_time_p90_seconds"] for b in rows], unit="h"
        ),
    ]
    for currency in currencies:
        values = [b["cost_per_order"].get(currency, {}).get("per_order") for b in rows]
        out.append(bar_chart(f"Carrier cost per order ({currency})", f"cost_{currency}", labels, values, unit=currency))
    out += [
        bar_chart("Split rate", "split_rate", labels, [b["split_rate"] for b in rows], unit="%"),
        bar_chart("Backorder rate", "backorder_rate", labels, [b["backorder_rate"] for b in rows], unit="%"),
        bar_chart("Orders shipped", "orders_shipped", labels, [b["orders_shipped"] for b in rows]),
    ]
    return out


def kpis_router(ctx: HubContext) -> APIRouter:
    """The KPI and alerts pages for the app serving `ctx` (each signed-in token sees its own tenant)."""
    sessions = Sessions(ctx)
    router = APIRouter(include_in_schema=False)

    def current(request: Request) -> Session:
        try:
            return sessions.session(request)
        except NotSignedIn as exc:
            raise HTTPException(
                303, "sign in first", headers={"Location": f"/login?next={quote(exc.next_path, safe='')}"}
            ) from None

    signed_in = Depends(current)

    @router.get("/kpis", response_class=HTMLResponse, name="console_kpis")
    def kpis_page(
        request: Request,
        session: Session = signed_in,
        period: str = "day",
        span: int = 14,
        until: date | None = None,
        channel: str = "",
        node: str = "",
    ) -> HTMLResponse:
        tenant = session.ctx.tenant
        form = {
            "period": period,
            "span": span,
            "until": until.isoformat() if until else "",
            "channel": channel,
            "node": node,
        }
        with read_only(session.ctx.engine) as conn:
            choices = filter_choices(conn, tenant)
            try:
                since, end = span_of(period, span, until, datetime.now(UTC).date())
                report = compute_kpis(
                    conn, tenant, period=period, since=since, until=end, channel=channel or None, node=node or None
                ).as_dict()
            except RecordError as exc:
                return render(
                    request,
                    "kpis.html",
                    session,
                    status_code=422,
                    form=form,
                    choices=choices,
                    error=exc.message,
                    report=None,
                    charts=[],
                )
        return render(
            request, "kpis.html", session, form=form, choices=choices, error=None, report=report, charts=charts(report)
        )

    @router.get("/alerts", response_class=HTMLResponse, name="console_alerts")
    def alerts_page(request: Request, session: Session = signed_in) -> HTMLResponse:
        now = datetime.now(UTC)
        try:
            settings = load_alert_settings(session.ctx.home)
        except ConfigError as exc:
            return render(
                request, "alerts.html", session, status_code=500, error=str(exc), groups=[], now=now, settings=None
            )
        with read_only(session.ctx.engine) as conn:
            found = detect_anomalies(conn, session.ctx.tenant, now, settings=settings)
        groups = [
            {"kind": str(kind), "title": title, "alerts": [a.as_dict() for a in found if a.kind == kind]}
            for kind, title in ALERT_TITLES.items()
        ]
        return render(
            request, "alerts.html", session, error=None, groups=groups, now=now, settings=settings, total=len(found)
        )

    return router
