"""NAD party groups of inbound EDIFACT messages (NAD with its LOC/RFF/CTA/COM) and the node a location maps to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.edifact.syntax import Segment
from hub.partners.profile import PartnerProfile

PARTY_GROUP_TAGS = frozenset({"LOC", "FII", "RFF", "DTM", "DOC", "CTA", "COM"})


@dataclass
class PartyGroup:
    """One NAD and the RFF/CTA/COM that follow it (SG2/SG11-like groups)."""

    nad: Segment
    refs: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)  # COM 3155 qualifier (TE, EM, FX) -> number

    @property
    def code(self) -> str:
        """3035 party function: BY buyer, DP delivery party, ST ship to, SU supplier, IV invoicee..."""
        return self.nad.get(1).strip()

    @property
    def id(self) -> str:
        return self.nad.get(2, 1).strip()

    @property
    def agency(self) -> str:
        """3055 code list agency of the id (9 = GS1/EAN, i.e. a GLN)."""
        return self.nad.get(2, 3).strip()

    @property
    def name(self) -> str:
        structured = " ".join(v.strip() for v in self.nad.element(4) if v.strip())
        free = " ".join(v.strip() for v in self.nad.element(3) if v.strip())
        return structured or free

    @property
    def street(self) -> list[str]:
        return [v.strip() for v in self.nad.element(5) if v.strip()]

    @property
    def city(self) -> str:
        return self.nad.get(6).strip()

    @property
    def region(self) -> str:
        return self.nad.get(7).strip()

    @property
    def postal_code(self) -> str:
        return self.nad.get(8).strip()

    @property
    def country(self) -> str:
        return self.nad.get(9).strip().upper()

    def as_dict(self) -> dict[str, Any]:
        """The party as the outbound side echoes it (NAD id, name and address)."""
        out: dict[str, Any] = {
            "id": self.id,
            "agency": self.agency,
            "name": self.name,
            "street": self.street,
            "city": self.city,
            "region": self.region,
            "postal_code": self.postal_code,
            "country": self.country,
        }
        if self.refs:
            out["refs"] = dict(self.refs)
        return {k: v for k, v in out.items() if v}


def party_groups(segments: Sequence[Segment]) -> list[PartyGroup]:
    """The NAD groups among `segments` (a header or a line group), in order."""
    groups: list[PartyGroup] = []
    current: PartyGroup | None = None
    for seg in segments:
        if seg.tag == "NAD":
            current = PartyGroup(seg)
            groups.append(current)
        elif current is not None and seg.tag in PARTY_GROUP_TAGS:
            if seg.tag == "RFF" and seg.get(1, 1).strip():
                current.refs.setdefault(seg.get(1, 1).strip(), seg.get(1, 2).strip())
            elif seg.tag == "COM" and seg.get(1, 2).strip():
                current.contacts.setdefault(seg.get(1, 2).strip().upper(), seg.get(1, 1).strip())
        else:
            current = None
    return groups


def node_for(partner: PartnerProfile, ids: Sequence[str]) -> str:
    """The hub node a message names: the first of `ids` (a LOC or NAD id, or a party name) that
    `overrides.locations` maps, else the partner's name."""
    locations = partner.overrides.get("locations") or {}
    for key in ids:
        if key and key in locations:
            return str(locations[key])
    return partner.name
