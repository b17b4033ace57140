"""The SOAP WMS adapter against the plugin contract (the conformance kit), its poller wired to the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.soap_wms import ADAPTER, SoapPoller, SoapWmsConfig
from fixtures.soap_wms.peoplevox_sim import PeoplevoxSimulator
from hub.testing.conformance import AdapterConformance
from hub.testing.harness import connection_context
from tests.test_soap_wms_client import FIXTURES, PASSWORD, PVX_WSDL, pvx_options

_SIM = PeoplevoxSimulator(client_id="acme", username="hub", password=PASSWORD)


@pytest.fixture(scope="module", autouse=True)
def _simulator() -> Iterator[None]:
    _SIM.start()
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    for n in range(7):  # two pairs share a second: the boundary ids matter
        _SIM.add_despatch(f"ord_{n}", [("MUG-BLUE", 1)], tracking=f"T{n}", at=start + timedelta(seconds=n // 2))
    try:
        yield
    finally:
        _SIM.stop()


class TestSoapWmsConformance(AdapterConformance):
    adapter = ADAPTER
    valid_options: dict[str, Any] = {
        "wsdl": PVX_WSDL,
        "endpoint": "http://127.0.0.1:9/resources/integrationservicev4.asmx",
        "node": "BER",
        "client_id": "acme",
        "username": "hub",
        "password": PASSWORD,
    }
    invalid_options: dict[str, Any] = {"wsdl": "https://example.invalid/service.wsdl", "page_size": 5000}
    invalid_fields = ("wsdl", "page_size")
    fixtures_dir = FIXTURES / "despatches"
    malformed_fixtures = sorted((FIXTURES / "malformed").glob("*.csv"))
    poll_limit = 2

    def poll_source(self) -> Any:
        config = SoapWmsConfig(**pvx_options(_SIM.url, page_size=3))
        return SoapPoller(config, connection_context(Path("/nonexistent")))

    def test_replay_adds_no_rows(self, tmp_path: Path) -> None:
        pytest.skip(
            "a despatch needs its order in the hub, which the kit's empty hub lacks; "
            "tests/test_soap_wms_flow.py::test_replayed_despatch_adds_nothing proves the replay with the order"
        )
