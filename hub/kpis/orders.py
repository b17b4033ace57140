"""Order KPIs per bucket: service rate, order-to-ship lead time, carrier cost per order, split and backorder rates.

Two cohorts, so that every order counts in exactly one bucket:
- shipped: orders fully shipped (status shipped or returned), in the bucket of their last shipment;
- allocated: orders in the bucket of their first allocation.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, case, exists, func, or_, select

from hub.kpis.periods import Bucket, bucket_of, utc_day, within
from hub.store.tables import allocations, exceptions, orders, reservations, shipments

SHIPPED_STATUSES = ("shipped", "returned")
CENT = Decimal("0.01")


def _last_shipment(tenant: str, node: str | None, spans: list[Bucket]) -> Any:
    """Each order's last shipment (from `node`), for the orders with a shipment in the span (only they can have
    their last one there)."""
    s = shipments.c
    shipped_in_span = select(s.order_id).where(s.tenant == tenant, within(s.shipped_at, spans))
    stmt = select(s.order_id, func.max(s.shipped_at).label("shipped_at")).where(
        s.tenant == tenant, s.order_id.in_(shipped_in_span)
    )
    if node is not None:
        stmt = stmt.where(s.node == node)
    return stmt.group_by(s.order_id).subquery("last_ship")


def _seconds_between(conn: Connection, later: Any, earlier: Any) -> Any:
    if conn.dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


def _per_order(conn: Connection, tenant: str, spans: list[Bucket], channel: str | None, node: str | None) -> Any:
    """One row per order of the shipped cohort: its bucket, last shipment, start (placed, else created), promised
    ship date and the newest plan's cost. Driven by the shipments; the rest are index lookups by order."""
    o, a = orders.c, allocations.c
    last = _last_shipment(tenant, node, spans)
    of_order = (a.tenant == tenant, a.order_id == last.c.order_id)
    # the newest plan: its creation time first, then the plan at that time (not ORDER BY created_at DESC LIMIT 1,
    # which SQLite answers from the created_at index, walking every allocation of the tenant)
    times = allocations.alias("plan_times")
    newest_at = (
        # max() of an expression, not of the bare column: SQLite would otherwise answer it by walking the
        # (tenant, created_at) index over every allocation of the tenant instead of the order's few
        select(func.max(func.coalesce(times.c.created_at, times.c.created_at)))
        .where(times.c.tenant == tenant, times.c.order_id == last.c.order_id)
        .correlate_except(times)  # two levels down: correlate to last_ship explicitly
        .scalar_subquery()
    )
    newest = select(a.cost, a.currency).where(*of_order, a.created_at == newest_at).limit(1)
    stmt = (
        select(
            bucket_of(last.c.shipped_at, spans).label("bucket"),
            last.c.shipped_at,
            func.coalesce(o.placed_at, o.created_at).label("started_at"),
            select(func.max(a.promised_ship_date)).where(*of_order).scalar_subquery().label("promised"),
            newest.with_only_columns(a.cost).scalar_subquery().label("cost"),
            newest.with_only_columns(a.currency).scalar_subquery().label("currency"),
        )
        .select_from(last)
        .join(orders, o.id == last.c.order_id)
        .where(o.tenant == tenant, o.status.in_(SHIPPED_STATUSES), within(last.c.shipped_at, spans))
    )
    if channel is not None:
        stmt = stmt.where(o.source == channel)
    return stmt.subquery("per_order")


def shipped_cohort(
    conn: Connection, tenant: str, spans: list[Bucket], *, channel: str | None, node: str | None
) -> dict[int, dict[str, Any]]:
    """Per bucket: orders shipped, how many had a promised ship date and met it, lead times, carrier cost."""
    per = _per_order(conn, tenant, spans, channel, node)
    on_time = case((utc_day(conn, per.c.shipped_at) <= per.c.promised, 1), else_=0)
    stmt = select(
        per.c.bucket,
        per.c.currency,
        func.count().label("orders"),
        func.count(per.c.promised).label("promised"),
        func.sum(on_time).label("on_time"),
        func.count(per.c.cost).label("costed"),
        func.sum(per.c.cost).label("total"),
    ).group_by(per.c.bucket, per.c.currency)
    out: dict[int, dict[str, Any]] = {}
    for row in conn.execute(stmt):
        figures = out.setdefault(row.bucket, empty_shipped())
        figures["orders_shipped"] += int(row.orders)
        figures["shipped_with_promise"] += int(row.promised)
        figures["shipped_on_time"] += int(row.on_time or 0)
        costed = int(row.costed) if row.currency is not None else 0
        figures["orders_without_cost"] += int(row.orders) - costed
        if costed:
            figures["cost"][row.currency] = {"orders": costed, "total": Decimal(row.total)}
    lead = select(per.c.bucket, _seconds_between(conn, per.c.shipped_at, per.c.started_at).label("s"))
    for row in conn.execute(lead):
        out[row.bucket]["lead_times"].append(max(round(float(row.s)), 0))
    return out


def allocated_cohort(
    conn: Connection, tenant: str, spans: list[Bucket], *, channel: str | None, node: str | None
) -> dict[int, dict[str, int]]:
    """Per bucket of first allocation: orders allocated, split (some plan had more than one shipment) and
    backordered (some plan left lines backordered, whole or in part: the backorder exception it raised)."""
    a, o, e, r = allocations.c, orders.c, exceptions.c, reservations.c
    allocated_in_span = select(a.order_id).where(a.tenant == tenant, within(a.created_at, spans))
    per_order = (
        select(
            a.order_id,
            func.min(a.created_at).label("first_at"),
            func.max(a.shipments).label("most_shipments"),
            func.max(case((a.status == "backordered", 1), else_=0)).label("whole_backorder"),
        )
        .where(a.tenant == tenant, a.order_id.in_(allocated_in_span))
        .group_by(a.order_id)
        .subquery("per_order")
    )
    bucket = bucket_of(per_order.c.first_at, spans).label("bucket")
    backorder_raised = exists().where(e.tenant == tenant, e.order_id == o.id, e.kind == "backorder")
    backordered = or_(per_order.c.whole_backorder == 1, backorder_raised)
    stmt = (
        select(
            bucket,
            func.count().label("orders"),
            func.sum(case((per_order.c.most_shipments > 1, 1), else_=0)).label("split"),
            func.sum(case((backordered, 1), else_=0)).label("backordered"),
        )
        .select_from(per_order)
        .join(orders, o.id == per_order.c.order_id)
        .where(o.tenant == tenant, bucket.is_not(None))
    )
    if channel is not None:
        stmt = stmt.where(o.source == channel)
    if node is not None:
        stmt = stmt.where(exists().where(r.tenant == tenant, r.order_id == o.id, r.node == node))
    return {
        row.bucket: {
            "orders_allocated": int(row.orders),
            "split_orders": int(row.split or 0),
            "backordered_orders": int(row.backordered or 0),
        }
        for row in conn.execute(stmt.group_by(bucket))
    }


def percentile(values: list[int], p: float) -> int | None:
    """The nearest-rank percentile (the smallest value with at least p% of the values at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(int(-(-p * len(ordered) // 100)), 1)  # ceil(p/100 * n), at least the first
    return ordered[rank - 1]


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def merge_cost(into: dict[str, dict[str, Any]], add: dict[str, dict[str, Any]]) -> None:
    for currency, c in add.items():
        have = into.setdefault(currency, {"orders": 0, "total": Decimal(0)})
        have["orders"] += c["orders"]
        have["total"] += c["total"]


def cost_view(cost: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        cur: {
            "orders": c["orders"],
            "total": c["total"],
            "per_order": (c["total"] / c["orders"]).quantize(CENT),
        }
        for cur, c in sorted(cost.items())
    }


def empty_shipped() -> dict[str, Any]:
    return {
        "orders_shipped": 0,
        "shipped_with_promise": 0,
        "shipped_on_time": 0,
        "lead_times": [],
        "cost": {},
        "orders_without_cost": 0,
    }


def empty_allocated() -> dict[str, int]:
    return {"orders_allocated": 0, "split_orders": 0, "backordered_orders": 0}
