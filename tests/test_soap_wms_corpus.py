"""The real Peoplevox WSDL (../shared/corpus/soap, MPL-2.0, read in place, never copied): the hardened client
loads it, it offers what the `peoplevox` profile uses with the message shapes of our own WSDL, and the adapter
driven by it works against the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.soap_wms import SoapOrderSink, SoapPoller, SoapWmsConfig
from adapters.soap_wms.client import SoapClient, load_client, transport_for
from adapters.soap_wms.profile import load_profile
from fixtures.soap_wms.peoplevox_sim import PeoplevoxSimulator
from hub.plugins.messages import Cursor
from tests.conftest import CORPUS
from tests.test_soap_wms_client import PASSWORD, PVX_WSDL, context, pvx_options, release, release_body

WSDL = CORPUS / "soap" / "peoplevox-integrationservicev4.wsdl"
BINDING = "{http://www.peoplevox.net/}IntegrationServiceV4Soap"

pytestmark = pytest.mark.skipif(not WSDL.is_file(), reason=f"corpus WSDL absent: {WSDL} (../shared/corpus)")


@pytest.fixture
def sim() -> Iterator[PeoplevoxSimulator]:
    simulator = PeoplevoxSimulator(client_id="acme", username="hub", password=PASSWORD)
    simulator.start()
    simulator.set_stock("MUG-BLUE", 10)
    try:
        yield simulator
    finally:
        simulator.stop()


def signatures(wsdl: str) -> dict[str, Any]:
    config = SoapWmsConfig(**pvx_options("http://127.0.0.1:9/x", wsdl=wsdl))
    client = load_client(wsdl, transport_for(config))
    operations = client.wsdl.bindings[BINDING]._operations
    return {name: op.input.signature() + " -> " + op.output.signature() for name, op in operations.items()}


def test_the_vendor_wsdl_loads_hardened_and_has_what_the_profile_uses() -> None:
    vendor = signatures(str(WSDL))
    profile = load_profile("peoplevox")
    used = {profile.session.login, *(s.operation for s in [*profile.release, *profile.cancel])}
    used |= {profile.despatches.operation, profile.stock.operation}
    assert used <= set(vendor)
    assert {"GetReportData", "GetSaveTemplate", "SubscribeEvent"} <= set(vendor)  # the rest of the real service


def test_our_wsdl_has_the_vendor_shapes() -> None:
    vendor, ours = signatures(str(WSDL)), signatures(PVX_WSDL)
    for operation in ("Authenticate", "GetData", "SaveData"):
        assert ours[operation] == vendor[operation], operation


def test_the_adapter_driven_by_the_vendor_wsdl_talks_to_the_simulator(sim: PeoplevoxSimulator) -> None:
    options = pvx_options(sim.url, wsdl=str(WSDL))
    SoapOrderSink(SoapWmsConfig(**options), context()).deliver(release(release_body()))
    assert list(sim.released) == ["ord_1001"]
    sim.add_despatch("ord_1001", [("MUG-BLUE", 2)], tracking="T1", at=datetime.now(UTC) - timedelta(minutes=1))
    poller = SoapPoller(SoapWmsConfig(**options), context())
    (message,) = poller.poll(Cursor(), limit=5).messages
    (shipment,) = poller.parse(message).documents
    assert shipment.order_external_id == "ord_1001" and shipment.lines[0].quantity == 2
    client = SoapClient(SoapWmsConfig(**options), load_profile("peoplevox"))
    assert client.address == sim.url  # the endpoint option wins over the WSDL's peoplevox.net address
