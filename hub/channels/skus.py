"""Channel SKU <-> hub SKU: a mapping table per channel under mappings/skus/, identity when none is configured."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

import yaml

from hub.errors import ConfigError, Location, MappingError
from hub.yamlio import parse_yaml

DEFAULT_BASE = Path(__file__).resolve().parents[2] / "mappings" / "skus"


class UnknownSku(MappingError):
    """A SKU the channel's mapping table does not know: this record cannot be mapped (dead-letter, go on)."""

    code = "unknown_sku"

    def __init__(self, channel: str, sku: str, *, direction: str = "channel", field: str | None = None) -> None:
        what = "channel SKU" if direction == "channel" else "hub SKU"
        super().__init__(f"{what} {sku!r} is not in the SKU map {channel!r}", location=Location(field=field))
        self.channel = channel
        self.sku = sku


class SkuMap:
    """Channel SKU -> hub SKU table. Identity when no table is configured."""

    def __init__(self, name: str, skus: Mapping[str, str] | None) -> None:
        self.name = name
        self._to_hub: dict[str, str] | None = None if skus is None else dict(skus)
        self._to_channel: dict[str, str] | None = None
        if self._to_hub is not None:
            reverse: dict[str, str] = {}
            for channel_sku, hub_sku in self._to_hub.items():
                if hub_sku in reverse:
                    raise ConfigError(
                        f"SKU map {name!r}: hub SKU {hub_sku!r} is mapped from both {reverse[hub_sku]!r} "
                        f"and {channel_sku!r}",
                        code="sku_map_ambiguous",
                    )
                reverse[hub_sku] = channel_sku
            self._to_channel = reverse

    @classmethod
    def identity(cls) -> SkuMap:
        return cls("identity", None)

    @property
    def is_identity(self) -> bool:
        return self._to_hub is None

    def __len__(self) -> int:
        return 0 if self._to_hub is None else len(self._to_hub)

    def __repr__(self) -> str:
        kind = "identity" if self._to_hub is None else f"{len(self._to_hub)} SKUs"
        return f"SkuMap({self.name!r}, {kind})"

    @classmethod
    def for_option(cls, name: str | None) -> SkuMap:
        """The table a connection's `sku_map` option names, or the identity map when it names none."""
        return cls.load(name) if name else cls.identity()

    @classmethod
    def load(cls, name: str, *, base: Path | None = None) -> SkuMap:
        """The table `mappings/skus/<name>.yaml` (or `.yml` / `.csv` with columns channel_sku,hub_sku)."""
        folder = base if base is not None else DEFAULT_BASE
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise ConfigError(f"SKU map name {name!r} is not a plain name", code="sku_map_name")
        for suffix in (".yaml", ".yml", ".csv"):
            path = folder / f"{name}{suffix}"
            if path.is_file():
                break
        else:
            raise ConfigError(f"SKU map {name!r} not found in {folder}", code="sku_map_missing")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"SKU map {path}: cannot be read: {exc}", code="sku_map_unreadable") from None
        skus = _parse_csv(text, path) if path.suffix == ".csv" else _parse_yaml(text, path, name)
        return cls(name, skus)

    def to_hub(self, channel_sku: str, *, field: str | None = None) -> str:
        """The hub SKU for a channel SKU; UnknownSku when a configured table lacks it."""
        if self._to_hub is None:
            return channel_sku
        try:
            return self._to_hub[channel_sku]
        except KeyError:
            raise UnknownSku(self.name, channel_sku, field=field) from None

    def to_channel(self, hub_sku: str) -> str:
        """The channel SKU for a hub SKU; UnknownSku when a configured table lacks it."""
        if self._to_channel is None:
            return hub_sku
        try:
            return self._to_channel[hub_sku]
        except KeyError:
            raise UnknownSku(self.name, hub_sku, direction="hub") from None


def _bad(path: Path, message: str) -> ConfigError:
    return ConfigError(f"SKU map {path}: {message}", code="sku_map_invalid", location=Location(file=str(path)))


def _sku_text(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    return text or None


def _parse_yaml(text: str, path: Path, name: str) -> dict[str, str]:
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        raise _bad(path, f"not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("skus"), dict):
        raise _bad(path, "expected a mapping with a `skus:` table of channel SKU: hub SKU")
    declared = data.get("name")
    if declared is not None and str(declared) != name:
        raise _bad(path, f"declares name {declared!r}, file is named {name!r}")
    out: dict[str, str] = {}
    for key, value in data["skus"].items():
        channel_sku, hub_sku = _sku_text(key), _sku_text(value)
        if channel_sku is None or hub_sku is None:
            raise _bad(path, f"entry {key!r}: {value!r} is not a pair of SKUs")
        out[channel_sku] = hub_sku
    return out


def _parse_csv(text: str, path: Path) -> dict[str, str]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or {"channel_sku", "hub_sku"} - set(reader.fieldnames):
        raise _bad(path, "expected CSV columns channel_sku,hub_sku")
    out: dict[str, str] = {}
    for row_no, row in enumerate(reader, start=2):
        channel_sku, hub_sku = _sku_text(row.get("channel_sku")), _sku_text(row.get("hub_sku"))
        if channel_sku is None or hub_sku is None:
            raise ConfigError(
                f"SKU map {path}: row {row_no} lacks a SKU",
                code="sku_map_invalid",
                location=Location(file=str(path), line=row_no),
            )
        if channel_sku in out:
            raise ConfigError(
                f"SKU map {path}: channel SKU {channel_sku!r} appears twice",
                code="sku_map_invalid",
                location=Location(file=str(path), line=row_no),
            )
        out[channel_sku] = hub_sku
    return out
