"""sftp_wms passes the adapter conformance kit (local-folder source); shipment fixtures validate too."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from adapters.sftp_wms import ADAPTER
from adapters.sftp_wms.poller import SftpPoller
from hub.plugins.capabilities import Capability
from hub.testing import checks
from hub.testing.conformance import AdapterConformance, Fixture
from hub.testing.harness import ConfigInput, connection_context

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sftp_wms"
INBOUND = [
    {"pattern": "SHP_*.csv", "layout": "sftp_wms/northwind/shipments.layout"},
    {"pattern": "STK_*.txt", "layout": "sftp_wms/northwind/stock.layout"},
    {"pattern": "RCV_*.dat", "layout": "sftp_wms/northwind/receipts.layout"},
    {"pattern": "DISPATCH_*.xml", "layout": "sftp_wms/harbor/shipments.layout"},
    {"pattern": "STOCK_*.csv", "layout": "sftp_wms/harbor/stock.layout"},
]
OPTIONS: dict[str, Any] = {
    "local_root": "/srv/drop",
    "inbound": INBOUND,
    "order_layout": "sftp_wms/northwind/orders.layout",
    "stable_seconds": 0,
    "password": "not-used-for-a-local-folder",
}


class TestSftpWmsConformance(AdapterConformance):
    adapter = ADAPTER
    valid_options = OPTIONS
    invalid_options = {**OPTIONS, "port": 70000}
    invalid_fields = ["port"]
    fixtures_dir = FIXTURES / "inbound"
    malformed_fixtures = sorted((FIXTURES / "malformed").iterdir())
    _drop: Path | None = None

    def poll_source(self) -> SftpPoller:
        """A poller on one local drop folder holding the inbound fixtures (files move to archive/ as committed)."""
        if TestSftpWmsConformance._drop is None:
            root = Path(tempfile.mkdtemp(prefix="sftp-wms-conformance-"))
            (root / "from_wms").mkdir()
            for path in (FIXTURES / "inbound").iterdir():
                shutil.copy(path, root / "from_wms" / path.name)
            TestSftpWmsConformance._drop = root
        inputs = ConfigInput.split(ADAPTER, {**OPTIONS, "local_root": str(TestSftpWmsConformance._drop)})
        config = inputs.build(ADAPTER)
        return ADAPTER.build(Capability.POLLER, config, connection_context(TestSftpWmsConformance._drop))

    @classmethod
    def teardown_class(cls) -> None:
        if cls._drop is not None:
            shutil.rmtree(cls._drop, ignore_errors=True)
            cls._drop = None


def test_shipment_confirmations_validate_and_carry_the_channel(tmp_path: Path) -> None:
    fixtures = [Fixture.read(p) for p in sorted((FIXTURES / "shipments").iterdir())]
    assert checks.check_records(ADAPTER, OPTIONS, fixtures, tmp_path) == 2
