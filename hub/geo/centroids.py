"""Postal-region centroids from CSV files (country,prefix,latitude,longitude,name) and the lookup by longest prefix."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Literal

from hub.geo.postcodes import UK_STYLE, check_country, check_prefix, normalize_code, uk_candidates
from hub.geo.problems import geo_error

COLUMNS = ("country", "prefix", "latitude", "longitude", "name")
Precision = Literal["prefix", "country"]


@dataclass(frozen=True, slots=True)
class Located:
    """Where a postal code is, as far as the centroid data knows: a region's point or the country's."""

    lat: Decimal
    lon: Decimal
    precision: Precision
    matched: str  # "DE-80", "GB-SW", or "DE" for the country row
    name: str = ""


def _decimal(text: str, low: int, high: int) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() and low <= value <= high else None


def _read_csv(text: str, source: str) -> list[tuple[int, str, str, Located]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise geo_error(source, f"missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}", line=1)
    reader.fieldnames = header
    rows: list[tuple[int, str, str, Located]] = []
    for raw in reader:
        line = reader.line_num
        values = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue
        try:
            country = check_country(values["country"])
        except ValueError as exc:
            raise geo_error(source, str(exc), line=line, key="country") from None
        prefix = ""
        if values["prefix"]:
            try:
                prefix = check_prefix(country, values["prefix"])
            except ValueError as exc:
                raise geo_error(source, str(exc), line=line, key="prefix") from None
        lat = _decimal(values["latitude"], -90, 90)
        if lat is None:
            raise geo_error(source, f"{values['latitude']!r} is not a latitude (-90..90)", line=line, key="latitude")
        lon = _decimal(values["longitude"], -180, 180)
        if lon is None:
            raise geo_error(
                source, f"{values['longitude']!r} is not a longitude (-180..180)", line=line, key="longitude"
            )
        label = f"{country}-{prefix}" if prefix else country
        precision: Precision = "prefix" if prefix else "country"
        rows.append((line, country, prefix, Located(lat, lon, precision, label, values["name"])))
    return rows


def _packaged_files() -> list[Traversable]:
    folder = resources.files("hub.geo").joinpath("data")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".csv")), key=lambda f: f.name)


def _files(paths: Iterable[str | Path]) -> list[Path]:
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found.extend(sorted(path.glob("*.csv")))
        elif path.is_file():
            found.append(path)
        else:
            raise geo_error(str(path), "no such file or folder")
    return found


class Centroids:
    """Coordinates per country and postal prefix ("" is the country row), looked up by longest prefix."""

    def __init__(self, table: Mapping[str, Mapping[str, Located]]) -> None:
        self._table = {country: dict(rows) for country, rows in table.items()}
        self._longest = {country: max(map(len, rows), default=0) for country, rows in self._table.items()}

    @classmethod
    def load(cls, paths: Iterable[str | Path] | None = None) -> Centroids:
        """Read centroid CSV files (files or folders of `*.csv`); by default the data shipped in `hub/geo/data`.

        A (country, prefix) pair may appear once across all files; every problem is a ConfigError naming
        the file, the line and the column.
        """
        files: list[Path] | list[Traversable] = _packaged_files() if paths is None else _files(paths)
        table: dict[str, dict[str, Located]] = {}
        seen: dict[tuple[str, str], str] = {}
        for file in files:
            source = str(file)
            try:
                text = file.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise geo_error(source, f"cannot be read: {exc}") from None
            for line, country, prefix, located in _read_csv(text, source):
                where = f"{source} line {line}"
                first = seen.setdefault((country, prefix), where)
                if first != where:
                    raise geo_error(source, f"{located.matched} is already defined at {first}", line=line, key="prefix")
                table.setdefault(country, {})[prefix] = located
        return cls(table)

    @property
    def countries(self) -> frozenset[str]:
        return frozenset(self._table)

    def prefixes(self, country: str) -> frozenset[str]:
        """The postal prefixes known for `country` (without the country row)."""
        return frozenset(p for p in self._table.get(country.upper(), {}) if p)

    def longest_prefix(self, country: str) -> int:
        """The length of the longest prefix known for `country` (0 when only the country row)."""
        return self._longest.get(country.upper(), 0)

    def locate(self, country: str, postal_code: str | None) -> Located | None:
        """The centroid of the longest prefix of the normalised postal code, else the country's, else None.

        UK-style postcodes (GB) match by outward code, then district, then area letters: `M1 1AE` -> `M`,
        `SW1A 1AA` -> `SW1A`, `SW1` or `SW`, whichever the data holds first.
        """
        rows = self._table.get(country.upper())
        if rows is None:
            return None
        code = normalize_code(postal_code)
        if code:
            if country.upper() in UK_STYLE:
                candidates: Iterable[str] = uk_candidates(code)
            else:
                candidates = (code[:n] for n in range(min(len(code), self._longest[country.upper()]), 0, -1))
            for candidate in candidates:
                found = rows.get(candidate)
                if found is not None:
                    return found
        return rows.get("")


@cache
def packaged_centroids() -> Centroids:
    """The centroids shipped with the hub, read once per process."""
    return Centroids.load()
