"""The canonical model: the one shape every channel, EDI partner and warehouse maps to."""

from hub.model.documents import (
    Acknowledgment,
    AckStatus,
    Cancellation,
    LineChange,
    OrderChange,
    ReceivedAck,
    Return,
    ReturnLine,
)
from hub.model.ids import DocumentRef, new_id
from hub.model.money import Money
from hub.model.order import Order, OrderLine, OrderStatus
from hub.model.party import Address, Party
from hub.model.quantity import Quantity
from hub.model.shipment import Parcel, Shipment, ShipmentLine, Tracking
from hub.model.stock import StockLevel, StockMovement, StockMovementKind

__all__ = [
    "AckStatus",
    "Acknowledgment",
    "Address",
    "Cancellation",
    "DocumentRef",
    "LineChange",
    "Money",
    "Order",
    "OrderChange",
    "OrderLine",
    "OrderStatus",
    "Parcel",
    "Party",
    "Quantity",
    "ReceivedAck",
    "Return",
    "ReturnLine",
    "Shipment",
    "ShipmentLine",
    "StockLevel",
    "StockMovement",
    "StockMovementKind",
    "Tracking",
    "new_id",
]
