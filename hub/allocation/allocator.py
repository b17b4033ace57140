"""The allocation seam the pipeline forwards orders to: plan with the active rule set, reserve the plan, record why.

`Allocator.begin` opens a session for one batch (one transaction): it reads the active rule set,
the node profiles, the products of the batch's SKUs and today's node load once. The session's
`allocate` plans an order, reserves every planned line in the batch's stock view, and returns the
rows to write (reservations, the allocation record). If a reservation fails after all (the plan
misjudged), what it took is given back and the order is planned again without that node. The
view's changes reach the database through `apply_reservations`, whose guarded UPDATE is the last
word on availability.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from hub.allocation.ledger import StockView
from hub.allocation.profiles import NodeProfile, load_node_load, load_node_profiles, load_products
from hub.calendars import CalendarSet
from hub.model.ids import new_id, utcnow
from hub.model.order import Order, OrderStatus
from hub.rules.decision import Decision
from hub.rules.facts import OrderFacts, order_facts
from hub.rules.planner import DistanceSource, Planner, PlanningContext, Rater, priority_of
from hub.rules.resources import network_data
from hub.rules.ruleset import RuleSet
from hub.rules.store import ActiveRuleSet
from hub.store.sql import upsert
from hub.store.tables import node_load

STATUS = {"allocated": OrderStatus.ALLOCATED, "backordered": OrderStatus.BACKORDERED, "on_hold": OrderStatus.ON_HOLD}


@dataclass
class Allocation:
    """The outcome for one order: its status, the decision, and the rows to write."""

    status: OrderStatus
    decision: Decision
    nodes: dict[str, NodeProfile]
    reservations: list[dict[str, Any]] = field(default_factory=list)
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return self.decision.reason

    @property
    def detail(self) -> dict[str, Any]:
        return self.decision.as_dict()


class Allocator:
    """Allocates with the tenant's active rule set (or a fixed one), a distance model and a carrier rater."""

    def __init__(
        self,
        rule_set: RuleSet | None = None,
        *,
        distance: DistanceSource | Callable[[], DistanceSource] | None = None,
        rater: Rater | None = None,
        calendars: CalendarSet | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.rule_set = rule_set
        self.calendars = calendars  # to date shipments when an order was placed on a promise
        self.distance = distance  # a model, or a factory called per batch (models cache node locations)
        self.rater = rater
        self.clock = clock
        self._active = ActiveRuleSet()

    @classmethod
    def for_hub(cls, environ: Mapping[str, str], home: Path, **kw: Any) -> Allocator:
        """The allocator of a running hub: the active rule set, packaged distances, the home's rate cards."""
        network = network_data(environ, home)
        return cls(distance=network.distance, rater=network.rater, calendars=network.calendars, **kw)

    def rules(self, conn: Connection, tenant: str) -> RuleSet:
        return self.rule_set or self._active.get(conn, tenant)

    def begin(self, conn: Connection, tenant: str, skus: Iterable[str]) -> AllocationSession:
        now = self.clock()
        context = PlanningContext(
            rule_set=self.rules(conn, tenant),
            nodes=load_node_profiles(conn, tenant),
            now=now,
            load=load_node_load(conn, tenant, now.date()),
            distance=self.distance() if callable(self.distance) else self.distance,
            rater=self.rater,
        )
        return AllocationSession(context, load_products(conn, tenant, skus), today=now.date())


class AllocationSession:
    """Allocation within one batch: shared profiles and load, one planner."""

    def __init__(self, context: PlanningContext, products: dict[str, Any], *, today: date) -> None:
        self.context = context
        self.products = products
        self.today = today
        self.planner = Planner(context)
        self.load_added: dict[str, int] = {}

    @property
    def rule_set(self) -> RuleSet:
        return self.context.rule_set

    def facts(self, order: Order) -> OrderFacts:
        # no default service level here: the planner falls back to the settings of the matching policy
        return order_facts(order, self.products, nodes=self.context.nodes)

    def priority(self, order: Order) -> int:
        return priority_of(self.rule_set, self.facts(order))

    def allocate(
        self,
        order: Order,
        order_id: str,
        view: StockView,
        *,
        exclude: dict[str, str] | None = None,
        skip_holds: bool = False,
        reason: str = "created",
        facts: OrderFacts | None = None,
    ) -> Allocation:
        """Plan `order` (its `facts` if already built for it), reserve the plan in `view`, gather the rows."""
        facts = facts if facts is not None else self.facts(order)
        excluded = dict(exclude or {})
        while True:
            decision = self.planner.decide(facts, view, exclude=excluded, skip_holds=skip_holds)
            taken = self._reserve(decision, view, order.source)
            if taken is not None:
                break
            failed = next(iter(self._failed_nodes))
            excluded[failed] = "a reservation there failed although the plan expected stock; planned again without it"
        rows = self._rows(order, order_id, decision, taken)
        for node in decision.nodes:
            self.context.load[node] = self.context.load.get(node, 0) + 1
            self.load_added[node] = self.load_added.get(node, 0) + 1
        return Allocation(
            STATUS[decision.status],
            decision,
            {s.node: self.context.by_code[s.node] for s in decision.shipments},
            rows,
            self._record(order, order_id, decision, reason),
        )

    def _reserve(self, decision: Decision, view: StockView, channel: str) -> list[tuple[int, Any]] | None:
        self._failed_nodes: list[str] = []
        taken: list[tuple[int, str, str, Decimal, int]] = []
        for number, shipment in enumerate(decision.shipments, start=1):
            for line in shipment.lines:
                if not view.reserve(shipment.node, line.sku, line.quantity, channel):
                    for _, node, sku, qty, _ in taken:
                        view.release(node, sku, qty)
                    self._failed_nodes = [shipment.node]
                    return None
                taken.append((line.line_no, shipment.node, line.sku, line.quantity, number))
        return taken  # type: ignore[return-value]

    @staticmethod
    def _rows(order: Order, order_id: str, decision: Decision, taken: list[Any]) -> list[dict[str, Any]]:
        now = utcnow()
        return [
            {
                "id": new_id("res"),
                "tenant": order.tenant,
                "order_id": order_id,
                "line_no": line_no,
                "node": node,
                "sku": sku,
                "quantity": qty,
                "status": "held",
                "created_at": now,
                "shipment_no": number,
            }
            for line_no, node, sku, qty, number in taken
        ]

    def _record(self, order: Order, order_id: str, decision: Decision, reason: str) -> dict[str, Any]:
        return {
            "id": new_id("alc"),
            "tenant": order.tenant,
            "order_id": order_id,
            "rule_set_version": decision.rule_set_version,
            "status": decision.status,
            "shipments": len(decision.shipments),
            "cost": decision.cost,
            "currency": decision.currency,
            "promised_ship_date": None,
            "promised_delivery_latest": None,
            "decision": decision.as_dict(),
            "reason": reason,
            "created_at": utcnow(),
        }

    def write_load(self, conn: Connection, tenant: str) -> None:
        """Add this batch's orders per node to today's load (for capacity rules)."""
        if not self.load_added:
            return
        t = node_load.c
        for node, count in sorted(self.load_added.items()):
            stmt = upsert(conn, node_load, ["tenant", "node", "day"], {"orders": t.orders + count})
            conn.execute(stmt.values(tenant=tenant, node=node, day=self.today, orders=count))
        self.load_added.clear()
