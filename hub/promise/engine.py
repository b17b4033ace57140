"""The promise engine: plan a synthetic order read-only against a stock view, then date every shipment.

A `Promiser` holds what stays the same across many questions (rule set, node profiles, products,
rater, distances, resolved calendars) so a query costs one planner run plus the calendar maths. Nothing
is reserved or written: the view is only read. When the plan is short, open incoming stock is added to
the view date by date until the order is covered; shipments that need it wait for that date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from sqlalchemy import Connection

from hub.allocation.allocator import AllocationSession, Allocator
from hub.allocation.ledger import load_levels
from hub.allocation.profiles import NodeProfile, ProductInfo
from hub.calendars import CalendarSet, CarrierCalendar, NodeCalendar, WorkingCalendar, promise
from hub.model.order import Order, OrderLine
from hub.model.party import Address
from hub.promise.answer import PromiseAnswer, ShipmentPromise
from hub.promise.errors import PromiseError
from hub.rules.decision import Decision, Shipment
from hub.rules.facts import OrderFacts, order_facts
from hub.rules.planner import Availability, Planner, PlanningContext, rule_safety
from hub.stock.incoming import incoming_for

IncomingLevels = Mapping[tuple[str, str], list[tuple[date, Decimal]]]
"""Open incoming stock as `hub.stock.incoming.incoming_for` returns it: (node, sku) -> [(date, qty)] by date."""

IncomingSource = IncomingLevels | Callable[[], IncomingLevels] | None

NO_CUTOFF = time(0, 0)
"""Cut-off used for a node without calendar and without a cut-off column: never same-day dispatch."""

PLAIN_WEEKDAYS = "plain weekdays assumed (Mon-Fri working, no holidays)"


class _WithIncoming:
    """A stock view plus incoming quantities expected by some date (read-only)."""

    def __init__(self, base: Availability, extra: Mapping[tuple[str, str], Decimal]) -> None:
        self.base = base
        self.extra = extra

    def available(self, node: str, sku: str, channel: str | None = None) -> Decimal:
        return self.base.available(node, sku, channel) + self.extra.get((node, sku), Decimal(0))


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_items(items: Mapping[str, Any]) -> dict[str, Decimal]:
    """`{sku: qty}` with positive quantities (strings or numbers), or PromiseError."""
    if not items:
        raise PromiseError("a promise needs at least one SKU=QTY item")
    out: dict[str, Decimal] = {}
    for sku, qty in items.items():
        try:
            value = Decimal(str(qty).strip())
        except ArithmeticError:
            raise PromiseError(f"quantity {qty!r} of {sku} is not a number") from None
        if not sku or not str(sku).strip():
            raise PromiseError("an item has an empty SKU")
        if not value.is_finite() or value <= 0:
            raise PromiseError(f"quantity of {sku} must be positive, got {qty!r}")
        out[str(sku).strip()] = out.get(str(sku).strip(), Decimal(0)) + value
    return out


class ShipmentDater:
    """Dates planned shipments: node calendars (or plain weekdays), carrier calendars, transit days; cached."""

    def __init__(self, nodes: Mapping[str, NodeProfile], calendars: CalendarSet | None) -> None:
        self.nodes = nodes
        self.calendars = calendars
        self._nodes: dict[str, tuple[NodeCalendar, list[str]]] = {}
        self._carriers: dict[tuple[str, str, str], tuple[CarrierCalendar, list[str]]] = {}

    # -- calendars ----------------------------------------------------------------------------------
    def node_calendar(self, code: str) -> tuple[NodeCalendar, list[str]]:
        """The node's calendar file, or plain weekdays in its time zone with its cut-off column (and why)."""
        found = self._nodes.get(code)
        if found is not None:
            return found
        if self.calendars is not None and code in self.calendars.nodes:
            found = (self.calendars.nodes[code], [])
        else:
            profile: NodeProfile | None = self.nodes.get(code)
            tz = _zone(profile.timezone if profile else None)
            cal = WorkingCalendar(timezone=tz, name=f"{code} (plain weekdays)")
            cutoff = profile.cutoff if profile is not None and profile.cutoff is not None else None
            notes = [f"no calendar for node {code}: {PLAIN_WEEKDAYS}, time zone {tz.key}"]
            if cutoff is None:
                notes.append(f"no cut-off known for node {code}: no same-day dispatch")
            found = (NodeCalendar(node=code, calendar=cal, cutoff=cutoff or NO_CUTOFF), notes)
        self._nodes[code] = found
        return found

    def carrier_calendar(self, carrier: str, service: str, tz: ZoneInfo) -> tuple[CarrierCalendar, list[str]]:
        """The carrier service's calendar (exact, then case-insensitive), or plain weekdays (and why)."""
        key = (carrier, service, tz.key)
        found = self._carriers.get(key)
        if found is not None:
            return found
        known = self.calendars.carriers if self.calendars is not None else {}
        match = known.get((carrier, service))
        if match is None:
            wanted = (carrier.casefold(), service.casefold())
            match = next((c for (k, s), c in known.items() if (k.casefold(), s.casefold()) == wanted), None)
        if match is not None:
            found = (match, [])
        else:
            cal = WorkingCalendar(timezone=tz, name=f"{carrier}/{service} (plain weekdays)")
            note = f"no calendar for carrier service {carrier}/{service}: {PLAIN_WEEKDAYS} for pickup and delivery"
            found = (CarrierCalendar(carrier=carrier, service=service, pickup=cal, delivery=cal), [note])
        self._carriers[key] = found
        return found

    # -- dating a plan ------------------------------------------------------------------------------
    def date_shipment(self, shipment: Shipment, at: datetime, incoming: date | None = None) -> ShipmentPromise:
        """Ship date and delivery window of one planned shipment for an order placed at `at`."""
        node_cal, reasons = self.node_calendar(shipment.node)
        reasons = list(reasons)
        quoted = shipment.carrier is not None and shipment.service is not None
        if quoted:
            assert shipment.carrier is not None and shipment.service is not None
            carrier_cal, notes = self.carrier_calendar(shipment.carrier, shipment.service, node_cal.calendar.timezone)
            reasons += notes
            low, high = shipment.transit_days or (0, 0)
        else:
            carrier_cal, _ = self.carrier_calendar("none", "none", node_cal.calendar.timezone)
            low = high = 0
        answer = promise(at, node_cal, None, None, low, high, carrier_cal, incoming=incoming)
        reasons += answer.reasons if quoted else [r for r in answer.reasons if not r.startswith("transit ")]
        if not quoted:
            reasons.append(f"no carrier service quoted from {shipment.node}: delivery dates unknown")
        if incoming is not None:
            reasons.append(f"ships when stock expected on {incoming.isoformat()} arrives at {shipment.node}")
        lines: dict[str, Decimal] = {}
        for line in shipment.lines:
            lines[line.sku] = lines.get(line.sku, Decimal(0)) + line.quantity
        return ShipmentPromise(
            node=shipment.node,
            lines=lines,
            carrier=shipment.carrier,
            service=shipment.service,
            service_level=shipment.service_level,
            cost=shipment.cost,
            currency=shipment.currency,
            ship_date=answer.ship_date,
            delivery_earliest=answer.earliest if quoted else None,
            delivery_latest=answer.latest if quoted else None,
            incoming=incoming,
            reasons=reasons,
        )

    def date_decision(self, decision: Decision, at: datetime) -> list[ShipmentPromise]:
        """Every shipment of an allocation decision dated (stock on hand: no incoming)."""
        return [self.date_shipment(s, at) for s in decision.shipments]


class Promiser:
    """Answers promise queries with one planning context (create once per process or batch, query many times)."""

    def __init__(
        self,
        context: PlanningContext,
        products: Mapping[str, ProductInfo],
        *,
        tenant: str,
        calendars: CalendarSet | None,
        currency: str = "EUR",
    ) -> None:
        self.context = context
        self.products = products
        self.tenant = tenant
        self.calendars = calendars
        self.currency = currency
        self.planner = Planner(context)
        self.dater = ShipmentDater(context.by_code, calendars)

    @classmethod
    def from_session(
        cls, session: AllocationSession, *, tenant: str, calendars: CalendarSet | None, **kw: Any
    ) -> Promiser:
        return cls(session.context, session.products, tenant=tenant, calendars=calendars, **kw)

    @classmethod
    def begin(
        cls,
        conn: Connection,
        tenant: str,
        allocator: Allocator,
        skus: Iterable[str],
        *,
        calendars: CalendarSet | None,
        **kw: Any,
    ) -> Promiser:
        """Read the active rule set, node profiles and the products of `skus` once (no writes)."""
        return cls.from_session(allocator.begin(conn, tenant, skus), tenant=tenant, calendars=calendars, **kw)

    # -- the query ----------------------------------------------------------------------------------
    def order(
        self,
        *,
        country: str,
        postal_code: str | None,
        items: Mapping[str, Any],
        channel: str | None = None,
        service_level: str | None = None,
        at: datetime,
    ) -> Order:
        """The synthetic order a promise plans (never stored)."""
        wanted = parse_items(items)
        try:
            return Order(
                tenant=self.tenant,
                source=channel or "promise",
                external_id="promise",
                currency=self.currency,
                placed_at=at,
                ship_to=Address(name="promise", country_code=country, postal_code=postal_code or None),
                lines=[
                    OrderLine(line_no=i, sku=sku, quantity=qty, unit_price=Decimal(0))
                    for i, (sku, qty) in enumerate(wanted.items(), start=1)
                ],
                attributes={"service_level": service_level} if service_level else {},
            )
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            raise PromiseError(f"bad promise request: {first['msg'].removeprefix('Value error, ')}") from None

    def query(
        self,
        view: Availability,
        *,
        country: str,
        postal_code: str | None,
        items: Mapping[str, Any],
        channel: str | None = None,
        service_level: str | None = None,
        at: datetime,
        incoming: IncomingSource = None,
    ) -> PromiseAnswer:
        """Can the basket ship to the address, from where, when? `incoming` is read only if stock is short."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise PromiseError(f"the promise time {at.isoformat()} has no time zone")
        order = self.order(
            country=country, postal_code=postal_code, items=items, channel=channel, service_level=service_level, at=at
        )
        facts = order_facts(order, self.products, default_service_level=self.context.rule_set.settings.service_level)
        decision = self.planner.decide(facts, view, skip_holds=True)
        request = {
            "to": {"country": order.ship_to.country_code, "postal_code": order.ship_to.postal_code},
            "items": {line.sku: str(line.quantity) for line in order.lines},
            "channel": channel,
            "service_level": service_level,
        }
        rs = self.context.rule_set
        notes = list(decision.notes)
        if decision.status == "allocated" and not decision.backordered:
            shipments = self.dater.date_decision(decision, at)
            return PromiseAnswer(request, at, True, shipments, {}, decision.reason, rs.label, rs.version, notes)
        levels = (incoming() if callable(incoming) else incoming) or {}
        found = self._with_incoming(facts, view, levels, order.source)
        if found is not None:
            later, waits = found
            shipments = [self.dater.date_shipment(s, at, waits.get(s.node)) for s in later.shipments]
            dates = ", ".join(sorted({d.isoformat() for d in waits.values() if d is not None}))
            reason = f"not enough stock now; covered with incoming stock expected {dates}: {later.reason}"
            return PromiseAnswer(request, at, True, shipments, {}, reason, rs.label, rs.version, notes + later.notes)
        short: dict[str, Decimal] = {}
        for line in decision.backordered:
            short[line.sku] = short.get(line.sku, Decimal(0)) + line.quantity
        if decision.status == "on_hold" and not short:
            short = {line.sku: line.quantity for line in order.lines}
        shipments = self.dater.date_decision(decision, at) if decision.status == "allocated" else []
        reason = f"cannot ship complete: {decision.reason}"
        if levels:
            reason += "; incoming stock does not cover it either"
        return PromiseAnswer(request, at, False, shipments, short, reason, rs.label, rs.version, notes)

    def _with_incoming(
        self, facts: OrderFacts, view: Availability, levels: IncomingLevels, channel: str
    ) -> tuple[Decision, dict[str, date | None]] | None:
        """The first expected date by which stock on hand plus incoming covers the order, planned again."""
        skus = {line["sku"] for line in facts.lines}
        nodes = self.context.by_code
        relevant = {key: entries for key, entries in levels.items() if key[1] in skus and key[0] in nodes}
        for day in sorted({d for entries in relevant.values() for d, _ in entries}):
            extra: dict[tuple[str, str], Decimal] = {}
            for key, entries in relevant.items():
                qty = sum((q for d, q in entries if d <= day), Decimal(0))
                if qty:
                    extra[key] = qty
            decision = self.planner.decide(facts, _WithIncoming(view, extra), skip_holds=True)
            if decision.status == "allocated" and not decision.backordered:
                return decision, {s.node: self._waits_for(s, view, relevant, channel) for s in decision.shipments}
        return None

    def _waits_for(self, shipment: Shipment, view: Availability, levels: IncomingLevels, channel: str) -> date | None:
        """The date the shipment's node has enough of every line, counting incoming (None: on hand now)."""
        need: dict[str, Decimal] = {}
        for line in shipment.lines:
            need[line.sku] = need.get(line.sku, Decimal(0)) + line.quantity
        latest: date | None = None
        for sku, qty in need.items():
            have = view.available(shipment.node, sku, channel)
            safety = rule_safety(self.context.rule_set.safety_stock, shipment.node, sku)
            have = max(have - safety, Decimal(0))
            if have >= qty:
                continue
            for day, more in levels.get((shipment.node, sku), []):
                have += more
                if have >= qty:
                    latest = day if latest is None or day > latest else latest
                    break
        return latest


def promise_for(
    conn: Connection,
    tenant: str,
    source: Allocator | AllocationSession | Promiser,
    *,
    country: str,
    postal_code: str | None,
    items: Mapping[str, Any],
    channel: str | None = None,
    service_level: str | None = None,
    at: datetime,
    calendars: CalendarSet | None = None,
    view: Availability | None = None,
) -> PromiseAnswer:
    """One promise, read-only: plan against `view`, date the shipments, look at incoming stock if short.

    `source` is an allocator (a planning session is opened for the items), an open session, or a
    ready `Promiser` (the fast path for many queries). `calendars` is used unless a Promiser is given;
    `view` defaults to the current stock levels of the items (read without locks).
    """
    wanted = parse_items(items)
    if view is None:
        view = load_levels(conn, tenant, wanted)
    if isinstance(source, Promiser):
        promiser = source
    elif isinstance(source, AllocationSession):
        promiser = Promiser.from_session(source, tenant=tenant, calendars=calendars)
    else:
        promiser = Promiser.begin(conn, tenant, source, wanted, calendars=calendars)
    return promiser.query(
        view,
        country=country,
        postal_code=postal_code,
        items=wanted,
        channel=channel,
        service_level=service_level,
        at=at,
        incoming=lambda: incoming_for(conn, tenant, wanted),
    )
