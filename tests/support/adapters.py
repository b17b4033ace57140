"""A minimal in-test adapter (JSON orders in, JSON files out) so core tests need no real adapter."""

from __future__ import annotations

import json
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from hub.errors import DecodeError, Location, TransientError, ValidationFailed
from hub.model import Cancellation, Order
from hub.plugins import Adapter, Capability, ConnectionContext, OutboundMessage, ParseResult, RawMessage


class JsonTestConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    fail_deliveries: int = 0
    api_key: SecretStr | None = None


class JsonOrderParser:
    """Body: a JSON object or list of objects in Order's own field names (minus source/tenant); an object with
    `"doc_type": "cancellation"` is a Cancellation in its field names."""

    capability = Capability.FILE_PARSER

    def __init__(self, config: JsonTestConfig, context: ConnectionContext) -> None:
        self.context = context

    def parse(self, message: RawMessage) -> ParseResult:
        try:
            data = json.loads(message.body, parse_float=Decimal)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DecodeError(
                f"not JSON: {exc}", location=Location(file=message.filename, position=getattr(exc, "pos", None))
            ) from None
        items = data if isinstance(data, list) else [data]
        docs = []
        for i, item in enumerate(items):
            try:
                model = Cancellation if item.get("doc_type") == "cancellation" else Order
                fields = {k: v for k, v in item.items() if k != "doc_type"}
                docs.append(
                    model.model_validate({**fields, "source": self.context.channel, "tenant": self.context.tenant})
                )
            except ValidationError as exc:
                raise ValidationFailed(
                    f"order {i + 1}: {exc.errors(include_input=False)[0]['msg']}",
                    location=Location(file=message.filename, position=i + 1),
                ) from None
        return ParseResult(documents=docs, format="json")


class RecordingSink:
    """Keeps what it was given in memory (class level, per connection); can fail N times first."""

    capability = Capability.ORDER_SINK
    delivered: dict[str, list[OutboundMessage]] = {}

    def __init__(self, config: JsonTestConfig, context: ConnectionContext) -> None:
        self.config = config
        self.context = context
        self.failures = 0

    def deliver(self, message: OutboundMessage) -> None:
        if self.failures < self.config.fail_deliveries:
            self.failures += 1
            raise TransientError(f"simulated outage {self.failures}")
        RecordingSink.delivered.setdefault(self.context.connection, []).append(message)


class RecordingStockSink(RecordingSink):
    capability = Capability.STOCK_SINK


TEST_ADAPTER = Adapter(
    name="test_json",
    version="0.1.0",
    feature_card="In-test adapter: JSON orders in, deliveries recorded in memory.",
    config=JsonTestConfig,
    capabilities=frozenset({Capability.FILE_PARSER, Capability.ORDER_SINK, Capability.STOCK_SINK}),
    implementations=(JsonOrderParser, RecordingSink, RecordingStockSink),
)
