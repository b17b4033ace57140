"""GET /api/v1/stock (levels per node and SKU), /api/v1/stock/{sku} (per node and per channel), and a channel's
available-to-sell."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from hub.api.security import Problem
from hub.api.v1.deps import VIEWER, Caller
from hub.jsonable import to_jsonable
from hub.stock.channels import available_to_sell, list_channel_reservations
from hub.stock.overview import sku_overview
from hub.store import queries
from hub.store.db import read_only
from hub.store.tables import stock_levels

router = APIRouter(prefix="/stock", tags=["stock"])

Text = Annotated[str | None, Query(max_length=100)]


@router.get("", summary="Stock levels per node and SKU (on hand, reserved, safety, available)")
def levels(who: Caller = VIEWER, sku: Text = None, node: Text = None) -> dict[str, Any]:
    with read_only(who.ctx.engine) as conn:
        rows = queries.stock(conn, who.tenant, sku=sku)
    return {"items": [r for r in rows if node is None or r["node"] == node]}


@router.get("/channels/{channel}", summary="What a channel may sell of each SKU (its holds and others' deducted)")
def channel_availability(
    channel: str,
    who: Caller = VIEWER,
    sku: Annotated[list[str] | None, Query(max_length=200, description="Only these SKUs (default: all).")] = None,
) -> dict[str, Any]:
    with read_only(who.ctx.engine) as conn:
        known = {c.channel for c in who.ctx.connections(conn)} | {
            r.channel for r in list_channel_reservations(conn, who.tenant)
        }
        if channel not in known:
            raise Problem(404, f"no channel {channel!r} (no connection or stock hold names it)")
        skus = sku or list(
            conn.execute(select(stock_levels.c.sku).distinct().where(stock_levels.c.tenant == who.tenant)).scalars()
        )
        available = available_to_sell(conn, who.tenant, channel, skus)
    items = [{"sku": s, "available": v} for s, v in sorted(available.items())]
    return to_jsonable({"channel": channel, "items": items}, normalize_decimals=True)


@router.get("/{sku}", summary="One SKU at every node (with freshness and incoming) and per channel")
def one_sku(sku: str, who: Caller = VIEWER) -> dict[str, Any]:
    with read_only(who.ctx.engine) as conn:
        data = sku_overview(conn, who.ctx, sku)
    if not data["nodes"]:
        raise Problem(404, f"no stock and nothing incoming for SKU {sku!r}")
    return to_jsonable(data, normalize_decimals=True)
