"""The shared channel HTTP seam: token bucket (fake clock), Retry-After, request ids, HTTP failures as hub errors."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from hub.channels import (
    REQUEST_ID_HEADERS,
    TokenBucket,
    call,
    check_response,
    read_json,
    request_id,
    retry_after,
)
from hub.errors import ConfigError, DecodeError, RateLimited, RecordError, TransientError
from hub.outbox.actions import Action, decide


class FakeClock:
    """A monotonic clock that only moves when the bucket sleeps (or the test advances it)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def bucket(rate: float = 2.0, burst: int = 3) -> tuple[TokenBucket, FakeClock]:
    clock = FakeClock()
    return TokenBucket(rate, burst, clock=clock, sleep=clock.sleep), clock


# --- TokenBucket -------------------------------------------------------------------------------------------------


def test_bucket_starts_full_and_then_waits_at_the_rate() -> None:
    b, clock = bucket(rate=2.0, burst=3)
    assert [b.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert clock.sleeps == []
    assert b.wait_time() == pytest.approx(0.5)
    assert b.acquire() == pytest.approx(0.5)
    assert clock.sleeps == [pytest.approx(0.5)]
    assert b.wait_time(2) == pytest.approx(1.0)


def test_bucket_refills_with_time_but_never_above_burst() -> None:
    b, clock = bucket(rate=1.0, burst=2)
    b.acquire()
    b.acquire()
    clock.now += 60
    assert b.wait_time(2) == 0.0
    b.acquire(2)
    assert b.wait_time() == pytest.approx(1.0)


def test_wait_time_has_no_side_effect() -> None:
    b, _ = bucket(rate=1.0, burst=1)
    assert b.wait_time() == 0.0
    assert b.wait_time() == 0.0
    assert b.acquire() == 0.0
    assert b.wait_time() == pytest.approx(1.0)


def test_penalize_blocks_for_the_given_seconds_then_refills_from_empty() -> None:
    b, clock = bucket(rate=2.0, burst=5)
    b.penalize(10.0)
    assert b.wait_time() == pytest.approx(10.5)
    waited = b.acquire()
    assert waited == pytest.approx(10.5)
    assert clock.now == pytest.approx(110.5)
    assert b.wait_time() == pytest.approx(0.5)


def test_penalize_does_not_shorten_an_existing_block() -> None:
    b, _ = bucket(rate=1.0, burst=1)
    b.penalize(30)
    b.penalize(5)
    assert b.wait_time() == pytest.approx(31.0)


def test_bucket_rejects_bad_settings_and_oversized_requests() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0, 1)
    with pytest.raises(ValueError):
        TokenBucket(1, 0)
    b, _ = bucket(rate=1.0, burst=2)
    with pytest.raises(ValueError):
        b.acquire(3)


def test_bucket_hands_out_each_token_once_across_threads() -> None:
    """Many threads draining a bucket with a frozen clock: exactly `burst` succeed without waiting."""
    lock = threading.Lock()
    clock = FakeClock()
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        with lock:
            sleeps.append(seconds)
            clock.now += seconds

    b = TokenBucket(1000.0, 50, clock=clock, sleep=sleep)
    waits: list[float] = []

    def worker() -> None:
        for _ in range(10):
            w = b.acquire()
            with lock:
                waits.append(w)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(waits) == 80
    assert sum(1 for w in waits if w == 0.0) >= 50
    # 30 tokens beyond the burst at 1000/s: the clock moved at least 30 ms in total.
    assert clock.now - 100.0 >= 0.030 - 1e-9


# --- Retry-After ---------------------------------------------------------------------------------------------------


def test_retry_after_delta_seconds_any_case() -> None:
    assert retry_after({"Retry-After": "7"}) == 7.0
    assert retry_after({"retry-after": " 2.5 "}) == 2.5
    assert retry_after(httpx.Headers({"RETRY-AFTER": "0"})) == 0.0


def test_retry_after_http_date_relative_to_now() -> None:
    now = datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC)
    assert retry_after({"Retry-After": "Mon, 05 Jan 2026 12:00:30 GMT"}, now=now) == pytest.approx(30.0)
    assert retry_after({"Retry-After": "Mon, 05 Jan 2026 11:00:00 GMT"}, now=now) == 0.0


@pytest.mark.parametrize("value", ["soon", "-3", "", "nan"])
def test_retry_after_unreadable_is_none(value: str) -> None:
    assert retry_after({"Retry-After": value}) is None


def test_retry_after_absent_is_none() -> None:
    assert retry_after({}) is None


# --- request ids, check_response --------------------------------------------------------------------------------


def test_request_id_from_any_known_header() -> None:
    for name in REQUEST_ID_HEADERS:
        assert request_id(httpx.Response(200, headers={name: "rid-1"})) == "rid-1"
    assert request_id(httpx.Response(200)) is None


def test_check_response_passes_2xx_through() -> None:
    response = httpx.Response(204)
    assert check_response(response, what="x") is response


@pytest.mark.parametrize(
    ("status", "cls", "action"),
    [
        (400, RecordError, Action.DEAD_LETTER),
        (401, ConfigError, Action.STOP_CONNECTION),
        (403, ConfigError, Action.STOP_CONNECTION),
        (404, RecordError, Action.DEAD_LETTER),
        (422, RecordError, Action.DEAD_LETTER),
        (429, RateLimited, Action.RATE_LIMITED),
        (500, TransientError, Action.RETRY),
        (502, TransientError, Action.RETRY),
        (504, TransientError, Action.RETRY),
    ],
)
def test_check_response_maps_status_through_the_error_table(status: int, cls: type, action: Action) -> None:
    response = httpx.Response(status, headers={"X-Request-Id": "abc-123"}, text='{"errors":"nope"}')
    with pytest.raises(cls) as info:
        check_response(response, what="shopify orders")
    error = info.value
    assert error.code == f"http_{status}"
    assert error.status == status
    assert error.request_id == "abc-123"
    assert error.message.startswith(f"shopify orders: HTTP {status} (request id abc-123): ")
    assert "nope" in error.message
    assert decide(error).action is action


def test_check_response_carries_retry_after_on_429_and_503() -> None:
    with pytest.raises(RateLimited) as info:
        check_response(httpx.Response(429, headers={"Retry-After": "4"}), what="w")
    assert info.value.retry_after == 4.0
    with pytest.raises(RateLimited) as info503:
        check_response(httpx.Response(503, headers={"Retry-After": "9"}), what="w")
    assert info503.value.retry_after == 9.0
    assert decide(info503.value).delay == 9.0


def test_check_response_redacts_secrets_and_truncates() -> None:
    body = (
        '{"error":"invalid","access_token":"shpat_0123456789abcdef","client_secret":"s3cr3t-value",'
        '"detail":"Authorization: Bearer eyJhbGciOi.abc.def"} ' + "x" * 1000
    )
    with pytest.raises(ConfigError) as info:
        check_response(httpx.Response(401, text=body), what="w")
    message = info.value.message
    for secret in ("shpat_0123456789abcdef", "s3cr3t-value", "eyJhbGciOi.abc.def"):
        assert secret not in message
    assert "invalid" in message
    assert len(message) < 400
    assert "request id" not in message


# --- call ------------------------------------------------------------------------------------------------------------


def client_for(handler) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler), base_url="https://shop.example.test")


def test_call_returns_a_2xx_response_and_takes_a_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"orders": []})

    b, _ = bucket(rate=1.0, burst=1)
    with client_for(handler) as client:
        response = call(client, "GET", "/admin/orders.json", what="orders", bucket=b, params={"limit": 5})
    assert read_json(response, what="orders") == {"orders": []}
    assert seen[0].url.params["limit"] == "5"
    assert b.wait_time() == pytest.approx(1.0)


def test_call_on_429_penalizes_the_bucket_by_retry_after() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "12", "X-Shopify-Request-Id": "r9"})

    b, _ = bucket(rate=10.0, burst=10)
    with client_for(handler) as client, pytest.raises(RateLimited) as info:
        call(client, "GET", "/x", what="orders", bucket=b)
    assert info.value.retry_after == 12.0
    assert info.value.request_id == "r9"
    assert b.wait_time() == pytest.approx(12.1)


def test_call_on_429_without_retry_after_penalizes_one_second() -> None:
    b, _ = bucket(rate=10.0, burst=10)
    with client_for(lambda r: httpx.Response(429)) as client, pytest.raises(RateLimited):
        call(client, "GET", "/x", what="orders", bucket=b)
    assert b.wait_time() == pytest.approx(1.1)


def test_call_on_429_without_retry_after_blocks_a_slow_bucket_for_one_refill() -> None:
    b, _ = bucket(rate=1 / 180, burst=20)  # SP-API searchOrders: one token every three minutes
    with client_for(lambda r: httpx.Response(429)) as client, pytest.raises(RateLimited):
        call(client, "GET", "/x", what="orders", bucket=b)
    assert b.wait_time() == pytest.approx(360.0)  # the 180 s block, then 180 s to refill one token from empty


def test_call_maps_timeouts_and_transport_failures_to_transient_errors() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with client_for(timeout) as client, pytest.raises(TransientError) as info:
        call(client, "GET", "/x", what="orders")
    assert info.value.code == "timeout"
    assert decide(info.value).action is Action.RETRY
    with client_for(refused) as client, pytest.raises(TransientError) as info2:
        call(client, "POST", "/x", what="fulfillment", json={})
    assert info2.value.code == "transport"
    assert "fulfillment" in info2.value.message


def test_read_json_rejects_non_json_with_a_decode_error() -> None:
    with pytest.raises(DecodeError) as info:
        read_json(httpx.Response(200, text="<html>maintenance</html>"), what="listing")
    assert info.value.code == "bad_json"
    assert "listing" in info.value.message
    assert "<html>" in info.value.message


def test_read_json_exact_keeps_money_as_decimal() -> None:
    response = httpx.Response(200, content=b'{"price": 19.99, "quantity": 3}')
    assert read_json(response, what="order", exact=True) == {"price": Decimal("19.99"), "quantity": 3}
    assert isinstance(read_json(response, what="order")["price"], float)
    with pytest.raises(DecodeError) as info:
        read_json(httpx.Response(200, content=b"{bad"), what="order", exact=True)
    assert info.value.code == "bad_json"
