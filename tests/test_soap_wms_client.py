"""The SOAP seam against the simulators on a loopback port: releases and cancellations through zeep, the hardened
parser, timeouts, refused connections, and every fault mapped to the error-to-action table."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.soap_wms import SoapOrderSink, SoapWmsConfig
from adapters.soap_wms.client import hardened_settings, load_client
from adapters.soap_wms.faults import SessionExpired, classify
from adapters.soap_wms.profile import FaultRule, load_profile
from fixtures.soap_wms.peoplevox_sim import PeoplevoxSimulator
from fixtures.soap_wms.plain_sim import PlainWarehouseSimulator
from hub.errors import ConfigError, RecordError, TransientError
from hub.outbox.actions import Action, decide
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import OutboundMessage

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "soap_wms"
PVX_WSDL = str(FIXTURES / "wsdl" / "peoplevox_like.wsdl")
PLAIN_WSDL = str(FIXTURES / "wsdl" / "plain_warehouse.wsdl")
PASSWORD = "s3cret-Pvx!"
API_KEY = "k3y-Plain-42"


def pvx_options(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "profile": "peoplevox",
        "wsdl": PVX_WSDL,
        "endpoint": url,
        "node": "BER",
        "client_id": "acme",
        "username": "hub",
        "password": PASSWORD,
        "lag_seconds": 0,
        **extra,
    }


def plain_options(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "profile": "plain_warehouse",
        "wsdl": PLAIN_WSDL,
        "endpoint": url,
        "node": "AMS",
        "api_key": API_KEY,
        "lag_seconds": 0,
        **extra,
    }


def context(name: str = "wms", channel: str = "wms") -> ConnectionContext:
    return ConnectionContext(connection=name, channel=channel)


def release_body(order_id: str = "ord_1001", *, sku: str = "MUG-BLUE", quantity: str = "2") -> dict[str, Any]:
    """The body the hub queues for an order release (hub.allocation.releases), trimmed to what matters."""
    return {
        "id": order_id,
        "source": "shop",
        "external_id": "1001",
        "revision": 1,
        "status": "allocated",
        "currency": "EUR",
        "ship_to": {"name": "Ada Lovelace", "country_code": "DE", "postal_code": "10115", "city": "Berlin"},
        "lines": [{"line_no": 1, "sku": sku, "quantity": quantity, "uom": "EA", "unit_price": "9.90"}],
        "node": "BER",
        "shipment": {"number": 1, "of": 1, "node": "BER", "carrier": {"carrier": "DHL", "service": "parcel"}},
    }


def release(body: dict[str, Any], attempt: int = 1) -> OutboundMessage:
    return OutboundMessage(
        id="out_1",
        kind="order_release",
        connection="wms",
        idempotency_key=f"order_release:{body['id']}:r1",
        body=body,
        attempt=attempt,
    )


@pytest.fixture
def pvx() -> Iterator[PeoplevoxSimulator]:
    sim = PeoplevoxSimulator(client_id="acme", username="hub", password=PASSWORD)
    sim.start()
    sim.set_stock("MUG-BLUE", 10)
    sim.set_stock("TSHIRT-RED-M", 5)
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def plain() -> Iterator[PlainWarehouseSimulator]:
    sim = PlainWarehouseSimulator(api_key=API_KEY)
    sim.start()
    sim.set_stock("MUG-BLUE", 10)
    try:
        yield sim
    finally:
        sim.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pvx_sink(url: str, **extra: Any) -> SoapOrderSink:
    return SoapOrderSink(SoapWmsConfig(**pvx_options(url, **extra)), context())


# -- releases and cancellations --------------------------------------------------------------------------------


def test_peoplevox_release_logs_in_then_saves_order_and_items(pvx: PeoplevoxSimulator) -> None:
    pvx_sink(pvx.url).deliver(release(release_body()))
    assert pvx.calls == ["Authenticate", "SaveData", "SaveData"]
    order = pvx.released["ord_1001"]
    assert order["ShippingAddressCountry"] == "DE" and order["CustomerPurchaseOrderReferenceNumber"] == "1001"
    assert order["ServiceType"] == "parcel"
    assert order["items"] == {
        "1": {
            "SalesOrderNumber": "ord_1001",
            "ItemCode": "MUG-BLUE",
            "QuantityOrdered": "2",
            "Line": "1",
            "SalePrice": "9.90",
        }
    }


def test_a_resent_release_leaves_one_order(pvx: PeoplevoxSimulator) -> None:
    sink = pvx_sink(pvx.url)
    sink.deliver(release(release_body()))
    sink.deliver(release(release_body(), attempt=2))
    assert list(pvx.released) == ["ord_1001"] and len(pvx.released["ord_1001"]["items"]) == 1
    assert pvx.calls.count("Authenticate") == 1  # the session is kept between calls


def test_expired_session_is_renewed_once(pvx: PeoplevoxSimulator) -> None:
    sink = pvx_sink(pvx.url)
    sink.deliver(release(release_body("ord_1")))
    pvx.expire_sessions()
    sink.deliver(release(release_body("ord_2")))
    assert pvx.calls == ["Authenticate", "SaveData", "SaveData", "SaveData", "Authenticate", "SaveData", "SaveData"]
    assert set(pvx.released) == {"ord_1", "ord_2"}


def test_cancel_sends_a_cancelled_sales_order_row(pvx: PeoplevoxSimulator) -> None:
    sink = pvx_sink(pvx.url)
    sink.deliver(release(release_body()))
    sink.cancel(release_body(), reason="customer changed their mind")
    assert pvx.state.cancelled == {"ord_1001"}
    with pytest.raises(RecordError) as info:
        sink.cancel(release_body("ord_unknown"))
    assert "does not exist" in info.value.message and info.value.location.field == "ord_unknown"


def test_plain_release_and_cancel_carry_the_api_key(plain: PlainWarehouseSimulator) -> None:
    sink = SoapOrderSink(SoapWmsConfig(**plain_options(plain.url)), context())
    sink.deliver(release(release_body()))
    assert plain.released["ord_1001"]["lines"] == [{"line_no": "1", "sku": "MUG-BLUE", "quantity": "2"}]
    assert plain.released["ord_1001"]["carrier"] == "DHL"
    sink.cancel(release_body())
    assert plain.state.cancelled == {"ord_1001"}
    with pytest.raises(RecordError) as info:
        sink.cancel(release_body("ord_404"))
    assert info.value.code == "soap_refused:UNKNOWN_ORDER" and info.value.location.field == "ord_404"


def test_other_kinds_are_refused(pvx: PeoplevoxSimulator) -> None:
    message = OutboundMessage(id="o", kind="transfer", connection="wms", idempotency_key="t", body={})
    with pytest.raises(RecordError):
        pvx_sink(pvx.url).deliver(message)
    assert pvx.calls == []


# -- faults, timeouts, refused connections ------------------------------------------------------------------


def test_wrong_password_stops_the_connection(pvx: PeoplevoxSimulator) -> None:
    with pytest.raises(ConfigError) as info:
        pvx_sink(pvx.url, password="wrong").deliver(release(release_body()))
    assert decide(info.value).action is Action.STOP_CONNECTION
    assert "wrong" not in str(info.value) and PASSWORD not in str(info.value)
    assert pvx.released == {}


def test_busy_server_is_retried_later(pvx: PeoplevoxSimulator) -> None:
    sink = pvx_sink(pvx.url)
    pvx.fail_next("busy", operation="SaveData")
    with pytest.raises(TransientError) as info:
        sink.deliver(release(release_body()))
    assert decide(info.value).action is Action.RETRY and info.value.code == "soap_busy:soap_Server"
    sink.deliver(release(release_body(), attempt=2))
    assert list(pvx.released) == ["ord_1001"]


def test_refused_order_data_is_dead_lettered(pvx: PeoplevoxSimulator) -> None:
    with pytest.raises(RecordError) as info:
        pvx_sink(pvx.url).deliver(release(release_body(sku="NOT-IN-WMS")))
    assert decide(info.value).action is Action.DEAD_LETTER
    assert "item code 'NOT-IN-WMS' does not exist" in info.value.message
    assert info.value.location.field == "ord_1001"


@pytest.mark.parametrize(
    ("kind", "error", "action"),
    [
        ("auth", ConfigError, Action.STOP_CONNECTION),
        ("busy", TransientError, Action.RETRY),
        ("data", RecordError, Action.DEAD_LETTER),
    ],
)
def test_plain_faults_follow_the_profile_rules(
    plain: PlainWarehouseSimulator, kind: str, error: type[Exception], action: Action
) -> None:
    sink = SoapOrderSink(SoapWmsConfig(**plain_options(plain.url)), context())
    plain.fail_next(kind)
    with pytest.raises(error) as info:
        sink.deliver(release(release_body()))
    assert decide(info.value).action is action
    assert plain.released == {}


def test_slow_server_times_out_and_the_retry_does_not_duplicate(pvx: PeoplevoxSimulator) -> None:
    sink = pvx_sink(pvx.url, operation_timeout=0.3)
    sink.deliver(release(release_body("ord_warmup")))  # log in first
    pvx.slow_next(1.5, operation="SaveData")
    with pytest.raises(TransientError) as info:
        sink.deliver(release(release_body()))
    assert info.value.code == "soap_timeout"
    sink.deliver(release(release_body(), attempt=2))
    assert sorted(pvx.released) == ["ord_1001", "ord_warmup"] and len(pvx.released["ord_1001"]["items"]) == 1


def test_server_down_is_transient() -> None:
    sink = pvx_sink(f"http://127.0.0.1:{free_port()}/resources/integrationservicev4.asmx")
    with pytest.raises(TransientError) as info:
        sink.deliver(release(release_body()))
    assert info.value.code == "soap_unreachable" and decide(info.value).action is Action.RETRY


def test_an_answer_with_a_dtd_is_refused(plain: PlainWarehouseSimulator) -> None:
    sink = SoapOrderSink(SoapWmsConfig(**plain_options(plain.url)), context())
    plain.fail_next("dtd")
    with pytest.raises(ConfigError) as info:
        sink.deliver(release(release_body()))
    assert info.value.code == "soap_xml_forbidden"


# -- hardening and configuration -------------------------------------------------------------------------------


def test_settings_forbid_dtds_entities_external_and_huge_trees() -> None:
    s = hardened_settings()
    assert (s.forbid_dtd, s.forbid_entities, s.forbid_external, s.xml_huge_tree, s.strict) == (
        True,
        True,
        True,
        False,
        True,
    )


def test_a_wsdl_with_an_entity_is_refused(tmp_path: Path) -> None:
    text = Path(PLAIN_WSDL).read_text(encoding="utf-8")
    evil = tmp_path / "evil.wsdl"
    evil.write_text(
        text.replace('<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY e "x">]>'),
        encoding="utf-8",
    )
    from adapters.soap_wms.client import transport_for

    config = SoapWmsConfig(**plain_options("http://127.0.0.1:9/x", wsdl=str(evil)))
    with pytest.raises(ConfigError) as info:
        load_client(str(evil), transport_for(config))
    assert info.value.code == "soap_wsdl_forbidden"


def test_every_call_has_a_timeout() -> None:
    from adapters.soap_wms.client import transport_for

    config = SoapWmsConfig(**pvx_options("http://127.0.0.1:9/x", operation_timeout=7, connect_timeout=2))
    assert transport_for(config).operation_timeout == (2, 7)


def test_config_refuses_remote_wsdl_and_missing_files() -> None:
    for wsdl in ("https://example.invalid/service?wsdl", "/no/such/file.wsdl"):
        with pytest.raises(ValueError):
            SoapWmsConfig(**pvx_options("http://127.0.0.1:9/x", wsdl=wsdl))


def test_profile_whose_binding_is_not_in_the_wsdl_fails_clearly(pvx: PeoplevoxSimulator) -> None:
    with pytest.raises(ConfigError) as info:
        pvx_sink(pvx.url, wsdl=PLAIN_WSDL).deliver(release(release_body()))
    assert "has no binding {http://www.peoplevox.net/}IntegrationServiceV4Soap" in info.value.message


def test_fault_rules_first_match_wins_then_the_fault_code() -> None:
    rules = load_profile("peoplevox").faults
    assert isinstance(
        classify(rules, code="ResponseId -1", text="Invalid session", default="record", what="x"), SessionExpired
    )
    assert isinstance(
        classify(rules, code="ResponseId -1", text="Server busy", default="record", what="x"), TransientError
    )
    refused = classify(rules, code="ResponseId -1", text="Error: bad postcode", default="transient", what="x")
    assert type(refused) is RecordError
    custom = [FaultRule(action="config", code="^soap:Client LOCKED$")]
    assert isinstance(classify(custom, code="soap:Client LOCKED", text="", default="record", what="x"), ConfigError)
    assert type(classify(custom, code="soap:Client OTHER", text="", default="record", what="x")) is RecordError


def test_no_secret_in_logs_or_repr(pvx: PeoplevoxSimulator, caplog: pytest.LogCaptureFixture) -> None:
    import base64
    import logging

    caplog.set_level(logging.DEBUG)
    sink = pvx_sink(pvx.url)
    sink.deliver(release(release_body()))
    encoded = base64.b64encode(PASSWORD.encode()).decode()
    assert pvx.calls[0] == "Authenticate"
    assert PASSWORD not in caplog.text and encoded not in caplog.text
    assert PASSWORD not in repr(sink.config) and PASSWORD not in str(sink.config.model_dump())
