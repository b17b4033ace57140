"""N1 party loops of inbound X12 sets (name, address lines, N4, PER, REF) and the node a location maps to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.x12.syntax import Segment
from hub.partners.profile import PartnerProfile

PARTY_LOOP_TAGS = frozenset({"N2", "N3", "N4", "NX2", "REF", "PER", "SI", "FOB", "TD1", "TD3", "TD4", "TD5", "PKG"})


@dataclass
class PartyLoop:
    """One N1 loop: the N1 and the N2/N3/N4/PER/REF that follow it."""

    n1: Segment
    names: list[str] = field(default_factory=list)
    street: list[str] = field(default_factory=list)
    n4: Segment | None = None
    per: Segment | None = None
    refs: dict[str, str] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.n1.get(1).strip()

    @property
    def name(self) -> str:
        return self.n1.get(2).strip()

    @property
    def id_qualifier(self) -> str:
        return self.n1.get(3).strip()

    @property
    def id(self) -> str:
        return self.n1.get(4).strip()

    def contact(self, qualifier: str) -> str | None:
        """A PER communication number by its qualifier (TE phone, EM email, FX fax)."""
        if self.per is None:
            return None
        for index in (3, 5, 7):
            if self.per.get(index).strip() == qualifier:
                return self.per.get(index + 1).strip() or None
        return None

    def as_dict(self) -> dict[str, Any]:
        """The party as the outbound side echoes it (N1 name and id, address lines)."""
        out: dict[str, Any] = {"name": self.name, "qualifier": self.id_qualifier, "id": self.id}
        if self.street:
            out["street"] = list(self.street)
        if self.n4 is not None:
            out["city"], out["region"], out["postal_code"], out["country"] = (
                self.n4.get(1).strip(),
                self.n4.get(2).strip(),
                self.n4.get(3).strip(),
                self.n4.get(4).strip(),
            )
        return {k: v for k, v in out.items() if v}


def party_loops(segments: Sequence[Segment]) -> list[PartyLoop]:
    """The N1 loops among `segments` (a header or a detail loop), in order."""
    loops: list[PartyLoop] = []
    current: PartyLoop | None = None
    for seg in segments:
        if seg.tag == "N1":
            current = PartyLoop(seg)
            loops.append(current)
        elif current is not None and seg.tag in PARTY_LOOP_TAGS:
            if seg.tag == "N2":
                current.names += [v.strip() for v in seg.elements[:2] if v.strip()]
            elif seg.tag == "N3":
                current.street += [v.strip() for v in seg.elements[:2] if v.strip()]
            elif seg.tag == "N4" and current.n4 is None:
                current.n4 = seg
            elif seg.tag == "PER" and current.per is None:
                current.per = seg
            elif seg.tag == "REF" and seg.get(1):
                current.refs.setdefault(seg.get(1).strip(), seg.get(2).strip())
        else:
            current = None
    return loops


def node_for(partner: PartnerProfile, loops: Sequence[PartyLoop], codes: Sequence[str]) -> str:
    """The hub node a document names: the first N1 of `codes` whose id (or name) `overrides.locations` maps,
    else the partner's name."""
    locations = partner.overrides.get("locations") or {}
    for code in codes:
        for loop in loops:
            if loop.code == code:
                for key in (loop.id, loop.name):
                    if key and key in locations:
                        return str(locations[key])
    return partner.name
