"""One promise request end to end, as the CLI and the HTTP API ask it: validate, answer, save."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hub.allocation.allocator import Allocator
from hub.context import HubContext
from hub.model.ids import utcnow
from hub.promise.answer import PromiseAnswer
from hub.promise.engine import promise_for
from hub.promise.store import save_promise
from hub.rules.resources import network_data
from hub.store.db import read_only


class PromiseTo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: str = Field(min_length=2, max_length=2)
    postal_code: str | None = None


class PromiseRequest(BaseModel):
    """The body of `POST /promise` (and what `hub promise` builds from its arguments)."""

    model_config = ConfigDict(extra="forbid")

    to: PromiseTo
    items: dict[str, Decimal] = Field(min_length=1)
    channel: str | None = None
    service_level: str | None = None
    at: AwareDatetime | None = None


def answer_request(ctx: HubContext, request: PromiseRequest, *, save: bool = True) -> PromiseAnswer:
    """Answer with the hub's active rules, rate cards and calendars; stored as an open promise when `save`."""
    network = network_data(ctx.environ, ctx.home)
    allocator = Allocator(distance=network.distance, rater=network.rater)
    at: datetime = request.at or utcnow()
    kwargs: dict[str, Any] = {
        "country": request.to.country,
        "postal_code": request.to.postal_code,
        "items": request.items,
        "channel": request.channel,
        "service_level": request.service_level,
        "at": at,
        "calendars": network.calendars,
    }
    if not save:
        with read_only(ctx.engine) as conn:
            return promise_for(conn, ctx.tenant, allocator, **kwargs)
    with ctx.engine.begin() as conn:
        answer = promise_for(conn, ctx.tenant, allocator, **kwargs)
        save_promise(conn, ctx.tenant, answer)
    return answer
