"""Smaller documents: cancellations, order changes, returns, and acknowledgments of interchanges."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Literal

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


class LineChange(BaseModel):
    """One line of an order change: add a line, set a line's quantity (and price), or delete it."""

    model_config = ConfigDict(frozen=True)

    action: Literal["add", "change", "delete"]
    line_no: int = Field(ge=1)
    sku: str | None = None  # required for add; for change/delete, checked against the stored line when given
    quantity: ExactDecimal | None = Field(default=None, gt=0)  # the new ordered quantity (add, change)
    unit_price: ExactDecimal | None = Field(default=None, ge=0)
    uom: str | None = None
    description: str | None = None


class OrderChange(BaseModel):
    """A partner's change to an order it sent earlier (X12 860, EDIFACT ORDCHG).

    `external_id` identifies the change itself (dedup: the same change resent creates
    nothing); `order_external_id` names the order it changes. The hub applies the line
    changes to the stored order as a new revision; `cancel=True` cancels the whole order.
    """

    model_config = ConfigDict(frozen=True)
    doc_type: ClassVar[str] = "order_change"

    tenant: str = DEFAULT_TENANT
    source: str
    external_id: str
    order_external_id: str
    cancel: bool = False
    reason: str | None = None
    changes: list[LineChange] = Field(default_factory=list)
    attributes: dict[str, Any] = Field(default_factory=dict)
    requested_at: AwareDatetime | None = None


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
    """The hub's answer to an interchange (X12 997/999/TA1, EDIFACT CONTRL).

    `kind` names the document (997, 999, TA1, CONTRL); `partner` the trading partner it
    goes to (the scope of its control numbers); `content` is the adapter's own JSON form
    of the acknowledgment without envelope control numbers, which its ack sink renders
    once the hub has drawn them.
    """

    model_config = ConfigDict(frozen=True)
    doc_type: ClassVar[str] = "acknowledgment"

    tenant: str = DEFAULT_TENANT
    source: str
    acknowledged_id: str
    status: AckStatus
    code: str | None = None
    errors: list[str] = Field(default_factory=list)
    created_at: AwareDatetime
    kind: str | None = None
    partner: str | None = None
    content: dict[str, Any] = Field(default_factory=dict)


class ReceivedAck(BaseModel):
    """A partner's acknowledgment of something the hub sent (X12 997/999/TA1, EDIFACT CONTRL/APERAK).

    It names the envelope it answers by its control-number counter (`interchange`,
    `group`, `message`) and value, scoped by `partner`; the hub reconciles it against
    the envelopes it sent.
    """

    model_config = ConfigDict(frozen=True)
    doc_type: ClassVar[str] = "received_ack"

    tenant: str = DEFAULT_TENANT
    source: str
    external_id: str  # the ack's own identity (its interchange and set control numbers)
    partner: str
    kind: str  # 997 | 999 | TA1 | CONTRL | APERAK
    counter: str  # interchange | group | message | document (a business reference: order, invoice...)
    control_number: str
    status: AckStatus
    errors: list[str] = Field(default_factory=list)
    received_at: AwareDatetime | None = None
