"""Where nodes and ship-to addresses are: postal-code centroids, great-circle distances and distance zone tables."""

from __future__ import annotations

from hub.geo.centroids import Centroids, Located, packaged_centroids
from hub.geo.distance import UNZONED, Distance, DistanceModel, haversine_km
from hub.geo.postcodes import normalize_code, uk_area, uk_candidates, uk_outward
from hub.geo.zones import ZoneMatch, ZoneRule, ZoneTable

__all__ = [
    "UNZONED",
    "Centroids",
    "Distance",
    "DistanceModel",
    "Located",
    "ZoneMatch",
    "ZoneRule",
    "ZoneTable",
    "haversine_km",
    "normalize_code",
    "packaged_centroids",
    "uk_area",
    "uk_candidates",
    "uk_outward",
]
