"""Node-to-destination distances: great-circle km between centroids, or zones from a table, cached for hot loops."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from hub.allocation.profiles import NodeProfile
from hub.geo.centroids import Centroids, Located, packaged_centroids
from hub.geo.postcodes import UK_STYLE, uk_outward
from hub.geo.zones import ZoneTable
from hub.model.money import decimal_str

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
UNZONED = 1_000_000
"""The zone rank of a destination the zone table has no rule for: after every zone."""
_TENTH = Decimal("0.1")
_NO_KM = Decimal("Infinity")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat = p2 - p1
    dlon = math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class Distance:
    """How far a destination is from a node, and how that was worked out.

    `km` is the straight line between the node and the destination's centroid, rounded to 0.1 km (None
    only when a zone table answered and one end has no coordinates). `zone` comes from the zone table.
    `rank` is what "nearest" sorts by: zone 1, 2, ... first, then destinations the table does not cover
    (`UNZONED`), and by km within each.
    """

    km: Decimal | None
    how: str
    zone: int | None = None
    rank: tuple[int, Decimal] = field(init=False)

    def __post_init__(self) -> None:
        zone = UNZONED if self.zone is None else self.zone
        object.__setattr__(self, "rank", (zone, _NO_KM if self.km is None else self.km))


@dataclass(frozen=True, slots=True)
class _Origin:
    lat: float
    lon: float
    label: str


class DistanceModel:
    """Distances from nodes to ship-to addresses, from centroids and (optionally) a zone table.

    Answers are cached per (node code, country, normalised prefix): build one model per allocation run,
    since a node's location is read once per node code.
    """

    def __init__(self, centroids: Centroids | None = None, zones: ZoneTable | None = None) -> None:
        self.centroids = centroids if centroids is not None else packaged_centroids()
        self.zones = zones
        self._cache: dict[tuple[str, str, str], Distance | None] = {}
        self._origins: dict[str, _Origin | None] = {}
        self._key_length: dict[str, int] = {}

    def distance_km(self, node: NodeProfile, country: str, postal_code: str | None) -> Distance | None:
        """The distance from `node` to a destination, or None when either end cannot be located (and no zone
        applies)."""
        country = country.upper()
        if not postal_code:
            key = ""
        elif country in UK_STYLE:
            key = uk_outward(postal_code.replace(" ", "").replace("-", "").upper())
        else:
            length = self._key_length.get(country)
            if length is None:
                length = self._key_length[country] = self._longest(country)
            key = postal_code.replace(" ", "").replace("-", "").upper()[:length]
        cache_key = (node.code, country, key)
        try:
            return self._cache[cache_key]
        except KeyError:
            answer = self._cache[cache_key] = self._compute(node, country, key)
            return answer

    def clear(self) -> None:
        """Forget cached answers and node locations (after node profiles changed)."""
        self._cache.clear()
        self._origins.clear()

    def _longest(self, country: str) -> int:
        zoned = self.zones.longest_prefix(country) if self.zones is not None else 0
        return max(self.centroids.longest_prefix(country), zoned)

    def _origin(self, node: NodeProfile) -> _Origin | None:
        if node.code in self._origins:
            return self._origins[node.code]
        origin: _Origin | None = None
        if node.latitude is not None and node.longitude is not None:
            origin = _Origin(
                float(node.latitude),
                float(node.longitude),
                f"{node.code} ({decimal_str(node.latitude)}, {decimal_str(node.longitude)})",
            )
        elif node.country:
            found = self.centroids.locate(node.country, node.postal_code)
            if found is not None:
                origin = _Origin(float(found.lat), float(found.lon), f"{node.code} ({found.matched} centroid)")
        self._origins[node.code] = origin
        return origin

    def _compute(self, node: NodeProfile, country: str, key: str) -> Distance | None:
        origin = self._origin(node)
        target: Located | None = self.centroids.locate(country, key)
        km: Decimal | None = None
        line = ""
        if origin is not None and target is not None:
            raw = haversine_km(origin.lat, origin.lon, float(target.lat), float(target.lon))
            km = Decimal(repr(raw)).quantize(_TENTH, rounding=ROUND_HALF_UP)
            kind = "centroid" if target.precision == "prefix" else "country centroid"
            line = f"{origin.label} to {target.matched} {kind}, {km} km"
        match = self.zones.zone_for(node.code, country, key) if self.zones is not None else None
        if match is not None:
            how = f"{node.code} to {match.matched}: zone {match.zone} in {self.zones.source}"  # type: ignore[union-attr]
            return Distance(km, f"{how} ({line})" if line else how, match.zone)
        if km is None:
            return None
        return Distance(km, line)
