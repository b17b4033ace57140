"""The Shopify poller against the simulated GraphQL Admin API: pages, window, throttling, 5xx, 401, bad bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.shopify import ShopifyConfig, ShopifyPoller
from adapters.shopify.simulator import FakeShop
from hub.errors import ConfigError, RateLimited, TransientError
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Cursor

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "shopify" / "graphql"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def node(order_id: int, updated: str) -> dict:
    data = json.loads((FIXTURES / "order-5001.json").read_text())
    data["id"] = f"gid://shopify/Order/{order_id}"
    data["updatedAt"] = updated
    return data


def make(shop: FakeShop, **options: object) -> tuple[ShopifyPoller, list[float]]:
    slept: list[float] = []
    config = ShopifyConfig(shop=shop.shop, access_token=shop.token, **options)
    poller = ShopifyPoller(
        config,
        ConnectionContext(connection="shop1", channel="shopify:example"),
        client=shop.client(),
        sleep=slept.append,
        now=lambda: NOW,
    )
    return poller, slept


def shop_with(n: int) -> FakeShop:
    shop = FakeShop()
    for i in range(n):
        shop.add_order(node(7000 + i, f"2026-04-01T10:{i // 3:02d}:00Z"))  # three orders share each minute
    return shop


def ids(page) -> list[str]:
    return [m.transport_id.split(":")[1].split("@")[0] for m in page.messages]


def test_pages_through_graphql_cursors_and_resumes_from_saved_cursor() -> None:
    shop = shop_with(120)  # 3 GraphQL pages of 50
    poller, _ = make(shop)
    page = poller.poll(Cursor(), limit=100)
    assert len(page.messages) == 100 and page.has_more
    afters = [r.variables["after"] for r in shop.requests]
    assert afters[0] is None and all(a for a in afters[1:]) and len(afters) == 3
    assert "updated_at:<='2026-05-31T23:59:00Z'" in shop.requests[0].variables["query"]
    saved = Cursor.from_json(page.next_cursor.to_json())
    assert saved.lower == "2026-04-01T10:33:00Z"
    rest = poller.poll(saved, limit=100)
    assert len(rest.messages) == 20 and not rest.has_more
    assert set(ids(page)).isdisjoint(ids(rest)) and len(set(ids(page)) | set(ids(rest))) == 120
    again = poller.poll(Cursor.from_json(rest.next_cursor.to_json()), limit=100)
    assert again.messages == []
    assert "updated_at:>='2026-04-01T10:34:00Z'" in shop.requests[-1].variables["query"]  # 10:39 - 300 s overlap


def test_overlap_window_catches_a_late_indexed_order_without_repeating() -> None:
    shop = shop_with(6)
    poller, _ = make(shop)
    first = poller.poll(Cursor(), limit=50)
    assert len(first.messages) == 6
    shop.add_order(node(7999, "2026-04-01T09:58:00Z"))  # updated before the cursor, visible only now
    late = poller.poll(first.next_cursor, limit=50)
    assert ids(late) == ["7999"]


def test_an_order_updated_again_is_polled_again_with_its_new_revision() -> None:
    shop = shop_with(3)
    poller, _ = make(shop)
    first = poller.poll(Cursor(), limit=50)
    shop.orders["7001"]["updatedAt"] = "2026-04-02T08:00:00Z"
    second = poller.poll(first.next_cursor, limit=50)
    assert [m.transport_id for m in second.messages] == ["shopify:7001@2026-04-02T08:00:00Z"]
    docs = poller.parse(second.messages[0]).documents
    assert docs[0].external_id == "7001"


def test_throttled_answers_wait_by_restore_rate_then_succeed() -> None:
    shop = shop_with(3)
    poller, slept = make(shop)
    poller.poll(Cursor(), limit=50)  # learns the query cost (52)
    shop.fail_next("THROTTLED", "THROTTLED")
    page = poller.poll(Cursor(), limit=50)
    assert len(page.messages) == 3
    assert slept == [pytest.approx(0.42, abs=0.01), pytest.approx(0.42, abs=0.01)]  # (52 - 10) / 100 per second


def test_throttling_that_does_not_end_is_rate_limited() -> None:
    shop = shop_with(3)
    poller, slept = make(shop, max_retries=2)
    shop.fail_next("THROTTLED", "THROTTLED", "THROTTLED")
    with pytest.raises(RateLimited) as err:
        poller.poll(Cursor(), limit=50)
    assert err.value.retry_after and len(slept) == 2


def test_low_bucket_waits_before_the_next_query() -> None:
    shop = shop_with(3)
    shop.available = 12.0
    poller, slept = make(shop)
    poller.poll(Cursor(), limit=50)
    poller.poll(Cursor(), limit=50)
    assert slept and slept[0] == pytest.approx(0.40, abs=0.01)  # needs 52, has 12, restores 100/s


def test_429_and_5xx_bursts_are_retried_then_raised_without_losing_the_cursor() -> None:
    shop = shop_with(4)
    poller, slept = make(shop, max_retries=3)
    shop.fail_next(429, 503, 502)
    assert len(poller.poll(Cursor(), limit=50).messages) == 4
    assert slept[0] == 2.0  # Retry-After
    shop.fail_next(500, 500, 500, 500)
    with pytest.raises(TransientError) as err:
        poller.poll(Cursor(), limit=50)
    assert err.value.code == "http_500" and "request id req-" in err.value.message
    assert len(poller.poll(Cursor(), limit=50).messages) == 4  # the next poll from the same cursor


def test_expired_or_revoked_token_is_config_error_at_once() -> None:
    shop = shop_with(2)
    poller, slept = make(shop)
    shop.token = "shpat_rotated"  # the shop revoked the token the connection holds
    with pytest.raises(ConfigError) as err:
        poller.poll(Cursor(), limit=50)
    assert err.value.code == "http_401" and slept == [] and "shpat" not in err.value.message


@pytest.mark.parametrize("answer", ["garbage"])
def test_malformed_bodies_are_transient_for_the_poller(answer: str) -> None:
    shop = shop_with(2)
    poller, _ = make(shop, max_retries=0)
    shop.fail_next(answer)
    with pytest.raises(TransientError) as err:
        poller.poll(Cursor(), limit=50)
    assert err.value.code == "bad_response"
    shop.scripted.append(lambda: __import__("httpx").Response(200, json={"data": {"orders": None}}))
    with pytest.raises(TransientError):
        poller.poll(Cursor(), limit=50)


def test_request_carries_token_header_and_version_path() -> None:
    shop = shop_with(1)
    poller, _ = make(shop, api_version="2026-04")
    poller.poll(Cursor(), limit=5)
    sent = shop.requests[0]
    assert sent.method == "POST" and sent.url == "https://example.myshopify.com/admin/api/2026-04/graphql.json"
    assert sent.headers["x-shopify-access-token"] == shop.token and sent.operation == "HubOrders"
    assert "sortKey: UPDATED_AT" in sent.query


def test_first_poll_starts_at_poll_since() -> None:
    shop = shop_with(6)
    poller, _ = make(shop, poll_since="2026-04-01T11:01:00+01:00")
    page = poller.poll(Cursor(), limit=50)
    assert "updated_at:>='2026-04-01T10:01:00Z'" in shop.requests[0].variables["query"]
    assert ids(page) == ["7003", "7004", "7005"]
    with pytest.raises(ValueError, match="UTC offset"):
        ShopifyConfig(shop=shop.shop, access_token="x", poll_since="2026-04-01T10:00:00")
