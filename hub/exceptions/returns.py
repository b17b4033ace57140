"""Recording a return: check it against the order, decide restock or quarantine per line by rule, raise the exception.

A return is idempotent on its `reference` (the RMA): recording the same reference for the same
order again returns the exception already raised. Without a reference each call is a new return.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, select

from hub.allocation.profiles import ProductInfo, load_products
from hub.context import HubContext
from hub.exceptions.errors import InvalidReturn, did_you_mean
from hub.exceptions.kinds import ExceptionKind
from hub.exceptions.resolve import resolve_in
from hub.exceptions.return_rules import DEFAULT_RETURN_RULES, QUARANTINE, RESTOCK, ReturnDecision, ReturnRules
from hub.exceptions.store import ExceptionRecord, get_exception, list_exceptions, raise_exception
from hub.model.ids import new_id, utcnow
from hub.model.money import decimal_str
from hub.store.tables import exceptions, nodes, order_lines, orders

__all__ = ["DEFAULT_RETURN_RULES", "MIXED", "ReturnRules", "product_vars", "record_return"]

MIXED = "restock_and_quarantine"


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "yes", "1"}


def product_vars(info: ProductInfo | None) -> dict[str, Any]:
    """`line.product` for the rules: flags from the product's attributes, null when the SKU is unknown."""
    if info is None:
        return {"hazmat": None, "fragile": None, "oversize": None, "weight_kg": None}
    attrs = info.attributes
    return {
        "hazmat": _flag(attrs.get("hazmat")),
        "fragile": _flag(attrs.get("fragile")),
        "oversize": _flag(attrs.get("oversize")),
        "weight_kg": info.weight_kg,
    }


def _order(conn: Connection, tenant: str, order_id: str) -> Any:
    """The order row, locked on PostgreSQL so two returns of one order are checked one after the other."""
    stmt = select(orders).where(orders.c.tenant == tenant, orders.c.id == order_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    if row is None:
        raise InvalidReturn(f"no order {order_id!r} to record a return for")
    return row


def _check_node(conn: Connection, tenant: str, node: str) -> None:
    known = list(conn.execute(select(nodes.c.code).where(nodes.c.tenant == tenant)).scalars())
    if node not in known:
        raise InvalidReturn(f"no node {node!r}{did_you_mean(node, known)}; nodes: {', '.join(sorted(known)) or 'none'}")


def _quantities(lines: Mapping[str, Decimal]) -> dict[str, Decimal]:
    if not lines:
        raise InvalidReturn("a return needs at least one line (SKU and quantity)")
    checked: dict[str, Decimal] = {}
    for sku, raw in lines.items():
        try:
            qty = Decimal(str(raw))
        except InvalidOperation:
            raise InvalidReturn(f"quantity of {sku} must be a number, not {raw!r}") from None
        if not qty.is_finite() or qty <= 0:
            raise InvalidReturn(f"quantity of {sku} must be above zero, not {raw}")
        checked[sku] = qty
    return checked


def _returned_before(conn: Connection, tenant: str, order_id: str) -> dict[str, Decimal]:
    """Units of each SKU already recorded as returned for the order (every earlier return, whatever its fate)."""
    total: dict[str, Decimal] = {}
    for record in list_exceptions(conn, tenant, kind=ExceptionKind.RETURN_RECEIVED, order_id=order_id, limit=10_000):
        for line in record.detail.get("lines", []):
            total[line["sku"]] = total.get(line["sku"], Decimal(0)) + Decimal(str(line["quantity"]))
    return total


def _check_against_order(conn: Connection, tenant: str, order_id: str, wanted: Mapping[str, Decimal]) -> None:
    ordered: dict[str, Decimal] = {}
    for r in conn.execute(select(order_lines.c.sku, order_lines.c.quantity).where(order_lines.c.order_id == order_id)):
        ordered[r.sku] = ordered.get(r.sku, Decimal(0)) + Decimal(r.quantity)
    before = _returned_before(conn, tenant, order_id)
    for sku, qty in wanted.items():
        if sku not in ordered:
            raise InvalidReturn(
                f"{sku} is not on order {order_id}{did_you_mean(sku, ordered)}; its SKUs: {', '.join(sorted(ordered))}"
            )
        earlier = before.get(sku, Decimal(0))
        if earlier + qty > ordered[sku]:
            raise InvalidReturn(
                f"order {order_id} has {decimal_str(ordered[sku])} x {sku}, {decimal_str(earlier)} already returned: "
                f"{decimal_str(qty)} more is too many"
            )


def _days_since(row: Any) -> int:
    placed = row.placed_at or row.created_at
    return max((utcnow().date() - placed.date()).days, 0)


def _suggestion(decisions: list[ReturnDecision]) -> str:
    actions = {d.action for d in decisions}
    if actions == {RESTOCK}:
        return RESTOCK
    if actions == {QUARANTINE}:
        return QUARANTINE
    return MIXED


def _existing(conn: Connection, tenant: str, key: str) -> ExceptionRecord | None:
    t = exceptions.c
    found = conn.execute(select(t.id).where(t.tenant == tenant, t.dedup_key == key)).scalar_one_or_none()
    return None if found is None else get_exception(conn, tenant, found)


def record_return(
    ctx: HubContext,
    order_id: str,
    *,
    node: str,
    lines: Mapping[str, Decimal],
    condition: str = "sellable",
    reason: str | None = None,
    reference: str | None = None,
    auto: bool = False,
    rules: ReturnRules = DEFAULT_RETURN_RULES,
    by: str = "returns",
) -> ExceptionRecord:
    """Record units of an order that came back to `node`; returns the return_received exception.

    Each line is decided (restock or quarantine) by `rules`, first match wins; the exception
    suggests the decision (`restock_and_quarantine` when the lines differ) and keeps, per line,
    the rule's name and its rendered explanation. With `auto` the decision is applied and the
    exception resolved in the same transaction. Raises InvalidReturn for an unknown order or
    node, a SKU not on the order, or more units than were ordered (counting earlier returns).
    """
    condition = condition.strip().lower()
    if not condition:
        raise InvalidReturn("the condition of the returned units must not be empty")
    wanted = _quantities(lines)
    key = f"{ExceptionKind.RETURN_RECEIVED}:{order_id}:{reference or new_id('ret')}"
    with ctx.engine.begin() as conn:
        already = _existing(conn, ctx.tenant, key) if reference else None
        if already is not None:
            return already
        order = _order(conn, ctx.tenant, order_id)
        _check_node(conn, ctx.tenant, node)
        _check_against_order(conn, ctx.tenant, order_id, wanted)
        products = load_products(conn, ctx.tenant, wanted)
        about = {
            "condition": condition,
            "reason": reason,
            "node": node,
            "channel": order.source,
            "days_since_order": _days_since(order),
            "reference": reference,
        }
        decisions = [
            rules.decide(
                {"return": about, "line": {"sku": sku, "quantity": qty, "product": product_vars(products.get(sku))}}
            )
            for sku, qty in wanted.items()
        ]
        suggested = _suggestion(decisions)
        units = ", ".join(f"{decimal_str(q)} x {s}" for s, q in wanted.items())
        detail = {
            "reference": reference,
            "node": node,
            "condition": condition,
            "reason": reason,
            "days_since_order": about["days_since_order"],
            "lines": [
                {
                    "sku": sku,
                    "quantity": decimal_str(qty),
                    "decision": d.action,
                    "rule": d.rule,
                    "explanation": d.explanation,
                }
                for (sku, qty), d in zip(wanted.items(), decisions, strict=True)
            ],
        }
        record = raise_exception(
            conn,
            ctx.tenant,
            ExceptionKind.RETURN_RECEIVED,
            summary=f"return of {units} at {node} ({condition}): {suggested.replace('_', ' ')}",
            order_id=order_id,
            detail=detail,
            suggested_action=suggested,
            dedup_key=key,
        )
        if auto:
            return resolve_in(conn, ctx, record.id, by=by, note="applied at once as the return rules decided").record
        return record
