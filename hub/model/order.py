"""Orders, their lines, and the order status state machine."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.errors import IllegalTransition
from hub.model.ids import DEFAULT_TENANT, DocumentRef
from hub.model.money import ExactDecimal, Money, currency_code
from hub.model.party import Address, Party
from hub.model.quantity import DEFAULT_UOM, Quantity


class OrderStatus(StrEnum):
    RECEIVED = "received"
    ON_HOLD = "on_hold"
    BACKORDERED = "backordered"
    ALLOCATED = "allocated"
    RELEASED = "released"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    RETURNED = "returned"


_S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.RECEIVED: frozenset({_S.ON_HOLD, _S.ALLOCATED, _S.BACKORDERED, _S.CANCELLED}),
    _S.ON_HOLD: frozenset({_S.RECEIVED, _S.ALLOCATED, _S.BACKORDERED, _S.CANCELLED}),
    _S.BACKORDERED: frozenset({_S.RECEIVED, _S.ON_HOLD, _S.ALLOCATED, _S.CANCELLED}),
    _S.ALLOCATED: frozenset({_S.RECEIVED, _S.ON_HOLD, _S.BACKORDERED, _S.RELEASED, _S.CANCELLED}),
    _S.RELEASED: frozenset({_S.ALLOCATED, _S.BACKORDERED, _S.ON_HOLD, _S.PARTIALLY_SHIPPED, _S.SHIPPED, _S.CANCELLED}),
    _S.PARTIALLY_SHIPPED: frozenset({_S.SHIPPED, _S.CANCELLED, _S.RETURNED}),
    _S.SHIPPED: frozenset({_S.RETURNED}),
    _S.CANCELLED: frozenset(),
    _S.RETURNED: frozenset(),
}
"""Allowed moves. Cancelled and returned are final."""

AMENDABLE: frozenset[OrderStatus] = frozenset({_S.RECEIVED, _S.ON_HOLD, _S.BACKORDERED})
"""States in which a newer revision of an order may still replace its lines."""


def check_transition(current: OrderStatus, target: OrderStatus) -> None:
    """Raise IllegalTransition unless `current -> target` is an allowed move."""
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (final state)"
        raise IllegalTransition(f"order cannot go from {current} to {target}; allowed: {allowed}")


class OrderLine(BaseModel):
    """One line of an order: a SKU, how many, at what unit price (in the order's currency)."""

    model_config = ConfigDict(frozen=True)

    line_no: int = Field(ge=1)
    sku: str = Field(min_length=1)
    quantity: ExactDecimal = Field(gt=0)
    uom: str = DEFAULT_UOM
    unit_price: ExactDecimal = Field(ge=0)
    description: str | None = None

    @property
    def qty(self) -> Quantity:
        return Quantity(value=self.quantity, uom=self.uom)


class Order(BaseModel):
    """A customer order as the hub keeps it, whatever channel it came from."""

    model_config = ConfigDict(frozen=True)
    doc_type: ClassVar[str] = "order"

    id: str | None = None
    tenant: str = DEFAULT_TENANT
    source: str = Field(min_length=1)
    external_id: str = Field(min_length=1)
    revision: int = Field(default=1, ge=0)
    status: OrderStatus = OrderStatus.RECEIVED
    currency: str
    placed_at: AwareDatetime | None = None
    ship_to: Address
    customer: Party | None = None
    lines: list[OrderLine] = Field(min_length=1)
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return currency_code(value)

    @model_validator(mode="after")
    def _unique_line_numbers(self) -> Order:
        seen: set[int] = set()
        for line in self.lines:
            if line.line_no in seen:
                raise ValueError(f"line_no {line.line_no} appears twice")
            seen.add(line.line_no)
        return self

    @property
    def ref(self) -> DocumentRef:
        return DocumentRef(tenant=self.tenant, source=self.source, external_id=self.external_id, revision=self.revision)

    @property
    def total(self) -> Money:
        amount = sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))
        return Money(amount=amount, currency=self.currency)

    def with_status(self, target: OrderStatus) -> Order:
        check_transition(self.status, target)
        return self.model_copy(update={"status": target})

    def public_dict(self) -> dict[str, Any]:
        """The JSON shape the CLI and API print."""
        return self.model_dump(mode="json", exclude={"tenant"})
