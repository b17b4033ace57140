"""Stock per node and SKU: levels (snapshots) and movements (deltas)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hub.model.ids import DEFAULT_TENANT
from hub.model.money import ExactDecimal


class StockLevel(BaseModel):
    """What one node holds of one SKU. available = on_hand - reserved - safety."""

    model_config = ConfigDict(frozen=True)
    doc_type: ClassVar[str] = "stock_level"

    tenant: str = DEFAULT_TENANT
    node: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    on_hand: ExactDecimal = Field(ge=0)
    reserved: ExactDecimal = Field(default=Decimal(0), ge=0)
    in_transit: ExactDecimal = Field(default=Decimal(0), ge=0)
    safety: ExactDecimal = Field(default=Decimal(0), ge=0)
    as_of: AwareDatetime | None = None

    @property
    def available(self):  # type: ignore[no-untyped-def]
        return max(self.on_hand - self.reserved - self.safety, 0)


class StockMovementKind(StrEnum):
    RECEIPT = "receipt"
    ADJUSTMENT = "adjustment"
    SHIPMENT = "shipment"
    RETURN = "return"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"


class StockMovement(BaseModel):
    """A change of on-hand stock at a node (positive in, negative out)."""

    model_config = ConfigDict(frozen=True)
    doc_type: ClassVar[str] = "stock_movement"

    tenant: str = DEFAULT_TENANT
    node: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    delta: ExactDecimal
    kind: StockMovementKind
    reference: str | None = None
    at: AwareDatetime
