"""API tokens of the caller's tenant (admin tokens): list, create (the token is in the answer, once), revoke."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from hub.api.security import Problem
from hub.api.v1.deps import ADMIN, Caller
from hub.auth import Role, TokenRecord, create_token, list_tokens, revoke_token, token_id_of
from hub.jsonable import to_jsonable
from hub.store.db import read_only

router = APIRouter(prefix="/tokens", tags=["tokens"])


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    name: str = Field(min_length=1, max_length=100, pattern=r"\S")


def _row(record: TokenRecord) -> dict[str, Any]:
    return to_jsonable(
        {
            "id": record.id,
            "tenant": record.tenant,
            "role": record.role.value,
            "name": record.name,
            "created_at": record.created_at,
            "last_used_at": record.last_used_at,
            "revoked_at": record.revoked_at,
            "active": record.active,
        }
    )


@router.get("", summary="The tenant's tokens (never their secret)")
def list_(who: Caller = ADMIN) -> dict[str, Any]:
    with read_only(who.ctx.engine) as conn:
        return {"items": [_row(t) for t in list_tokens(conn, who.tenant)]}


@router.post("", status_code=201, summary="Create a token for this tenant; the answer holds it, shown this once")
def create(body: NewToken, who: Caller = ADMIN) -> dict[str, Any]:
    token = create_token(who.ctx.engine, who.tenant, body.role, body.name)
    token_id = token_id_of(token)
    with read_only(who.ctx.engine) as conn:
        record = next(t for t in list_tokens(conn, who.tenant) if t.id == token_id)
    return _row(record) | {"token": token}


@router.delete("/{token_id}", summary="Revoke a token of this tenant")
def revoke(token_id: str, who: Caller = ADMIN) -> dict[str, Any]:
    with read_only(who.ctx.engine) as conn:
        mine = next((t for t in list_tokens(conn, who.tenant) if t.id == token_id), None)
    if mine is None:
        raise Problem(404, f"no token {token_id!r}")
    if not revoke_token(who.ctx.engine, token_id):
        raise Problem(409, f"token {token_id} is revoked already")
    with read_only(who.ctx.engine) as conn:
        record = next(t for t in list_tokens(conn, who.tenant) if t.id == token_id)
    return _row(record)
