"""What a return_received exception can do with the returned units: restock them, quarantine them, or each as ruled.

Restocked units are stock movements of kind `return` at the receiving node (on-hand goes up);
quarantined units are kept out of stock: the hub records them in the exception's detail
(`quarantined`) and on the order's timeline, and on-hand does not change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from hub.exceptions.errors import ActionFailed
from hub.exceptions.return_rules import RESTOCK
from hub.exceptions.store import ExceptionRecord, update_detail
from hub.model.money import decimal_str
from hub.stock.movements import record_movement

if TYPE_CHECKING:
    from hub.context import HubContext

MOVEMENT_KIND = "return"


def returned_lines(record: ExceptionRecord) -> tuple[str, list[Mapping[str, Any]]]:
    """The node and the lines (`sku`, `quantity`, `decision`) a return exception carries."""
    node = record.detail.get("node")
    lines = record.detail.get("lines")
    if not node or not isinstance(lines, list) or not lines:
        raise ActionFailed(f"exception {record.id} does not say which units came back where (node and lines)")
    return str(node), lines


def _units(lines: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {str(line["sku"]): decimal_str(Decimal(str(line["quantity"]))) for line in lines}


def _phrase(units: Mapping[str, str]) -> str:
    return ", ".join(f"{qty} x {sku}" for sku, qty in units.items())


def _restock(conn: Connection, tenant: str, record: ExceptionRecord, node: str, lines: list[Mapping[str, Any]]) -> str:
    units = _units(lines)
    for sku, qty in units.items():
        record_movement(conn, tenant, node, sku, Decimal(qty), MOVEMENT_KIND, reference=f"exception:{record.id}")
    update_detail(conn, tenant, record.id, {"restocked": {"node": node, "lines": units}})
    return f"restocked {_phrase(units)} at {node}"


def _quarantine(
    conn: Connection, tenant: str, record: ExceptionRecord, node: str, lines: list[Mapping[str, Any]]
) -> str:
    units = _units(lines)
    update_detail(conn, tenant, record.id, {"quarantined": {"node": node, "lines": units}})
    return f"quarantined {_phrase(units)} at {node} (kept out of stock; on-hand unchanged)"


def restock(conn: Connection, ctx: HubContext, record: ExceptionRecord) -> str:
    """Every returned unit goes back into stock at the node."""
    node, lines = returned_lines(record)
    return _restock(conn, ctx.tenant, record, node, lines)


def quarantine(conn: Connection, ctx: HubContext, record: ExceptionRecord) -> str:
    """Every returned unit is set aside; stock does not change."""
    node, lines = returned_lines(record)
    return _quarantine(conn, ctx.tenant, record, node, lines)


def restock_and_quarantine(conn: Connection, ctx: HubContext, record: ExceptionRecord) -> str:
    """Each line as its return rule decided: restock the sellable ones, quarantine the others."""
    node, lines = returned_lines(record)
    back = [line for line in lines if line.get("decision") == RESTOCK]
    aside = [line for line in lines if line.get("decision") != RESTOCK]
    done = []
    if back:
        done.append(_restock(conn, ctx.tenant, record, node, back))
    if aside:
        done.append(_quarantine(conn, ctx.tenant, record, node, aside))
    return "; ".join(done)
