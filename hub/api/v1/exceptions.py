"""Exceptions: list (state, kind, order), one, acknowledge, and resolve with an action (operator tokens)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from hub.api.security import Problem
from hub.api.v1.deps import OPERATOR, VIEWER, Caller, refused
from hub.errors import HubError, IllegalTransition
from hub.exceptions import (
    ActionUnavailable,
    ExceptionKind,
    ExceptionNotFound,
    ExceptionState,
    acknowledge,
    get_exception,
    list_exceptions,
)
from hub.exceptions.resolve import resolve_exception
from hub.store.db import read_only

router = APIRouter(prefix="/exceptions", tags=["exceptions"])


class ResolveBody(BaseModel):
    """The action to run (default: the suggested one, when it is runnable) and a note for the record."""

    model_config = ConfigDict(extra="forbid")

    action: str | None = Field(None, min_length=1, max_length=60)
    note: str | None = Field(None, max_length=2000)


@router.get("", summary="Exceptions, newest first")
def list_(
    who: Caller = VIEWER,
    state: ExceptionState | None = None,
    kind: ExceptionKind | None = None,
    order_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    with read_only(who.ctx.engine) as conn:
        records = list_exceptions(conn, who.tenant, state=state, kind=kind, order_id=order_id, limit=limit)
    return {"items": [r.as_dict() for r in records]}


@router.get("/{exception_id}", summary="One exception with its suggested action and the actions it offers")
def one(exception_id: str, who: Caller = VIEWER) -> dict[str, Any]:
    with read_only(who.ctx.engine) as conn:
        try:
            return get_exception(conn, who.tenant, exception_id).as_dict()
        except ExceptionNotFound as exc:
            raise Problem(404, exc.message) from None


@router.post("/{exception_id}/acknowledge", summary="open -> acknowledged: someone is on it")
def acknowledge_(exception_id: str, who: Caller = OPERATOR) -> dict[str, Any]:
    try:
        with who.ctx.engine.begin() as conn:
            return acknowledge(conn, who.tenant, exception_id, who.by).as_dict()
    except ExceptionNotFound as exc:
        raise Problem(404, exc.message) from None
    except IllegalTransition as exc:
        raise refused(exc, 409) from None


@router.post("/{exception_id}/resolve", summary="Run an action (default: the suggested one) and mark it resolved")
def resolve(exception_id: str, who: Caller = OPERATOR, body: ResolveBody | None = None) -> dict[str, Any]:
    body = body or ResolveBody()
    try:
        outcome = resolve_exception(who.ctx, exception_id, action=body.action, note=body.note, by=who.by)
    except ExceptionNotFound as exc:
        raise Problem(404, exc.message) from None
    except (IllegalTransition, ActionUnavailable) as exc:
        raise refused(exc, 409) from None
    except HubError as exc:
        raise refused(exc, 422) from None
    return outcome.as_dict()
