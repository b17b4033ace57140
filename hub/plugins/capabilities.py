"""The closed vocabulary of capabilities an adapter may offer, and the protocol of each.

Receive side: a webhook receiver, a poller with a persisted cursor, a file/interchange
parser. Send side: order sink (release to a node), shipment sink (tracking back to a
channel), stock sink (availability to a channel), ack sink (997/CONTRL and the like).
Every implementation class names the capability it provides in a `capability` class
attribute; the registry checks declared against implemented when the adapter loads.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, runtime_checkable

from hub.plugins.messages import Cursor, OutboundMessage, Page, ParseResult, RawMessage


class Capability(StrEnum):
    WEBHOOK_RECEIVER = "webhook_receiver"
    POLLER = "poller"
    FILE_PARSER = "file_parser"
    ORDER_SINK = "order_sink"
    SHIPMENT_SINK = "shipment_sink"
    STOCK_SINK = "stock_sink"
    ACK_SINK = "ack_sink"
    NOTIFICATION_SINK = "notification_sink"


@runtime_checkable
class Parser(Protocol):
    """Decode and map one raw message into canonical documents. Pure: no I/O."""

    def parse(self, message: RawMessage) -> ParseResult: ...


@runtime_checkable
class FileParser(Parser, Protocol):
    """Reads files or interchanges (CSV, JSON lines, X12, EDIFACT, flat files)."""


@runtime_checkable
class WebhookReceiver(Parser, Protocol):
    """Checks a webhook's authenticity, then parses it like any raw message."""

    def verify(self, headers: dict[str, str], body: bytes) -> None: ...


@runtime_checkable
class Poller(Parser, Protocol):
    """Fetches the next page after a cursor; the hub stores the page raw, then parses it."""

    def poll(self, cursor: Cursor, *, limit: int) -> Page: ...


@runtime_checkable
class Sink(Protocol):
    """Delivers one outbound message. Raises a HubError subclass that says what to do on failure."""

    def deliver(self, message: OutboundMessage) -> None: ...


REQUIRED_METHODS: dict[Capability, tuple[str, ...]] = {
    Capability.WEBHOOK_RECEIVER: ("verify", "parse"),
    Capability.POLLER: ("poll", "parse"),
    Capability.FILE_PARSER: ("parse",),
    Capability.ORDER_SINK: ("deliver",),
    Capability.SHIPMENT_SINK: ("deliver",),
    Capability.STOCK_SINK: ("deliver",),
    Capability.ACK_SINK: ("deliver",),
    Capability.NOTIFICATION_SINK: ("deliver",),
}
