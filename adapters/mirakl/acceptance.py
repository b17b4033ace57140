"""The OR21 acceptance rule: which lines of an order WAITING_ACCEPTANCE the hub accepts, and which it refuses.

The rule is the connection's `acceptance` option (with `max_line_quantity`), applied line by line:

- `known_sku` (default): accept a line when its offer SKU maps to a hub SKU through the connection's SKU map
  (with no SKU map every SKU is known) and its quantity is at most `max_line_quantity` (when set); refuse it
  otherwise. An optional `available` look-up (hub SKU -> units the hub can sell) adds "and the hub has the
  stock": it is a constructor seam of the poller, see docs/mirakl.md for why the hub does not wire it yet.
- `accept_all`: accept every line (the shop trusts the stock it pushed with STO01).
- `manual`: decide nothing; the shop accepts in the Mirakl back office (the poller never calls OR21).

Mirakl wants every line of the order in the OR21 call, each `accepted` true or false.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.channels import SkuMap, UnknownSku

Available = Callable[[str], Decimal | None]


@dataclass(frozen=True)
class LineDecision:
    """The verdict on one order line, with the reason a refusal is recorded with."""

    line_id: str
    accepted: bool
    reason: str


def decide_line(
    line: Mapping[str, Any],
    *,
    rule: str,
    sku_map: SkuMap,
    max_line_quantity: int | None = None,
    available: Available | None = None,
) -> LineDecision:
    """The decision for one OR11 order line under `rule` (see the module docstring)."""
    line_id = str(line.get("order_line_id") or "")
    if rule == "accept_all":
        return LineDecision(line_id, True, "accept_all")
    sku = str(line.get("offer_sku") or "")
    try:
        hub_sku = sku_map.to_hub(sku)
    except UnknownSku:
        return LineDecision(line_id, False, f"offer SKU {sku!r} unknown to the hub")
    try:
        quantity = Decimal(str(line.get("quantity")))
    except (InvalidOperation, ValueError):
        return LineDecision(line_id, False, "no readable quantity")
    if max_line_quantity is not None and quantity > max_line_quantity:
        return LineDecision(line_id, False, f"quantity {quantity} above the limit {max_line_quantity}")
    if available is not None:
        have = available(hub_sku)
        if have is None or have < quantity:
            return LineDecision(
                line_id, False, f"hub has {have if have is not None else 'no'} {hub_sku} for {quantity}"
            )
    return LineDecision(line_id, True, f"{hub_sku} known")


def decide_order(
    order: Mapping[str, Any],
    *,
    rule: str,
    sku_map: SkuMap,
    max_line_quantity: int | None = None,
    available: Available | None = None,
) -> list[LineDecision]:
    """Decisions for the lines of an order that wait for acceptance (empty under `manual`)."""
    if rule == "manual":
        return []
    return [
        decide_line(line, rule=rule, sku_map=sku_map, max_line_quantity=max_line_quantity, available=available)
        for line in order.get("order_lines") or []
        if isinstance(line, Mapping) and line.get("order_line_state", "WAITING_ACCEPTANCE") == "WAITING_ACCEPTANCE"
    ]


def or21_body(decisions: list[LineDecision]) -> dict[str, Any]:
    """The OR21 request body: every line with its verdict."""
    return {"order_lines": [{"accepted": d.accepted, "id": d.line_id} for d in decisions]}
