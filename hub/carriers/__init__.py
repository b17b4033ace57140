"""Carrier services as data: rate cards, a pure rating engine and an explainable service choice."""

from __future__ import annotations

from hub.carriers.choice import Candidate, Choice, Prefer, choose_service
from hub.carriers.loader import load_rate_card, load_rate_card_text, load_rate_cards, parse_rate_card
from hub.carriers.model import LEVELS, NodeSchedule, RateCard, Service, ServiceLevel, TransitDays, WeightBand, ZoneRates
from hub.carriers.parcel import Destination, Parcel, ShipmentRequest
from hub.carriers.rating import Charge, Quote, Rejection, RejectReason, quote
from hub.carriers.zones import ZoneRule, resolve_zone

__all__ = [
    "LEVELS",
    "Candidate",
    "Charge",
    "Choice",
    "Destination",
    "NodeSchedule",
    "Parcel",
    "Prefer",
    "Quote",
    "RateCard",
    "RejectReason",
    "Rejection",
    "Service",
    "ServiceLevel",
    "ShipmentRequest",
    "TransitDays",
    "WeightBand",
    "ZoneRates",
    "ZoneRule",
    "choose_service",
    "load_rate_card",
    "load_rate_card_text",
    "load_rate_cards",
    "parse_rate_card",
    "quote",
    "resolve_zone",
]
