"""Write-backs against the simulator: the exact confirmShipment and patchListingsItem requests, and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from adapters.amazon.api import SpApi
from adapters.amazon.config import AmazonConfig
from adapters.amazon.orders import AmazonOrderPoller
from adapters.amazon.simulator import SellingPartnerSimulator
from adapters.amazon.sinks import AmazonShipmentSink, AmazonStockSink
from hub.channels import SkuMap, UnknownSku
from hub.errors import ConfigError, RateLimited, RecordError
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import OutboundMessage, RawMessage

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "amazon"
SECRETS = {"lwa_client_id": "amzn1.application-oa2-client.sim", "lwa_client_secret": "sim-secret"}
SECRETS |= {"refresh_token": "Atzr|sim-refresh"}
CONFIG = AmazonConfig(seller_id="A1SELLER", marketplace_ids=("ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"), **SECRETS)
CONTEXT = ConnectionContext("amz", "amazon:us")


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def api(sim: SellingPartnerSimulator, time: FakeTime | None = None, config: AmazonConfig = CONFIG) -> SpApi:
    time = time or FakeTime()
    client = httpx.Client(transport=httpx.MockTransport(sim.handle))
    return SpApi(config, client=client, clock=time.clock, sleep=time.sleep)


def captured_order() -> dict:
    path = FIXTURES / "orders" / "order-1-unshipped-us.json"
    (order,) = AmazonOrderPoller(CONFIG, CONTEXT).parse(RawMessage(body=path.read_bytes(), connection="amz")).documents
    return order.public_dict() | {"id": "ord_1"}


def shipment_message(**shipment: object) -> OutboundMessage:
    body = {
        "order": captured_order(),
        "shipment": {
            "id": "shp_01ABC",
            "order_external_id": "113-5550001-0000001",
            "shipped_at": "2026-12-02T15:30:00Z",
            "lines": [
                {"line_no": 1, "sku": "MUG-350-SLATE", "quantity": "2"},
                {"line_no": 2, "sku": "LID-350", "quantity": "1"},
            ],
            "parcels": [{"tracking": {"carrier": "UPS", "number": "1Z999AA10123456784", "service": "UPS Ground"}}],
        }
        | shipment,
    }
    return OutboundMessage(
        id="out_1", kind="shipment", connection="amz", idempotency_key="shipment:shp_01ABC", body=body
    )


def test_confirm_shipment_request_is_exact() -> None:
    sim = SellingPartnerSimulator()
    AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim)).deliver(shipment_message())
    (request,) = sim.calls("confirmShipment")
    assert request.method == "POST"
    assert str(request.url) == (
        "https://sellingpartnerapi-na.amazon.com/orders/v0/orders/113-5550001-0000001/shipmentConfirmation"
    )
    assert request.headers["x-amz-access-token"] == sim.current_token
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "marketplaceId": "ATVPDKIKX0DER",
        "packageDetail": {
            "packageReferenceId": "shp_01ABC-1",
            "carrierCode": "UPS",
            "trackingNumber": "1Z999AA10123456784",
            "shipDate": "2026-12-02T15:30:00Z",
            "shippingMethod": "UPS Ground",
            "orderItems": [
                {"orderItemId": "40110000000001", "quantity": 2},
                {"orderItemId": "40110000000002", "quantity": 1},
            ],
        },
    }


def test_two_parcels_are_two_packages_and_unknown_carriers_are_other() -> None:
    sim = SellingPartnerSimulator()
    message = shipment_message(
        lines=[
            {"line_no": 1, "sku": "MUG-350-SLATE", "quantity": "2", "parcel_id": "P1"},
            {"line_no": 2, "sku": "LID-350", "quantity": "1", "parcel_id": "P2"},
        ],
        parcels=[
            {"parcel_id": "P1", "tracking": {"carrier": "UPS", "number": "1ZA"}},
            {"parcel_id": "P2", "tracking": {"carrier": "Speedy Couriers", "number": "SC-77"}},
        ],
    )
    AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim)).deliver(message)
    bodies = [json.loads(r.content)["packageDetail"] for r in sim.calls("confirmShipment")]
    assert [(b["packageReferenceId"], b["carrierCode"], b.get("carrierName")) for b in bodies] == [
        ("P1", "UPS", None),
        ("P2", "Other", "Speedy Couriers"),
    ]
    assert [b["orderItems"] for b in bodies] == [
        [{"orderItemId": "40110000000001", "quantity": 2}],
        [{"orderItemId": "40110000000002", "quantity": 1}],
    ]


def test_shipment_without_tracking_or_item_ids_is_a_record_error() -> None:
    sim = SellingPartnerSimulator()
    sink = AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim))
    with pytest.raises(RecordError, match="tracking"):
        sink.deliver(shipment_message(parcels=[]))
    with pytest.raises(RecordError, match="orderItemId"):
        sink.deliver(shipment_message(lines=[{"line_no": 9, "sku": "X", "quantity": "1"}]))
    assert sim.calls("confirmShipment") == []


def test_confirm_shipment_400_is_a_record_error_with_the_request_id() -> None:
    sim = SellingPartnerSimulator()
    sim.fail(
        "confirmShipment", httpx.Response(400, json={"errors": [{"code": "Invalid Input", "message": "Invalid Input"}]})
    )
    with pytest.raises(RecordError) as err:
        AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim)).deliver(shipment_message())
    assert (
        err.value.code == "http_400" and "request id sim-" in err.value.message and "Invalid Input" in err.value.message
    )


def test_confirm_shipment_429_short_retry_after_is_waited_then_delivered() -> None:
    sim = SellingPartnerSimulator()
    sim.fail("confirmShipment", httpx.Response(429, headers={"Retry-After": "1"}, json={"errors": []}))
    time = FakeTime()
    AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim, time)).deliver(shipment_message())
    assert len(sim.calls("confirmShipment")) == 2 and len(sim.shipments) == 1
    assert 1.0 <= sum(time.slept) <= 2.0  # Retry-After, then one token at 2/s


def test_confirm_shipment_repeated_429_is_rate_limited_for_the_outbox() -> None:
    sim = SellingPartnerSimulator()
    sim.fail("confirmShipment", httpx.Response(429, headers={"Retry-After": "60"}, json={"errors": []}))
    with pytest.raises(RateLimited) as err:
        AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim)).deliver(shipment_message())
    assert err.value.retry_after >= 60 and "request id sim-" in err.value.message


def test_confirm_shipment_expired_token_refreshes_once() -> None:
    sim = SellingPartnerSimulator()
    sink = AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim))
    sink.deliver(shipment_message())
    sim.expire_token()
    sink.deliver(shipment_message())
    assert sim.tokens_issued == 2 and len(sim.shipments) == 2


def test_confirm_shipment_403_for_a_missing_role_stops_the_connection() -> None:
    sim = SellingPartnerSimulator()
    denied = httpx.Response(403, json={"errors": [{"code": "Unauthorized", "message": "Access denied"}]})
    sim.fail("confirmShipment", denied, httpx.Response(403, json={"errors": [{"code": "Unauthorized"}]}))
    with pytest.raises(ConfigError):
        AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim)).deliver(shipment_message())


def stock(sku: str, available: str) -> OutboundMessage:
    body = {"sku": sku, "available": available, "as_of": "2026-12-02T10:00:00+00:00"}
    return OutboundMessage(id="out_2", kind="stock", connection="amz", idempotency_key=f"stock:amz:{sku}:1", body=body)


def test_patch_listings_item_request_is_exact() -> None:
    sim = SellingPartnerSimulator()
    table = SkuMap("amz", {"MUG 350/SLATE": "SKU-1001"})
    AmazonStockSink(CONFIG, CONTEXT, api=api(sim), skus=table).deliver(stock("SKU-1001", "12.75"))
    (request,) = sim.calls("patchListingsItem")
    assert request.method == "PATCH"
    assert request.url.raw_path.decode().split("?")[0] == "/listings/2021-08-01/items/A1SELLER/MUG%20350%2FSLATE"
    assert dict(request.url.params) == {"marketplaceIds": "ATVPDKIKX0DER,A2EUQ1WTGCTBG2", "issueLocale": "en_US"}
    assert json.loads(request.content) == {
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 12}],
            }
        ],
    }


def test_negative_availability_is_sent_as_zero() -> None:
    sim = SellingPartnerSimulator()
    AmazonStockSink(CONFIG, CONTEXT, api=api(sim)).deliver(stock("SKU-1", "-3"))
    assert sim.listings[0][3]["patches"][0]["value"][0]["quantity"] == 0


def test_invalid_listing_and_unknown_sku_are_record_errors() -> None:
    sim = SellingPartnerSimulator()
    sim.invalid_skus.add("SKU-BAD")
    sink = AmazonStockSink(CONFIG, CONTEXT, api=api(sim))
    with pytest.raises(RecordError) as err:
        sink.deliver(stock("SKU-BAD", "4"))
    assert (
        err.value.code == "listing_invalid"
        and "90000900" in err.value.message
        and "request id sim-" in err.value.message
    )
    mapped = AmazonStockSink(CONFIG, CONTEXT, api=api(sim), skus=SkuMap("amz", {"A": "SKU-1"}))
    with pytest.raises(UnknownSku):
        mapped.deliver(stock("SKU-2", "4"))


def test_corpus_listings_answers_are_understood() -> None:
    corpus = FIXTURES.parents[2] / "shared" / "corpus" / "amazon"
    invalid = corpus / "listingsItems_2021-08-01.patchListingsItem.200.sandbox-VALIDATION_INVALID.json"
    accepted = corpus / "listingsItems_2021-08-01.putListingsItem.200.example.json"
    if not invalid.is_file() or not accepted.is_file():
        pytest.skip(f"the shared corpus samples under {corpus} are absent")
    sim = SellingPartnerSimulator()
    sim.fail("patchListingsItem", httpx.Response(200, content=accepted.read_bytes()))
    sim.fail("patchListingsItem", httpx.Response(200, content=invalid.read_bytes()))
    sink = AmazonStockSink(CONFIG, CONTEXT, api=api(sim))
    sink.deliver(stock("GM-ZDPI-9B4E", "1"))
    with pytest.raises(RecordError, match="The attributes are invalid"):
        sink.deliver(stock("VALIDATION_INVALID", "1"))


def test_corpus_confirm_shipment_request_matches_ours() -> None:
    path = FIXTURES.parents[2] / "shared" / "corpus" / "amazon" / "ordersV0.confirmShipment.request.json"
    if not path.is_file():
        pytest.skip(f"the shared corpus sample {path} is absent")
    real = json.loads(path.read_text())
    sim = SellingPartnerSimulator()
    AmazonShipmentSink(CONFIG, CONTEXT, api=api(sim)).deliver(shipment_message())
    ours = json.loads(sim.calls("confirmShipment")[0].content)
    assert set(ours) <= set(real)
    assert set(ours["packageDetail"]) <= set(real["packageDetail"])
    assert set(ours["packageDetail"]["orderItems"][0]) <= set(real["packageDetail"]["orderItems"][0])
