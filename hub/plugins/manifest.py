"""The adapter manifest: name, version, feature card, config model and capabilities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from hub.errors import PluginError
from hub.partners.directory import PartnerDirectory
from hub.plugins.capabilities import REQUIRED_METHODS, Capability

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?([.-]?[A-Za-z0-9.]+)?$")


@dataclass(frozen=True)
class ConnectionContext:
    """What an adapter's capability gets besides its config: who and where it runs for."""

    connection: str
    channel: str
    tenant: str = "default"
    hub_home: Path = Path(".hub")
    options: dict[str, Any] = field(default_factory=dict)
    partners: PartnerDirectory = field(default_factory=PartnerDirectory)  # trading partners (EDI adapters)

    @property
    def outbound_dir(self) -> Path:
        return self.hub_home / "outbound" / self.connection


@dataclass(frozen=True)
class Adapter:
    """What an adapter package exports as `ADAPTER`.

    `capabilities` is what the adapter promises; `implementations` are the classes that
    keep the promise, each with a `capability` class attribute and a constructor taking
    `(config, context)`. `validate()` refuses any mismatch between the two.
    """

    name: str
    version: str
    feature_card: str
    config: type[BaseModel]
    capabilities: frozenset[Capability]
    implementations: tuple[type, ...]

    def validate(self) -> None:
        problems: list[str] = []
        if not _NAME.match(self.name or ""):
            problems.append(f"name {self.name!r} must be lower_snake_case, 2-40 characters")
        if not _VERSION.match(self.version or ""):
            problems.append(f"version {self.version!r} is not a version like 1.2.0")
        if not (self.feature_card or "").strip():
            problems.append("feature card is empty: say what the adapter does, connects to and its limits")
        if not (isinstance(self.config, type) and issubclass(self.config, BaseModel)):
            problems.append("config must be a pydantic model class")
        elif not self.config.model_config.get("frozen"):
            problems.append(f"config model {self.config.__name__} must be frozen (model_config frozen=True)")
        implemented: dict[Capability, type] = {}
        for impl in self.implementations:
            cap = getattr(impl, "capability", None)
            try:
                cap = Capability(cap)
            except ValueError:
                problems.append(
                    f"{impl.__name__}.capability is {cap!r}, not one of: {', '.join(c.value for c in Capability)}"
                )
                continue
            if cap in implemented:
                problems.append(f"{cap} is implemented twice ({implemented[cap].__name__}, {impl.__name__})")
            implemented[cap] = impl
            missing = [m for m in REQUIRED_METHODS[cap] if not callable(getattr(impl, m, None))]
            if missing:
                problems.append(f"{impl.__name__} provides {cap} but lacks method(s): {', '.join(missing)}")
        declared = {Capability(c) for c in self.capabilities}
        for cap in sorted(declared - implemented.keys()):
            problems.append(f"declares capability {cap} but implements nothing for it")
        for cap in sorted(implemented.keys() - declared):
            problems.append(f"implements {cap} ({implemented[cap].__name__}) but does not declare it")
        if problems:
            raise PluginError(f"adapter {self.name!r} breaks the plugin contract: " + "; ".join(problems))

    def implementation(self, capability: Capability) -> type:
        for impl in self.implementations:
            if Capability(impl.capability) == capability:
                return impl
        raise PluginError(f"adapter {self.name!r} does not offer {capability}")

    def build(self, capability: Capability, config: BaseModel, context: ConnectionContext) -> Any:
        return self.implementation(capability)(config, context)

    def secret_fields(self) -> list[str]:
        return secret_fields(self.config)


def secret_fields(model: type[BaseModel]) -> list[str]:
    """Names of the config fields typed as SecretStr (or optional SecretStr)."""
    names = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        args = getattr(ann, "__args__", ()) or ()
        if ann is SecretStr or SecretStr in args:
            names.append(name)
    return names
