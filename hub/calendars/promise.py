"""An explainable delivery promise: ship date, delivery window and the reasons behind them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from hub.calendars.dates import (
    add_working_days,
    delivery_window,
    earliest_ship_from_incoming,
    first_dispatch_day,
    handover_date,
    is_working_day,
    local_order_time,
    non_working_reason,
)
from hub.calendars.model import CarrierCalendar, NodeCalendar, WorkingCalendar


@dataclass(frozen=True)
class Promise:
    """What the hub promises for one order from one node with one carrier service, and why."""

    order_time: datetime
    node: str
    carrier: str
    service: str
    ship_date: date
    earliest: date
    latest: date
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "order_time": self.order_time.isoformat(),
            "node": self.node,
            "carrier": self.carrier,
            "service": self.service,
            "ship_date": self.ship_date.isoformat(),
            "delivery_earliest": self.earliest.isoformat(),
            "delivery_latest": self.latest.isoformat(),
            "reasons": list(self.reasons),
        }


def _days_between(after: date, until: date) -> list[date]:
    """Dates strictly after `after` and strictly before `until`."""
    return [after + timedelta(days=i) for i in range(1, (until - after).days)]


def _closed_days(cal: WorkingCalendar, after: date, until: date, suffix: str) -> list[str]:
    reasons = []
    for day in _days_between(after, until):
        why = non_working_reason(cal, day)
        if why is not None:
            reasons.append(f"{why}{suffix}")
    return reasons


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def promise(
    order_time: datetime,
    node_calendar: NodeCalendar,
    cutoff: time | None,
    handling_days: int | None,
    transit_min: int,
    transit_max: int,
    carrier_calendar: CarrierCalendar,
    *,
    incoming: date | None = None,
) -> Promise:
    """Promise a ship date and delivery window for an order placed at `order_time` (aware).

    `cutoff` and `handling_days` default to the node's when None. `incoming`, if given, is the date
    stock is expected at the node (the order waits for it). The ship date is moved to the next day
    the carrier collects when the node would ship on a day without pickup.
    """
    node = node_calendar.node
    cal = node_calendar.calendar
    tz = cal.tz_name
    limit = node_calendar.cutoff if cutoff is None else cutoff
    handling = node_calendar.handling_days if handling_days is None else handling_days
    local = local_order_time(node_calendar, order_time)
    today = local.date()
    reasons = [f"ordered {local:%Y-%m-%d %H:%M} {local.tzname()} in {tz}"]

    start = first_dispatch_day(node_calendar, order_time, limit)
    if not is_working_day(cal, today):
        reasons.append(f"{non_working_reason(cal, today)}: no dispatch at {node}")
    elif start == today:
        reasons.append(f"before {limit:%H:%M} cut-off in {tz}: same-day dispatch")
    else:
        reasons.append(f"after {limit:%H:%M} cut-off in {tz}")
    reasons += _closed_days(cal, today, start, f": no dispatch at {node}")

    shipped = add_working_days(cal, start, handling)
    if handling:
        reasons.append(f"{_plural(handling, 'handling day')} at {node}")
        reasons += _closed_days(cal, start, shipped, f": no handling at {node}")

    if incoming is not None:
        ready = earliest_ship_from_incoming(incoming, node_calendar, handling)
        if ready > shipped:
            reasons.append(f"waits for stock expected {incoming.isoformat()}: ready to ship {ready.isoformat()}")
            shipped = ready

    handover = handover_date(node_calendar, carrier_calendar, shipped)
    if handover != shipped:
        label = carrier_calendar.label
        for day in [shipped, *_days_between(shipped, handover)]:
            why = non_working_reason(carrier_calendar.pickup, day) or non_working_reason(cal, day)
            reasons.append(f"{why}: no {label} pickup at {node}")
        shipped = handover
    reasons.append(f"ships {shipped.isoformat()} ({shipped:%A})")

    earliest, latest = delivery_window(shipped, transit_min, transit_max, carrier_calendar)
    span = f"{transit_min}" if transit_min == transit_max else f"{transit_min}-{transit_max}"
    reasons.append(f"transit {span} {carrier_calendar.label} delivery day{'' if span == '1' else 's'}")
    reasons += _closed_days(
        carrier_calendar.delivery, shipped, latest + timedelta(days=1), f": no {carrier_calendar.label} delivery"
    )
    return Promise(
        order_time=order_time,
        node=node,
        carrier=carrier_calendar.carrier,
        service=carrier_calendar.service,
        ship_date=shipped,
        earliest=earliest,
        latest=latest,
        reasons=tuple(reasons),
    )
