"""Finds adapters through the `hub.adapters` entry-point group and checks each one at load.

A broken third-party adapter logs a warning and is left out; it never crashes the hub.
A misspelt adapter name gets a "did you mean ...?".
"""

from __future__ import annotations

import difflib
import logging
from importlib.metadata import entry_points

from hub.errors import PluginError, UnknownAdapter
from hub.plugins.manifest import Adapter

ENTRY_POINT_GROUP = "hub.adapters"
log = logging.getLogger(__name__)


class Registry:
    """The adapters this process can use, by name."""

    def __init__(self, adapters: dict[str, Adapter] | None = None) -> None:
        self._adapters: dict[str, Adapter] = dict(adapters or {})
        self.failures: dict[str, str] = {}

    def register(self, adapter: Adapter) -> None:
        adapter.validate()
        self._adapters[adapter.name] = adapter

    def names(self) -> list[str]:
        return sorted(self._adapters)

    def all(self) -> list[Adapter]:
        return [self._adapters[n] for n in self.names()]

    def get(self, name: str) -> Adapter:
        try:
            return self._adapters[name]
        except KeyError:
            close = difflib.get_close_matches(name, self.names(), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known adapters: {', '.join(self.names())}"
            raise UnknownAdapter(f"no adapter named {name!r}{hint}") from None

    @classmethod
    def discover(cls, group: str = ENTRY_POINT_GROUP) -> Registry:
        registry = cls()
        for ep in entry_points(group=group):
            try:
                adapter = ep.load()
                if not isinstance(adapter, Adapter):
                    raise PluginError(f"{ep.value} is a {type(adapter).__name__}, not a hub Adapter")
                if adapter.name != ep.name:
                    raise PluginError(f"entry point {ep.name!r} loads adapter named {adapter.name!r}")
                registry.register(adapter)
            except Exception as exc:  # a third-party plugin must never take the hub down
                registry.failures[ep.name] = f"{type(exc).__name__}: {exc}"
                log.warning("adapter %r could not be loaded and is left out: %s", ep.name, exc)
        return registry


_default: Registry | None = None


def default_registry() -> Registry:
    """The process-wide registry, discovered once."""
    global _default
    if _default is None:
        _default = Registry.discover()
    return _default
