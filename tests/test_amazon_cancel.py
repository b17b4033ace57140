"""Hub cancellations written back to Amazon: the order acknowledgement feed (createFeedDocument, upload, createFeed)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx
from lxml import etree
from sqlalchemy import Engine, select

from adapters.amazon.api import SpApi
from adapters.amazon.feeds import XML_CONTENT_TYPE, message_id
from adapters.amazon.simulator import UPLOAD_HOST, SellingPartnerSimulator
from adapters.amazon.sinks import AmazonShipmentSink
from hub.allocation.flows import register_allocation_actions
from hub.allocation.ledger import set_on_hand
from hub.errors import RateLimited, RecordError, TransientError
from hub.exceptions.resolve import resolve_exception
from hub.exceptions.store import list_exceptions
from hub.outbox.worker import OutboxWorker
from hub.pipeline.runner import Pipeline
from hub.plugins.messages import OutboundMessage
from hub.scheduler.polling import poll_connection
from hub.store.db import read_only
from hub.store.tables import orders
from tests.test_amazon_flow import amazon_order, hub
from tests.test_amazon_sinks import CONFIG, CONTEXT, FakeTime, api, captured_order

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "amazon"
BASE = "https://sellingpartnerapi-na.amazon.com"


def cancel_message(line_nos: list[int] | None = None, reason_code: str | None = "inventory") -> OutboundMessage:
    order = captured_order()
    wanted = line_nos or []
    lines = [line for line in order["lines"] if not wanted or line["line_no"] in wanted]
    body = {
        "order": order,
        "order_external_id": order["external_id"],
        "source": "amazon:us",
        "line_nos": wanted,
        "lines": [{"line_no": ln["line_no"], "sku": ln["sku"], "quantity": str(ln["quantity"])} for ln in lines],
        "reason": "no stock anywhere",
        "reason_code": reason_code,
        "cancelled_by": "operator",
    }
    key = "order_cancel:ord_1" + (f":lines:{','.join(map(str, wanted))}" if wanted else "")
    return OutboundMessage(id="out_9", kind="order_cancel", connection="amz", idempotency_key=key, body=body)


def acknowledgements(xml: bytes) -> list[dict]:
    """The OrderAcknowledgement messages of a feed, as read back with lxml."""
    root = etree.fromstring(xml)
    assert root.tag == "AmazonEnvelope" and root.findtext("MessageType") == "OrderAcknowledgement"
    assert root.findtext("Header/DocumentVersion") == "1.01"
    assert root.findtext("Header/MerchantIdentifier") == CONFIG.seller_id
    return [
        {
            "message_id": m.findtext("MessageID"),
            "order": m.findtext("OrderAcknowledgement/AmazonOrderID"),
            "status": m.findtext("OrderAcknowledgement/StatusCode"),
            "items": [
                (i.findtext("AmazonOrderItemCode"), i.findtext("CancelReason"))
                for i in m.findall("OrderAcknowledgement/Item")
            ],
        }
        for m in root.findall("Message")
    ]


def test_whole_order_cancellation_requests_are_exact() -> None:
    sim = SellingPartnerSimulator()
    message = cancel_message()
    feed_id = AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim)).cancel(message)

    assert [sim.operation(r) for r in sim.requests] == ["lwa", "createFeedDocument", "uploadFeedDocument", "createFeed"]
    _, document, upload, create = sim.requests
    assert (document.method, str(document.url)) == ("POST", f"{BASE}/feeds/2021-06-30/documents")
    assert json.loads(document.content) == {"contentType": "text/xml; charset=UTF-8"}
    assert document.headers["x-amz-access-token"].startswith("Atza|sim-access-")

    (document_id,) = sim.documents
    assert upload.method == "PUT" and upload.url.host == UPLOAD_HOST and document_id in upload.url.path
    assert "x-amz-access-token" not in upload.headers  # the presigned URL is the credential
    assert upload.headers["content-type"] == XML_CONTENT_TYPE

    assert (create.method, str(create.url)) == ("POST", f"{BASE}/feeds/2021-06-30/feeds")
    assert json.loads(create.content) == {
        "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "inputFeedDocumentId": document_id,
    }
    assert feed_id == sim.feeds[0]["feedId"]

    (ack,) = acknowledgements(sim.feed_content(feed_id))
    assert ack == {
        "message_id": str(message_id("order_cancel:ord_1")),
        "order": "113-5550001-0000001",
        "status": "Failure",
        "items": [("40110000000001", "NoInventory"), ("40110000000002", "NoInventory")],
    }


def test_line_cancellation_names_only_the_cancelled_items() -> None:
    sim = SellingPartnerSimulator()
    feed_id = AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim)).cancel(cancel_message([2], "customer"))
    (ack,) = acknowledgements(sim.feed_content(feed_id))
    assert ack["order"] == "113-5550001-0000001" and ack["status"] == "Failure"
    assert ack["items"] == [("40110000000002", "BuyerCanceled")]
    assert ack["message_id"] == str(message_id("order_cancel:ord_1:lines:2")) != str(message_id("order_cancel:ord_1"))


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("inventory", "NoInventory"),
        ("customer", "BuyerCanceled"),
        ("fraud", "GeneralAdjustment"),
        ("declined", "GeneralAdjustment"),
        ("other", "GeneralAdjustment"),
        (None, "GeneralAdjustment"),
    ],
)
def test_reason_codes_map_to_cancel_reasons(code: str | None, reason: str) -> None:
    sink = AmazonShipmentSink(CONFIG, CONTEXT, api=api(SellingPartnerSimulator()))
    marketplace, ack = sink.cancellation(cancel_message(reason_code=code))
    assert marketplace == "ATVPDKIKX0DER" and ack.cancel_reason == reason


def test_deliver_routes_order_cancel_and_the_sink_opts_in() -> None:
    assert "order_cancel" in AmazonShipmentSink.kinds and "shipment" in AmazonShipmentSink.kinds
    sim = SellingPartnerSimulator()
    AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim)).deliver(cancel_message([1]))
    assert len(sim.feeds) == 1 and sim.shipments == []


def test_a_line_without_an_amazon_item_id_is_a_record_error_and_nothing_is_sent() -> None:
    sim = SellingPartnerSimulator()
    message = cancel_message([2])
    message.body["order"]["attributes"]["amazon"]["items"][1]["order_item_id"] = None
    with pytest.raises(RecordError) as err:
        AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim)).deliver(message)
    assert "line 2 has no Amazon orderItemId" in err.value.message and sim.requests == []


def test_create_feed_429_is_rate_limited_for_the_outbox() -> None:
    sim = SellingPartnerSimulator()
    sim.fail("createFeed", httpx.Response(429, headers={"Retry-After": "60"}, json={"errors": []}))
    with pytest.raises(RateLimited) as err:
        AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim)).deliver(cancel_message())
    assert err.value.retry_after >= 60 and "request id sim-" in err.value.message
    assert len(sim.calls("createFeed")) == 1 and sim.feeds == []


def test_no_create_feed_token_at_hand_refuses_before_any_document_is_made() -> None:
    sim = SellingPartnerSimulator()
    client = api(sim)
    client.limits["createFeed"].penalize(120.0)  # as after a 429 with Retry-After: 120
    with pytest.raises(RateLimited) as err:
        AmazonShipmentSink(CONFIG, CONTEXT, api=client).deliver(cancel_message())
    assert err.value.retry_after is not None and err.value.retry_after >= 100
    assert sim.calls("createFeedDocument") == [] and sim.documents == {}


def test_create_feed_document_5xx_is_retried_then_transient() -> None:
    sim = SellingPartnerSimulator()
    busy = [httpx.Response(503, json={"errors": [{"code": "ServiceUnavailable"}]}) for _ in range(3)]
    sim.fail("createFeedDocument", *busy)
    time = FakeTime()
    with pytest.raises(TransientError) as err:
        AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim, time)).deliver(cancel_message())
    assert not isinstance(err.value, RateLimited) and "HTTP 503" in err.value.message
    assert len(sim.calls("createFeedDocument")) == 3 and sim.calls("uploadFeedDocument") == []
    assert time.slept == [1.0, 2.0]


def test_create_feed_document_5xx_once_then_delivered() -> None:
    sim = SellingPartnerSimulator()
    sim.fail("createFeedDocument", httpx.Response(500, json={"errors": [{"code": "InternalFailure"}]}))
    AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim)).deliver(cancel_message())
    assert len(sim.calls("createFeedDocument")) == 2 and len(sim.feeds) == 1


def test_upload_failure_is_transient_and_no_feed_is_created() -> None:
    sim = SellingPartnerSimulator()
    sim.fail("uploadFeedDocument", httpx.Response(500, text="<Error><Code>InternalError</Code></Error>"))
    with pytest.raises(TransientError) as err:
        AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim)).deliver(cancel_message())
    assert "upload" in err.value.message and sim.calls("createFeed") == []


def test_create_feed_400_is_a_record_error_with_the_request_id() -> None:
    sim = SellingPartnerSimulator()
    sim.fail("createFeed", httpx.Response(400, json={"errors": [{"code": "InvalidInput", "message": "Invalid Input"}]}))
    with pytest.raises(RecordError) as err:
        AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim)).deliver(cancel_message())
    assert err.value.code == "http_400" and "request id sim-" in err.value.message


def test_real_feeds_answers_are_read() -> None:
    names = ("createFeedDocument.201", "createFeed.202", "createFeed.request")
    files = {n: CORPUS / f"feeds_2021-06-30.{n}.json" for n in names}
    if not all(p.is_file() for p in files.values()):
        pytest.skip("../shared/corpus/amazon feeds samples are absent")
    sample = {n: json.loads(p.read_text()) for n, p in files.items()}
    sim = SellingPartnerSimulator()
    sim.fail("createFeedDocument", httpx.Response(201, json=sample["createFeedDocument.201"]))
    sim.fail("createFeed", httpx.Response(202, json=sample["createFeed.202"]))
    uploads: list[httpx.Request] = []
    presigned = httpx.URL(sample["createFeedDocument.201"]["url"])

    def transport(request: httpx.Request) -> httpx.Response:
        if request.url.host == presigned.host:
            uploads.append(request)
            return httpx.Response(200)
        return sim.handle(request)

    time = FakeTime()
    client = SpApi(
        CONFIG, client=httpx.Client(transport=httpx.MockTransport(transport)), clock=time.clock, sleep=time.sleep
    )
    feed_id = AmazonShipmentSink(CONFIG, CONTEXT, api=client).cancel(cancel_message())
    assert feed_id == sample["createFeed.202"]["feedId"]
    (upload,) = uploads
    assert upload.url == presigned and "x-amz-access-token" not in upload.headers
    (create,) = sim.calls("createFeed")
    sent = json.loads(create.content)
    assert set(sent) == set(sample["createFeed.request"])
    assert sent["inputFeedDocumentId"] == sample["createFeedDocument.201"]["feedDocumentId"]


def test_operator_cancels_a_backordered_amazon_order_through_the_hub(sqlite_engine: Engine, tmp_path: Path) -> None:
    register_allocation_actions()
    ctx = hub(sqlite_engine, tmp_path)
    with ctx.engine.begin() as conn:
        for sku in ("MUG-350-SLATE", "LID-350"):
            set_on_hand(conn, ctx.tenant, "WH1", sku, Decimal(0))
    sim = SellingPartnerSimulator([amazon_order("113-9000000-0000009", "UNSHIPPED", 60)])
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host="api.amazon.com").mock(side_effect=sim.handle)
        router.route(host="sellingpartnerapi-na.amazon.com").mock(side_effect=sim.handle)
        router.route(host=UPLOAD_HOST).mock(side_effect=sim.handle)
        poll_connection(ctx, "amz", holder="test")
        assert [o.status.value for o in Pipeline(ctx).drain()] == ["processed"]
        with read_only(ctx.engine) as conn:
            (exception,) = list_exceptions(conn, ctx.tenant, state="open", kind="backorder")
        resolve_exception(ctx, exception.id, action="cancel_order", by="test")
        results = OutboxWorker(ctx).drain(5)
    assert [(r.kind, r.outcome.value) for r in results if r.connection == "amz"] == [("order_cancel", "delivered")]
    with read_only(ctx.engine) as conn:
        row = conn.execute(select(orders.c.id, orders.c.status).where(orders.c.external_id == "113-9000000-0000009"))
        order_id, status = row.one()
    assert status == "cancelled"
    (feed,) = sim.feeds
    assert feed["feedType"] == "POST_ORDER_ACKNOWLEDGEMENT_DATA" and feed["marketplaceIds"] == ["ATVPDKIKX0DER"]
    (ack,) = acknowledgements(sim.feed_content(feed["feedId"]))
    assert ack["order"] == "113-9000000-0000009" and ack["status"] == "Failure"
    assert ack["message_id"] == str(message_id(f"order_cancel:{order_id}"))
    assert ack["items"] == [("40110000000001", "NoInventory"), ("40110000000002", "NoInventory")]
    (upload,) = sim.calls("uploadFeedDocument")
    assert "x-amz-access-token" not in upload.headers
