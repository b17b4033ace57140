"""The plugin framework: manifest, capability vocabulary, registry, config building."""

from hub.plugins.capabilities import Capability, FileParser, Poller, Sink, WebhookReceiver
from hub.plugins.config import build_config
from hub.plugins.manifest import Adapter, ConnectionContext, secret_fields
from hub.plugins.messages import Cursor, OutboundMessage, Page, ParseResult, RawMessage
from hub.plugins.registry import Registry, default_registry

__all__ = [
    "Adapter",
    "Capability",
    "ConnectionContext",
    "Cursor",
    "FileParser",
    "OutboundMessage",
    "Page",
    "ParseResult",
    "Poller",
    "RawMessage",
    "Registry",
    "Sink",
    "WebhookReceiver",
    "build_config",
    "default_registry",
    "secret_fields",
]
