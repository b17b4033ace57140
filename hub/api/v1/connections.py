"""Connections: their status (enabled, schedule, last poll, errors, cursor); admins stop and restart them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from hub.api.security import Problem
from hub.api.v1.deps import ADMIN, VIEWER, Caller
from hub.scheduler.cursors import load_cursor
from hub.scheduler.status import connection_row, load_statuses
from hub.store.connections import get_connection, set_enabled
from hub.store.db import read_only

router = APIRouter(prefix="/connections", tags=["connections"])


class DisableBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("stopped by an operator through the API", min_length=1, max_length=500)


def _rows(who: Caller, name: str | None = None) -> list[dict[str, Any]]:
    with read_only(who.ctx.engine) as conn:
        records = who.ctx.connections(conn)
        if name is not None:
            records = [r for r in records if r.name == name]
        statuses = load_statuses(conn, who.tenant)
        cursors = {r.name: load_cursor(conn, who.tenant, r.name) for r in records}
    return [connection_row(who.ctx, r, statuses.get(r.name), cursors.get(r.name)) for r in records]


@router.get("", summary="Connections with their polling status and cursor")
def list_(who: Caller = VIEWER) -> dict[str, Any]:
    return {"items": _rows(who)}


@router.get("/{name}", summary="One connection with its polling status and cursor")
def one(name: str, who: Caller = VIEWER) -> dict[str, Any]:
    rows = _rows(who, name)
    if not rows:
        raise Problem(404, f"no connection {name!r}")
    return rows[0]


def _switch(who: Caller, name: str, enabled: bool, reason: str | None) -> dict[str, Any]:
    with who.ctx.engine.begin() as conn:
        if get_connection(conn, who.tenant, name, missing_ok=True) is None:
            raise Problem(404, f"no connection {name!r}")
        set_enabled(conn, who.tenant, name, enabled, reason)
    who.ctx.forget(name)
    return _rows(who, name)[0]


@router.post("/{name}/disable", summary="Stop a connection (nothing is polled from or sent to it)")
def disable(name: str, who: Caller = ADMIN, body: DisableBody | None = None) -> dict[str, Any]:
    return _switch(who, name, False, (body or DisableBody()).reason)


@router.post("/{name}/enable", summary="Restart a stopped connection")
def enable(name: str, who: Caller = ADMIN) -> dict[str, Any]:
    return _switch(who, name, True, None)
