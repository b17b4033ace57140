"""The partner profiles an EDI connection knows: the hub's directory plus the connection's `partner_profiles`."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from hub.partners.directory import PartnerDirectory
from hub.partners.store import load_file
from hub.plugins.manifest import ConnectionContext


class ProfilesOption(Protocol):
    """A connection config with a `partner_profiles` option (profile YAML files or folders)."""

    @property
    def partner_profiles(self) -> tuple[str, ...]: ...


def partner_directory(config: ProfilesOption, context: ConnectionContext) -> PartnerDirectory:
    """The hub's partner directory plus the profiles named by the connection's `partner_profiles` option."""
    if not config.partner_profiles:
        return context.partners
    extra = []
    for entry in config.partner_profiles:
        path = Path(entry)
        paths = sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path]
        extra += [load_file(p) for p in paths]
    base = context.partners
    return PartnerDirectory(loader=lambda: [*base.all(), *extra])
