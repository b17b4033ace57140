"""Plain values inbound EDI mappings share: per-partner overrides, control numbers and line numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.partners.profile import PartnerProfile


def override(partner: PartnerProfile, document_type: str, key: str, default: Any = None) -> Any:
    """A per-partner mapping setting: `overrides[document_type][key]`, else `overrides[key]`, else `default`
    (`document_type`: an X12 set id such as 850, an EDIFACT message type such as ORDERS)."""
    scoped = partner.overrides.get(document_type)
    if isinstance(scoped, dict) and key in scoped:
        return scoped[key]
    return partner.overrides.get(key, default)


def control_value(text: str) -> str:
    """A control number as the hub stores it: without leading zeros when numeric ("000000101" -> "101")."""
    text = text.strip()
    return str(int(text)) if text.isdecimal() else text


def line_numbers(assigned: Sequence[str], *, unique: bool = True) -> list[int]:
    """Line numbers for the ids a partner gave its lines: the ids themselves when all are positive integers
    (and distinct, when `unique`: a shipment may ship one order line in several parcels), else 1..n."""
    numbers: list[int] = []
    for raw in assigned:
        text = raw.strip()
        if not text.isdecimal() or int(text) < 1:
            return list(range(1, len(assigned) + 1))
        numbers.append(int(text))
    if unique and len(set(numbers)) != len(numbers):
        return list(range(1, len(assigned) + 1))
    return numbers
