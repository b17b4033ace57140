"""GET /api/v1/kpis: the tenant's KPIs per day or ISO week (hub.kpis.compute_kpis), optionally for one channel
or node."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query

from hub.api.v1.deps import VIEWER, Caller, refused
from hub.errors import HubError
from hub.jsonable import to_jsonable
from hub.kpis import compute_kpis
from hub.store.db import read_only

router = APIRouter(prefix="/kpis", tags=["kpis"])

Day = Annotated[date, Query(ge=date(2000, 1, 1), le=date(2100, 1, 1))]


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"


@router.get("", summary="KPIs from `since` to `until` (exclusive): service rate, lead time, cost, split, errors")
def kpis(
    since: Day,
    until: Day,
    who: Caller = VIEWER,
    period: Period = Period.DAY,
    channel: Annotated[str | None, Query(max_length=200)] = None,
    node: Annotated[str | None, Query(max_length=60)] = None,
) -> dict[str, Any]:
    try:
        with read_only(who.ctx.engine) as conn:
            report = compute_kpis(
                conn, who.tenant, period=period.value, since=since, until=until, channel=channel, node=node
            )
    except HubError as exc:
        raise refused(exc) from None
    return to_jsonable(report.as_dict(), normalize_decimals=True)
