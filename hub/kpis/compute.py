"""compute_kpis: the KPI dashboard's figures for one tenant, per day or ISO week, optionally for one channel or node."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from hub.kpis.orders import (
    allocated_cohort,
    cost_view,
    empty_allocated,
    empty_shipped,
    merge_cost,
    percentile,
    rate,
    shipped_cohort,
)
from hub.kpis.periods import Bucket, buckets
from hub.kpis.traffic import connection_traffic, partner_traffic
from hub.store.tables import connections, nodes


@dataclass
class KpiFigures:
    """The KPIs of one bucket (or of the whole span)."""

    label: str
    start: datetime | None
    end: datetime | None
    shipped: dict[str, Any] = field(default_factory=empty_shipped)
    allocated: dict[str, int] = field(default_factory=empty_allocated)
    connections: dict[str, dict[str, int]] = field(default_factory=dict)
    partners: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, other: KpiFigures) -> None:
        for key in ("orders_shipped", "shipped_with_promise", "shipped_on_time", "orders_without_cost"):
            self.shipped[key] += other.shipped[key]
        self.shipped["lead_times"] += other.shipped["lead_times"]
        merge_cost(self.shipped["cost"], other.shipped["cost"])
        for key in self.allocated:
            self.allocated[key] += other.allocated[key]
        for mine, theirs in ((self.connections, other.connections), (self.partners, other.partners)):
            for name, figures in theirs.items():
                have = mine.setdefault(name, dict.fromkeys(figures, 0))
                for k, v in figures.items():
                    have[k] += v

    def as_dict(self) -> dict[str, Any]:
        s, a = self.shipped, self.allocated
        leads = s["lead_times"]
        return {
            "label": self.label,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "orders_shipped": s["orders_shipped"],
            "shipped_with_promise": s["shipped_with_promise"],
            "shipped_on_time": s["shipped_on_time"],
            "service_rate": rate(s["shipped_on_time"], s["shipped_with_promise"]),
            "lead_time_p50_seconds": percentile(leads, 50),
            "lead_time_p90_seconds": percentile(leads, 90),
            "cost_per_order": cost_view(s["cost"]),
            "orders_without_cost": s["orders_without_cost"],
            "orders_allocated": a["orders_allocated"],
            "split_orders": a["split_orders"],
            "split_rate": rate(a["split_orders"], a["orders_allocated"]),
            "backordered_orders": a["backordered_orders"],
            "backorder_rate": rate(a["backordered_orders"], a["orders_allocated"]),
            "connections": {
                name: f | {"error_rate": rate(f["failed"] + f["dead"], f["received"] + f["sent"] + f["dead"])}
                for name, f in sorted(self.connections.items())
            },
            "partners": {
                name: f | {"error_rate": rate(f["failed"] + f["rejected"], f["received"] + f["acknowledged"])}
                for name, f in sorted(self.partners.items())
            },
        }


@dataclass
class KpiReport:
    """The KPIs per bucket and over the whole span, with what was asked."""

    tenant: str
    period: str
    since: date
    until: date
    channel: str | None
    node: str | None
    buckets: list[KpiFigures]
    total: KpiFigures

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "period": self.period,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "channel": self.channel,
            "node": self.node,
            "buckets": [b.as_dict() for b in self.buckets],
            "total": self.total.as_dict(),
        }


def _allowed_connections(conn: Connection, tenant: str, channel: str | None, node: str | None) -> set[str] | None:
    """The connections a channel or node filter keeps (None: all): the channel's connections, the node's one."""
    if channel is None and node is None:
        return None
    c = connections.c
    stmt = select(c.name).where(c.tenant == tenant)
    if channel is not None:
        stmt = stmt.where(c.channel == channel)
    names = set(conn.execute(stmt).scalars())
    if node is not None:
        n = nodes.c
        names &= set(conn.execute(select(n.connection).where(n.tenant == tenant, n.code == node)).scalars())
    return names


def compute_kpis(
    conn: Connection,
    tenant: str,
    *,
    period: str = "day",
    since: date | datetime,
    until: date | datetime,
    channel: str | None = None,
    node: str | None = None,
) -> KpiReport:
    """The KPIs of `tenant` from `since` to `until` (exclusive), per UTC day or ISO week.

    - service rate: fully shipped orders whose last shipment left on or before the promised ship date (UTC day),
      of those shipped orders that carry a promised date;
    - lead time: placed (else created) to last shipment, p50/p90 by nearest rank, in seconds;
    - cost per order: the carrier cost of each shipped order's newest allocation plan, per currency;
    - split / backorder rate: of the orders first allocated in the bucket, those planned in more than one shipment,
      and those left backordered whole or in part at some point;
    - error rates: per connection, failed inbox messages and dead outbox messages of all messages; per partner,
      failed inbound messages and rejected outbound messages of those received and acknowledged.

    `channel` keeps orders from that source and that channel's connections; `node` keeps orders shipped
    (allocated) from that node and the node's connection.
    """
    spans: list[Bucket] = buckets(period, since, until)
    allowed = _allowed_connections(conn, tenant, channel, node)
    shipped = shipped_cohort(conn, tenant, spans, channel=channel, node=node)
    allocated = allocated_cohort(conn, tenant, spans, channel=channel, node=node)
    traffic = connection_traffic(conn, tenant, spans, allowed=allowed)
    partners = partner_traffic(conn, tenant, spans, traffic, allowed=allowed)
    figures = [
        KpiFigures(
            b.label,
            b.start,
            b.end,
            shipped.get(b.index, empty_shipped()),
            allocated.get(b.index, empty_allocated()),
            traffic.get(b.index, {}),
            partners.get(b.index, {}),
        )
        for b in spans
    ]
    total = KpiFigures("total", spans[0].start, spans[-1].end)
    for f in figures:
        total.add(f)
    return KpiReport(
        tenant=tenant,
        period=period,
        since=spans[0].start.date(),
        until=spans[-1].end.date(),
        channel=channel,
        node=node,
        buckets=figures,
        total=total,
    )
