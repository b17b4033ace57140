"""The searchOrders poller against the simulator: windows, pagination, cursor, throttling, 5xx, bad pages, tokens."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from adapters.amazon.api import SEARCH_ORDERS, SpApi, buckets
from adapters.amazon.config import AmazonConfig
from adapters.amazon.orders import AmazonOrderPoller
from adapters.amazon.simulator import SellingPartnerSimulator
from hub.errors import ConfigError, RateLimited, TransientError
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Cursor

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "amazon"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SECRETS = {"lwa_client_id": "amzn1.application-oa2-client.sim", "lwa_client_secret": "sim-secret"}
SECRETS |= {"refresh_token": "Atzr|sim-refresh"}


class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def orders(stamps: list[str], status: str = "UNSHIPPED") -> list[dict]:
    base = json.loads((FIXTURES / "orders" / "order-1-unshipped-us.json").read_text())
    out = []
    for n, stamp in enumerate(stamps):
        order = json.loads(json.dumps(base))
        order["orderId"] = f"113-8000000-{n:07d}"
        order["lastUpdatedTime"] = stamp
        order["fulfillment"]["fulfillmentStatus"] = status
        out.append(order)
    return out


def poller(
    sim: SellingPartnerSimulator, *, now: datetime = NOW, time: FakeTime | None = None, **options: object
) -> AmazonOrderPoller:
    config = AmazonConfig(seller_id="A1SELLER", marketplace_ids=("ATVPDKIKX0DER",), **SECRETS, **options)
    time = time or FakeTime()
    client = httpx.Client(transport=httpx.MockTransport(sim.handle))
    api = SpApi(config, client=client, clock=time.clock, sleep=time.sleep)
    return AmazonOrderPoller(config, ConnectionContext("amz", "amazon:us"), api=api, clock=lambda: now)


def ids(page) -> list[str]:
    return [m.transport_id for m in page.messages]


def test_request_shape_window_and_headers() -> None:
    sim = SellingPartnerSimulator(orders(["2026-12-01T09:00:00Z"]))
    page = poller(sim).poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=10)
    assert ids(page) == ["113-8000000-0000000@2026-12-01T09:00:00Z"]
    (lwa,) = sim.calls("lwa")
    assert lwa.method == "POST" and str(lwa.url) == "https://api.amazon.com/auth/o2/token"
    (search,) = sim.calls("searchOrders")
    assert (
        search.url.host == "sellingpartnerapi-na.amazon.com"
        and search.headers["x-amz-access-token"] == sim.current_token
    )
    params = dict(search.url.params)
    assert params["lastUpdatedAfter"] == "2026-12-01T07:50:00Z"  # 10 minutes of overlap before the cursor
    assert params["lastUpdatedBefore"] == "2026-12-01T11:57:00Z"  # now minus the 3 minute lag
    assert params["fulfillmentStatuses"] == "UNSHIPPED,CANCELLED" and params["fulfilledBy"] == "MERCHANT"
    assert params["marketplaceIds"] == "ATVPDKIKX0DER" and "paginationToken" not in params
    assert page.next_cursor.lower == "2026-12-01T11:57:00Z" and not page.has_more
    assert page.messages[0].transport == "poll" and page.messages[0].headers["x-amzn-requestid"].startswith("sim-")


def test_unsorted_results_are_emitted_in_update_order_across_polls() -> None:
    stamps = [f"2026-12-01T{h:02d}:00:00Z" for h in (11, 9, 10, 8, 9)]  # not in update order
    sim = SellingPartnerSimulator(orders(stamps))
    p = poller(sim)
    page = p.poll(Cursor(lower="2026-12-01T07:00:00Z"), limit=3)
    assert [m.transport_id.split("@")[1][11:13] for m in page.messages] == ["08", "09", "09"]
    assert page.has_more and page.next_cursor.lower == "2026-12-01T09:00:00Z"
    rest = p.poll(page.next_cursor, limit=3)
    assert [m.transport_id.split("@")[1][11:13] for m in rest.messages] == ["10", "11"]
    assert not rest.has_more


def test_pagination_token_is_sent_with_the_same_parameters() -> None:
    stamps = [f"2026-12-01T09:{m:02d}:00Z" for m in range(0, 50, 2)] * 9  # 225 orders -> 3 pages of 100
    sim = SellingPartnerSimulator(orders(stamps))
    page = poller(sim).poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=500)
    assert len(page.messages) == 225 and len(set(ids(page))) == 225
    calls = sim.calls("searchOrders")
    assert len(calls) == 3
    assert "paginationToken" not in calls[0].url.params and calls[1].url.params["paginationToken"]
    for call in calls[1:]:
        same = {k: v for k, v in call.url.params.items() if k != "paginationToken"}
        assert same == dict(calls[0].url.params)


def test_overlap_catches_a_late_update_and_skips_what_was_seen() -> None:
    sim = SellingPartnerSimulator(orders(["2026-12-01T09:00:00Z"]))
    p = poller(sim)
    first = p.poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=10)
    assert len(first.messages) == 1
    # indexed late: updated before the cursor's bound but inside the overlap
    late = orders(["2026-12-01T11:55:00Z"])[0] | {"orderId": "113-8000000-LATE"}
    sim.orders.append(late)
    later = poller(sim, now=NOW + timedelta(minutes=4))
    second = later.poll(first.next_cursor, limit=10)
    assert ids(second) == ["113-8000000-LATE@2026-12-01T11:55:00Z"]
    third = later.poll(second.next_cursor, limit=10)
    assert third.messages == []


def test_window_is_capped_and_the_cursor_walks_forward() -> None:
    sim = SellingPartnerSimulator(orders(["2026-11-28T10:00:00Z", "2026-12-01T10:00:00Z"]))
    p = poller(sim, poll_window_hours=24)
    cursor = Cursor(lower="2026-11-28T00:00:00Z")
    got: list[str] = []
    for _ in range(10):
        page = p.poll(cursor, limit=10)
        got += ids(page)
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert [i.split("@")[0] for i in got] == ["113-8000000-0000000", "113-8000000-0000001"]
    assert cursor.lower == "2026-12-01T11:57:00Z"


def test_first_poll_starts_at_the_initial_lookback() -> None:
    sim = SellingPartnerSimulator([])
    poller(sim, initial_lookback_hours=6).poll(Cursor(), limit=10)
    (search,) = sim.calls("searchOrders")
    assert search.url.params["lastUpdatedAfter"] == "2026-12-01T05:50:00Z"


def test_429_penalises_the_bucket_and_raises_rate_limited_with_retry_after() -> None:
    sim = SellingPartnerSimulator(orders(["2026-12-01T09:00:00Z"]))
    sim.fail(
        "searchOrders",
        httpx.Response(429, json={"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota"}]}),
    )
    time = FakeTime()
    p = poller(sim, time=time)
    with pytest.raises(RateLimited) as err:
        p.poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=10)
    assert err.value.retry_after is not None and err.value.retry_after > 170  # one token at 0.0056/s
    assert "request id sim-" in err.value.message
    assert p.api.limits["searchOrders"].wait_time() > 170
    assert len(sim.calls("searchOrders")) == 1


def test_local_rate_limit_raises_instead_of_sleeping_for_minutes() -> None:
    sim = SellingPartnerSimulator([])
    time = FakeTime()
    limits = buckets(clock=time.clock, sleep=time.sleep)
    limits["searchOrders"].acquire(SEARCH_ORDERS.burst)  # the burst is spent
    config = AmazonConfig(seller_id="A1SELLER", marketplace_ids=("ATVPDKIKX0DER",), **SECRETS)
    api = SpApi(
        config,
        client=httpx.Client(transport=httpx.MockTransport(sim.handle)),
        limits=limits,
        clock=time.clock,
        sleep=time.sleep,
    )
    p = AmazonOrderPoller(config, ConnectionContext("amz", "amazon:us"), api=api, clock=lambda: NOW)
    with pytest.raises(RateLimited) as err:
        p.poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=10)
    assert 170 < err.value.retry_after < 180 and sim.calls("searchOrders") == []


def test_5xx_burst_is_retried_with_backoff_then_succeeds() -> None:
    sim = SellingPartnerSimulator(orders(["2026-12-01T09:00:00Z"]))
    sim.fail("searchOrders", httpx.Response(503, text="Service Unavailable"), httpx.Response(500, json={"errors": []}))
    time = FakeTime()
    page = poller(sim, time=time).poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=10)
    assert len(page.messages) == 1 and time.slept == [1.0, 2.0]


def test_5xx_that_persists_is_transient_and_keeps_the_request_id() -> None:
    sim = SellingPartnerSimulator(orders(["2026-12-01T09:00:00Z"]))
    sim.fail("searchOrders", *[httpx.Response(500, json={"errors": [{"code": "InternalFailure"}]}) for _ in range(3)])
    with pytest.raises(TransientError) as err:
        poller(sim).poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=10)
    assert err.value.code == "http_500" and "request id sim-" in err.value.message


def test_timeouts_are_transient() -> None:
    sim = SellingPartnerSimulator([])
    sim.fail("searchOrders", *[httpx.ReadTimeout("slow") for _ in range(3)])
    with pytest.raises(TransientError) as err:
        poller(sim).poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=10)
    assert err.value.code == "timeout"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>gateway</html>"),
        httpx.Response(200, json={"payload": {}}),
        httpx.Response(200, json={"orders": [{"orderId": "1"}]}),
    ],
)
def test_malformed_pages_are_transient_and_the_cursor_stays(answer: httpx.Response) -> None:
    sim = SellingPartnerSimulator([])
    sim.fail("searchOrders", answer)
    with pytest.raises(TransientError) as err:
        poller(sim).poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=10)
    assert err.value.code == "bad_page"


def test_expired_token_is_refreshed_once_and_the_call_retried() -> None:
    sim = SellingPartnerSimulator(orders(["2026-12-01T09:00:00Z"]))
    p = poller(sim)
    p.poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=10)
    sim.expire_token()
    page = p.poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=10)
    assert len(page.messages) == 1
    assert sim.tokens_issued == 2 and [r.url.path for r in sim.requests].count("/auth/o2/token") == 2


def test_a_token_still_refused_after_refresh_stops_the_connection() -> None:
    sim = SellingPartnerSimulator([])
    forbidden = {"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied."}]}
    sim.fail("searchOrders", httpx.Response(403, json=forbidden), httpx.Response(403, json=forbidden))
    with pytest.raises(ConfigError) as err:
        poller(sim).poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=10)
    assert err.value.code == "http_403" and sim.tokens_issued == 2


def test_token_is_cached_and_refreshed_before_it_expires() -> None:
    sim = SellingPartnerSimulator([])
    time = FakeTime()
    p = poller(sim, time=time)
    for _ in range(3):
        p.poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=10)
    assert sim.tokens_issued == 1
    time.now += 3600 - 299  # inside the last five minutes of the hour
    p.poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=10)
    assert sim.tokens_issued == 2


def test_refused_refresh_token_is_a_config_error_without_the_secret() -> None:
    sim = SellingPartnerSimulator([], refresh_token="Atzr|another")
    with pytest.raises(ConfigError) as err:
        poller(sim).poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=10)
    assert err.value.code == "lwa_refused" and "invalid_grant" in err.value.message
    assert "sim-secret" not in str(err.value) and "Atzr|sim-refresh" not in str(err.value)


def test_regions_and_sandbox_hosts() -> None:
    for region, sandbox, host in [
        ("eu", False, "sellingpartnerapi-eu.amazon.com"),
        ("fe", False, "sellingpartnerapi-fe.amazon.com"),
        ("na", True, "sandbox.sellingpartnerapi-na.amazon.com"),
    ]:
        sim = SellingPartnerSimulator([])
        poller(sim, region=region, sandbox=sandbox).poll(Cursor(lower="2026-12-01T08:00:00Z"), limit=1)
        assert sim.calls("searchOrders")[0].url.host == host
