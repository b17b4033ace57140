"""The network data allocation reads besides the store: carrier rate cards, working calendars, distances.

Where they come from (first found wins): `HUB_CARRIERS_DIR` / `HUB_CALENDARS_DIR`, else `carriers/`
and `calendars/` under the hub's home folder. Distances use the packaged postal-code centroids.
Loaded once per folder and kept, since the pipeline asks for them on every batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hub.calendars import CalendarSet, load_calendar_dir
from hub.carriers import RateCard, load_rate_cards
from hub.carriers.fast import FastRater
from hub.geo.centroids import Centroids, packaged_centroids
from hub.geo.distance import DistanceModel


@dataclass(frozen=True)
class NetworkData:
    cards: tuple[RateCard, ...]
    rater: FastRater | None
    calendars: CalendarSet | None

    @staticmethod
    def distance() -> DistanceModel:
        """A fresh distance model (it caches per node code, so make one per batch: node profiles may change)."""
        return DistanceModel(_centroids())


def _folder(environ: Mapping[str, str], home: Path, variable: str, name: str) -> Path | None:
    configured = environ.get(variable)
    if configured:
        return Path(configured)
    default = home / name
    return default if default.is_dir() else None


@cache
def _carriers(folder: Path | None) -> tuple[tuple[RateCard, ...], FastRater | None]:
    if folder is None:
        return (), None
    cards = load_rate_cards(folder)
    return cards, FastRater(cards)


@cache
def _calendars(folder: Path | None) -> CalendarSet | None:
    return load_calendar_dir(folder) if folder is not None else None


@cache
def _centroids() -> Centroids:
    return packaged_centroids()


def network_data(environ: Mapping[str, str], home: Path) -> NetworkData:
    """Rate cards, calendars and distances for a hub home (a bad file raises ConfigError naming it)."""
    cards, rater = _carriers(_folder(environ, home, "HUB_CARRIERS_DIR", "carriers"))
    return NetworkData(
        cards=cards,
        rater=rater,
        calendars=_calendars(_folder(environ, home, "HUB_CALENDARS_DIR", "calendars")),
    )
