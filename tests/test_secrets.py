"""A connection's secret values are found whatever its options, and blanked out of text."""

from __future__ import annotations

from hub.context import HubContext
from hub.secrets import redact, secret_values
from hub.store.connections import ConnectionRecord


def test_secret_values_of_a_connection_with_hub_options(hub_ctx: HubContext) -> None:
    hub_ctx.environ = {**hub_ctx.environ, "FEED_KEY": "k-123456", "OTHER": "x"}
    record = ConnectionRecord(
        name="feed",
        adapter="test_json",
        channel="feed",
        options={"publish_stock": "true"},
        secret_refs={"api_key": "FEED_KEY"},
    )
    assert hub_ctx.config_for(record).model_dump().get("publish_stock") is None  # the hub's option stays out
    assert secret_values(hub_ctx, record) == ["k-123456"]
    assert secret_values(hub_ctx, record, min_length=9) == []
    unknown = ConnectionRecord(name="gone", adapter="no_such_adapter", channel="gone", secret_refs={"t": "FEED_KEY"})
    assert secret_values(hub_ctx, unknown) == ["k-123456"]  # no config can be built: the references still count


def test_redact_longest_first() -> None:
    assert redact("token abc and abcdef", ["abc", "abcdef"]) == "token *** and ***"
    assert redact("token abc", ["abc"], "****") == "token ****"
