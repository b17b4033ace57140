"""Shipments: lines shipped, parcels, and carrier tracking."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hub.model.ids import DEFAULT_TENANT
from hub.model.money import ExactDecimal


class Tracking(BaseModel):
    model_config = ConfigDict(frozen=True)

    carrier: str
    number: str
    service: str | None = None
    url: str | None = None


class Parcel(BaseModel):
    model_config = ConfigDict(frozen=True)

    parcel_id: str | None = None
    weight_kg: ExactDecimal | None = None
    tracking: Tracking | None = None


class ShipmentLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_no: int = Field(ge=1)
    sku: str
    quantity: ExactDecimal = Field(gt=0)
    parcel_id: str | None = None


class Shipment(BaseModel):
    """Goods that left a node for one order."""

    model_config = ConfigDict(frozen=True)
    doc_type: ClassVar[str] = "shipment"

    tenant: str = DEFAULT_TENANT
    source: str
    external_id: str
    revision: int = 1
    order_external_id: str
    node: str | None = None
    shipped_at: AwareDatetime
    lines: list[ShipmentLine] = Field(min_length=1)
    parcels: list[Parcel] = Field(default_factory=list)
