"""The lazy manifest of an EDI adapter package: `ADAPTER` and its public classes are imported on first access.

An adapter's `__init__` declares its exports and how to build its Adapter; importing its syntax layer alone
(tokenizer, envelope, writer: the bench and the fuzz tests do) then does not import the mappings, the sinks
and the hub's partner store (PEP 562 module `__getattr__`).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when the manifest is built, not when the package is
    from pydantic import BaseModel

    from hub.plugins.manifest import Adapter


def edi_adapter(name: str, feature_card: str, config: type[BaseModel], implementations: tuple[type, ...]) -> Adapter:
    """The Adapter of an EDI standard: interchanges in (file_parser), orders, shipments, stock and
    acknowledgments out (order, shipment, stock and ack sinks), kept by a parser and four sinks."""
    from hub.plugins.capabilities import Capability
    from hub.plugins.manifest import Adapter

    capabilities = frozenset(
        {
            Capability.FILE_PARSER,
            Capability.ORDER_SINK,
            Capability.SHIPMENT_SINK,
            Capability.STOCK_SINK,
            Capability.ACK_SINK,
        }
    )
    return Adapter(
        name=name,
        version="1.0.0",
        feature_card=feature_card,
        config=config,
        capabilities=capabilities,
        implementations=implementations,
    )


def lazy_exports(module: str, exports: Mapping[str, str], manifest: Callable[[], Adapter]) -> Callable[[str], Any]:
    """A module `__getattr__` for `module`: ADAPTER from `manifest()`, each name of `exports` (name -> the module
    defining it) from its module; both cached in the package's namespace on first access."""

    def __getattr__(name: str) -> Any:
        namespace = vars(sys.modules[module])
        if name == "ADAPTER":
            adapter = manifest()
            namespace["ADAPTER"] = adapter
            return adapter
        if name in exports:
            value = getattr(importlib.import_module(exports[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
