"""Smaller documents: cancellations, returns, and acknowledgments of interchanges."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hub.model.ids import DEFAULT_TENANT
from hub.model.money import ExactDecimal


class Cancellation(BaseModel):
    """A request to cancel an order, whole (no lines) or some lines."""

    model_config = ConfigDict(frozen=True)
    doc_type: ClassVar[str] = "cancellation"

    tenant: str = DEFAULT_TENANT
    source: str
    external_id: str
    revision: int = 1
    order_external_id: str
    reason: str | None = None
    line_nos: list[int] = Field(default_factory=list)
    requested_at: AwareDatetime


class ReturnLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_no: int = Field(ge=1)
    sku: str
    quantity: ExactDecimal = Field(gt=0)
    reason: str | None = None


class Return(BaseModel):
    """Goods coming back from a customer."""

    model_config = ConfigDict(frozen=True)
    doc_type: ClassVar[str] = "return"

    tenant: str = DEFAULT_TENANT
    source: str
    external_id: str
    revision: int = 1
    order_external_id: str
    lines: list[ReturnLine] = Field(min_length=1)
    received_at: AwareDatetime | None = None


class AckStatus(StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_WITH_ERRORS = "accepted_with_errors"
    REJECTED = "rejected"


class Acknowledgment(BaseModel):
    """The hub's answer to an interchange (X12 997/TA1, EDIFACT CONTRL)."""

    model_config = ConfigDict(frozen=True)
    doc_type: ClassVar[str] = "acknowledgment"

    tenant: str = DEFAULT_TENANT
    source: str
    acknowledged_id: str
    status: AckStatus
    code: str | None = None
    errors: list[str] = Field(default_factory=list)
    created_at: AwareDatetime
