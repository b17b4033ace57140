"""The Mirakl poller against the fake OR11: windows, offset paging, resumption, overlap, OR21, and failures."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from adapters.mirakl.poller import ACCEPTANCE_ERROR_HEADER, ACCEPTANCE_HEADER
from adapters.mirakl.window import stamp
from hub.channels import SkuMap, TokenBucket
from hub.errors import ConfigError, DecodeError, RateLimited, TransientError
from hub.plugins.messages import Cursor
from tests.test_mirakl_fake import API_KEY, NOW, FakeMirakl, make_order, poller

T0 = NOW - timedelta(hours=2)
SLACK = 20


def shop(count: int) -> FakeMirakl:
    """`count` SHIPPING orders, created in the reverse order of their updates (OR11 sorts by creation)."""
    fake = FakeMirakl()
    for n in range(count):
        fake.orders.append(
            make_order(f"5100-{n:03d}-A", T0 + timedelta(minutes=n), created=T0 - timedelta(minutes=n + 1))
        )
    return fake


def ids(page) -> list[str]:
    return [m.transport_id.split("@")[0] for m in page.messages]


def test_one_poll_reads_every_page_with_exact_requests() -> None:
    fake = shop(5)
    page = poller(fake, shop_id=2041).poll(Cursor(), limit=10)
    assert sorted(ids(page)) == [f"5100-{n:03d}-A" for n in range(5)]
    assert not page.has_more
    gets = fake.requests("GET", "/api/orders")
    assert [c.params["offset"] for c in gets] == ["0", "2", "4"]
    first = gets[0]
    assert first.headers["authorization"] == API_KEY
    assert "bearer" not in first.headers["authorization"].lower()
    assert first.params["max"] == "2" and first.params["paginate"] == "true" and first.params["shop_id"] == "2041"
    assert first.params["end_update_date"] == stamp(NOW - timedelta(seconds=30))
    assert first.params["start_update_date"] == stamp(NOW - timedelta(hours=72) - timedelta(seconds=600))
    message = page.messages[0]
    assert message.transport == "poll" and message.connection == "mirakl-acme"
    assert message.headers["x-mirakl-order-state"] == "SHIPPING"
    # the finished window moves the lower bound to its upper cap
    assert page.next_cursor.lower == stamp(NOW - timedelta(seconds=30)) and page.next_cursor.upper is None


def test_raw_message_keeps_exact_amounts() -> None:
    fake = shop(1)
    page = poller(fake).poll(Cursor(), limit=10)
    body = page.messages[0].body.decode()
    assert '"price_unit":19.9' in body and '"total_price":54.7' in body


def test_limited_polls_resume_without_skipping_or_repeating() -> None:
    fake = shop(5)
    cursor, got = Cursor(), []
    for _ in range(10):
        page = poller(fake).poll(Cursor.from_json(cursor.to_json()), limit=2)
        got += ids(page)
        cursor = page.next_cursor
        if not page.has_more:
            break
        assert "#" in (cursor.upper or "")  # mid-window: where to resume
    assert sorted(got) == sorted(set(got)) and len(got) == 5
    assert poller(fake).poll(cursor, limit=2).messages == []


def test_order_leaving_the_window_between_polls_does_not_make_it_skip() -> None:
    fake = shop(6)
    first = poller(fake, resume_slack=SLACK).poll(Cursor(), limit=2)
    # the two orders read first are updated again after the window's cap: they leave the window, positions shift
    for order in fake.orders:
        if order["order_id"] in ids(first):
            order["last_updated_date"] = stamp(NOW + timedelta(minutes=5)).replace(".000000", "")
    rest, cursor = [], first.next_cursor
    while True:
        page = poller(fake, resume_slack=SLACK).poll(cursor, limit=2)
        rest += ids(page)
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert sorted(ids(first) + rest) == [f"5100-{n:03d}-A" for n in range(6)]


def test_overlap_catches_a_late_order_and_an_updated_order_comes_again() -> None:
    fake = shop(3)
    end = poller(fake).poll(Cursor(), limit=10).next_cursor
    later = NOW + timedelta(minutes=10)
    # visible only now, but last updated 5 minutes before the previous window's cap (inside the overlap)
    fake.orders.append(make_order("5100-900-A", NOW - timedelta(minutes=5), created=NOW - timedelta(hours=1)))
    fake.orders[0]["last_updated_date"] = stamp(later - timedelta(minutes=2)).replace(".000000", "")
    page = poller(fake, clock_at=later).poll(end, limit=10)
    assert sorted(ids(page)) == ["5100-000-A", "5100-900-A"]
    again = poller(fake, clock_at=later + timedelta(minutes=1)).poll(page.next_cursor, limit=10)
    assert again.messages == []


def test_mirakl_widened_window_is_filtered() -> None:
    fake = shop(2)
    fake.time_delta = timedelta(days=30)  # Mirakl subtracts a delta from start_update_date: older orders come back
    fake.orders.append(make_order("5100-OLD-A", NOW - timedelta(days=10)))
    page = poller(fake, initial_lookback_hours=24).poll(Cursor(), limit=10)
    assert "5100-OLD-A" not in ids(page) and len(page.messages) == 2


# -- acceptance -------------------------------------------------------------------------------------------


def test_waiting_acceptance_gets_or21_per_line() -> None:
    fake = FakeMirakl()
    fake.orders.append(make_order("6200-001-A", T0, state="WAITING_ACCEPTANCE"))
    table = SkuMap("acme", {"TSHIRT-RED-M": "SKU-1001"})
    page = poller(fake, sku_map=table).poll(Cursor(), limit=10)
    (put,) = fake.requests("PUT", "/api/orders/6200-001-A/accept")
    assert put.headers["content-type"] == "application/json" and put.headers["authorization"] == API_KEY
    assert put.json() == {
        "order_lines": [{"accepted": True, "id": "6200-001-A-1"}, {"accepted": False, "id": "6200-001-A-2"}]
    }
    (message,) = page.messages
    assert "6200-001-A-1=accepted" in message.headers[ACCEPTANCE_HEADER]
    assert "6200-001-A-2=refused" in message.headers[ACCEPTANCE_HEADER]
    assert fake.orders[0]["order_state"] == "WAITING_DEBIT"


def test_manual_acceptance_never_calls_or21() -> None:
    fake = FakeMirakl()
    fake.orders.append(make_order("6200-002-A", T0, state="WAITING_ACCEPTANCE"))
    page = poller(fake, acceptance="manual").poll(Cursor(), limit=10)
    assert fake.requests("PUT") == [] and page.messages[0].headers[ACCEPTANCE_HEADER] == "manual"


def test_refused_or21_is_kept_and_reported_and_the_poll_goes_on() -> None:
    fake = FakeMirakl()
    fake.orders.append(make_order("6200-003-A", T0, state="WAITING_ACCEPTANCE"))
    fake.orders.append(make_order("6200-004-A", T0 + timedelta(minutes=1)))
    p = poller(fake)
    original = fake.handle

    def refuse_accept(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/accept"):
            return httpx.Response(400, json={"message": "Order line 6200-003-A-1 already accepted"})
        return original(request)

    p.client.http = httpx.Client(transport=httpx.MockTransport(refuse_accept))
    page = p.poll(Cursor(), limit=10)
    assert sorted(ids(page)) == ["6200-003-A", "6200-004-A"]
    waiting = next(m for m in page.messages if m.transport_id.startswith("6200-003-A"))
    assert "already accepted" in waiting.headers[ACCEPTANCE_ERROR_HEADER]
    result = p.parse(waiting)
    assert result.documents == [] and [e.code for e in result.errors] == ["mirakl_acceptance_failed"]


# -- failures ---------------------------------------------------------------------------------------------


def test_429_is_rate_limited_with_retry_after_and_slows_the_bucket() -> None:
    fake = shop(2)
    now = [0.0]
    bucket = TokenBucket(10, 5, clock=lambda: now[0], sleep=lambda s: None)
    p = poller(fake)
    p.client.bucket = bucket
    fake.fail_next(httpx.Response(429, headers={"Retry-After": "30", "x-mirakl-request-id": "rq-429"}))
    with pytest.raises(RateLimited) as caught:
        p.poll(Cursor(), limit=10)
    assert caught.value.retry_after == 30.0
    assert "rq-429" in caught.value.message
    assert bucket.wait_time() >= 29.0


def test_5xx_burst_is_transient_and_the_cursor_does_not_move() -> None:
    fake = shop(3)
    fake.fail_next(httpx.Response(503), httpx.Response(502, text="<html>Bad gateway</html>"))
    p = poller(fake)
    for expected in (503, 502):
        with pytest.raises(TransientError) as caught:
            p.poll(Cursor(), limit=10)
        assert caught.value.code == f"http_{expected}"
    assert len(p.poll(Cursor(), limit=10).messages) == 3


def test_timeout_is_transient() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    p = poller(FakeMirakl())
    p.client.http = httpx.Client(transport=httpx.MockTransport(slow))
    with pytest.raises(TransientError) as caught:
        p.poll(Cursor(), limit=10)
    assert caught.value.code == "timeout"


def test_rejected_key_is_a_config_error_that_never_shows_the_key() -> None:
    fake = shop(1)
    fake.key = "another-key"
    with pytest.raises(ConfigError) as caught:
        poller(fake).poll(Cursor(), limit=10)
    assert caught.value.code == "http_401"
    assert API_KEY not in str(caught.value) and API_KEY not in repr(caught.value.args)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json={"orders": "none", "total_count": 1}),
        httpx.Response(200, json={"orders": [{"order_id": "X-1"}], "total_count": 1}),
        httpx.Response(200, json={"orders": [42], "total_count": 1}),
    ],
    ids=["not_json", "orders_not_a_list", "no_update_date", "order_not_object"],
)
def test_malformed_page_is_a_decode_error(answer: httpx.Response) -> None:
    fake = shop(1)
    fake.fail_next(answer)
    with pytest.raises(DecodeError):
        poller(fake).poll(Cursor(), limit=10)
