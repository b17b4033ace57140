"""POST /api/v1/promise: the same answer as `hub promise` (can the basket ship there, from where, by when)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from hub.api.security import Problem
from hub.api.v1.deps import VIEWER, Caller, refused
from hub.errors import HubError
from hub.jsonable import to_jsonable
from hub.promise import PromiseRequest, answer_request

router = APIRouter(tags=["promise"])

Quantity = Annotated[float, Field(strict=True, gt=0, le=1_000_000, allow_inf_nan=False)]
"""A JSON number (read as the decimal it is written as, not as a binary fraction)."""


class Destination(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: str = Field(min_length=2, max_length=2, pattern="^[A-Za-z]{2}$")
    postal_code: str | None = Field(None, max_length=20)


class PromiseBody(BaseModel):
    """A basket and where it goes; `at` is when the customer asks (default now)."""

    model_config = ConfigDict(extra="forbid")

    to: Destination
    items: dict[Annotated[str, Field(min_length=1, max_length=100)], Quantity] = Field(min_length=1, max_length=200)
    channel: str | None = Field(None, max_length=200)
    service_level: str | None = Field(None, max_length=40)
    at: AwareDatetime | None = None

    @field_validator("at")
    @classmethod
    def _sane(cls, value: datetime | None) -> datetime | None:
        if value is not None and not datetime(2000, 1, 1, tzinfo=UTC) <= value <= datetime(2100, 1, 1, tzinfo=UTC):
            raise ValueError("must be between 2000 and 2100")
        return value


def _decimal(quantity: float) -> Decimal:
    """The decimal as written: 2 -> 2, 0.1 -> 0.1 (repr is the shortest form that reads back the same)."""
    return Decimal(int(quantity)) if quantity.is_integer() else Decimal(repr(quantity))


@router.post("/promise", summary="Promise a delivery date for a basket (the answer of `hub promise --json`)")
def promise(
    body: PromiseBody,
    who: Caller = VIEWER,
    save: Annotated[bool, Query(description="Record the answer as an open promise (needs an operator token).")] = False,
) -> dict[str, Any]:
    if save and not who.principal.role.allows("operator"):
        raise Problem(403, "saving a promise needs an operator token; ask with save=false to only read")
    data = body.model_dump()
    data["items"] = {sku: _decimal(quantity) for sku, quantity in body.items.items()}
    request = PromiseRequest.model_validate(data)
    try:
        answer = answer_request(who.ctx, request, save=save)
    except HubError as exc:
        raise refused(exc) from None
    return to_jsonable(answer.as_dict(), normalize_decimals=True)
