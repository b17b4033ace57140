"""An in-test polling adapter over an in-memory feed of orders, each with an updated_at cursor value."""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict

from hub.model import Order
from hub.plugins import Adapter, Capability, ConnectionContext, Cursor, Page, ParseResult, RawMessage

FEED: list[dict] = []  # each: {"updated_at": "...", "order": {...}}; tests fill it


class FeedConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    poll_interval_seconds: float = 60


class FeedPoller:
    capability = Capability.POLLER

    def __init__(self, config: FeedConfig, context: ConnectionContext) -> None:
        self.context = context

    def poll(self, cursor: Cursor, *, limit: int) -> Page:
        items = sorted(FEED, key=lambda i: (i["updated_at"], i["order"]["external_id"]))
        fresh = [
            i
            for i in items
            if cursor.lower is None
            or i["updated_at"] > cursor.lower
            or (i["updated_at"] == cursor.lower and i["order"]["external_id"] not in cursor.seen_at_lower)
        ]
        page = fresh[:limit]
        messages = [
            RawMessage(
                body=json.dumps(i["order"]).encode(),
                connection=self.context.connection,
                transport="poll",
                transport_id=i["order"]["external_id"],
                tenant=self.context.tenant,
            )
            for i in page
        ]
        nxt = cursor.advance([(i["updated_at"], i["order"]["external_id"]) for i in page])
        return Page(messages=messages, next_cursor=nxt, has_more=len(fresh) > limit)

    def parse(self, message: RawMessage) -> ParseResult:
        data = json.loads(message.body)
        return ParseResult(
            documents=[Order.model_validate({**data, "source": self.context.channel, "tenant": self.context.tenant})],
            format="json",
        )


POLL_ADAPTER = Adapter(
    name="test_feed",
    version="0.1.0",
    feature_card="In-test poller over an in-memory feed.",
    config=FeedConfig,
    capabilities=frozenset({Capability.POLLER}),
    implementations=(FeedPoller,),
)
