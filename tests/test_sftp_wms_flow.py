"""The golden SFTP 3PL flow through the hub, on SQLite and PostgreSQL, over a real sshd and a local folder:
an order allocated to the 3PL is written as a file; the 3PL's confirmation becomes a shipment; its stock
snapshot updates the ledger. Faults: the server killed mid-poll, the same file dropped again."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from sqlalchemy import func, select

from adapters.sftp_wms import ADAPTER
from adapters.sftp_wms.sftp import connect
from hub.allocation.ledger import set_node, set_on_hand
from hub.context import HubContext
from hub.outbox.worker import OutboxWorker
from hub.pipeline.ingest import ingest_bytes
from hub.pipeline.runner import Pipeline
from hub.plugins.capabilities import Capability
from hub.scheduler.polling import poll_connection
from hub.store.connections import ConnectionRecord, add_connection
from hub.store.db import read_only
from hub.store.tables import inbox, orders, shipments, stock_levels
from tests.support.sshd import SshServer, sshd_server_fixture  # noqa: F401 - the session fixture

ORDER_CSV = (
    "order_id,placed_at,currency,ship_name,ship_country,ship_postal_code,ship_city,sku,quantity,unit_price\n"
    "SFTP-1001,2024-05-03T09:00:00Z,GBP,Ada Lovelace,GB,SW1Y 4JH,London,SKU-A,2,10.00\n"
    "SFTP-1001,2024-05-03T09:00:00Z,GBP,Ada Lovelace,GB,SW1Y 4JH,London,SKU-B,1,4.00\n"
)
CONFIRMATION = (
    b"ShipmentId,OrderRef,Warehouse,ShipDate,LineNo,SKU,QtyShipped,Parcel,Carrier,TrackingNo\r\n"
    b"NW-SHP-0001,SFTP-1001,NWL1,2024-05-03 14:15,1,SKU-A,2,P1,DHL,JD014600006271409612\r\n"
    b"NW-SHP-0001,SFTP-1001,NWL1,2024-05-03 14:15,2,SKU-B,1,P1,DHL,JD014600006271409612\r\n"
)
Drop = tuple[Path, dict[str, Any], dict[str, str], Any]  # 3PL's folder, options, secrets by env var, sshd or None
INBOUND = [
    {"pattern": "SHP_*.csv", "layout": "sftp_wms/northwind/shipments.layout"},
    {"pattern": "STK_*.txt", "layout": "sftp_wms/northwind/stock.layout"},
]


@pytest.fixture(params=["local", "sftp"])
def drop(request: pytest.FixtureRequest, tmp_path: Path) -> Drop:
    """(folder the 3PL sees, connection options, secrets by env var, the sshd or None)."""
    return _drop(request, tmp_path, request.param)


@pytest.fixture
def sftp_drop(request: pytest.FixtureRequest, tmp_path: Path) -> Drop:
    return _drop(request, tmp_path, "sftp")


def _drop(
    request: pytest.FixtureRequest, tmp_path: Path, kind: str
) -> tuple[Path, dict[str, Any], dict[str, str], Any]:
    folder = f"flow-{tmp_path.name}"  # one per test on the shared server
    options: dict[str, Any] = {
        "inbound": INBOUND,
        "stable_seconds": 0,
        "order_layout": "sftp_wms/northwind/orders.layout",
        "outbound_folder": f"{folder}/out",
        "inbound_folder": f"{folder}/in",
        "archive_folder": f"{folder}/in/archive",
        "error_folder": f"{folder}/in/error",
        "node": "NWL1",
    }
    if kind == "local":
        return tmp_path / "drop" / folder, {**options, "local_root": str(tmp_path / "drop")}, {}, None
    server: SshServer = request.getfixturevalue("sshd_server")
    secrets = {"NW_SFTP_KEY": server.client_key.private_openssh}
    return server.root / folder, {**options, **server.options(), "timeout_seconds": 10}, secrets, server


def _setup(ctx: HubContext, options: dict[str, Any], secrets: dict[str, str]) -> Pipeline:
    ctx.registry.register(ADAPTER)  # the lead adds the entry point; tests register the adapter directly
    ctx.environ = {**ctx.environ, **secrets}
    refs = {"private_key": "NW_SFTP_KEY"} if secrets else {}
    with ctx.engine.begin() as conn:
        add_connection(conn, ConnectionRecord(name="shop", adapter="order_files", channel="shop"))
        add_connection(
            conn,
            ConnectionRecord(
                name="northwind", adapter="sftp_wms", channel="northwind", options=options, secret_refs=refs
            ),
        )
        set_node(conn, ctx.tenant, "NWL1", priority=1, connection="northwind")
        for sku in ("SKU-A", "SKU-B"):
            set_on_hand(conn, ctx.tenant, "NWL1", sku, Decimal(100))
    return Pipeline(ctx)


def _count(ctx: HubContext, table: Any, *where: Any) -> int:
    with read_only(ctx.engine) as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _on_hand(ctx: HubContext, sku: str) -> Decimal:
    with read_only(ctx.engine) as conn:
        return conn.execute(
            select(stock_levels.c.on_hand).where(stock_levels.c.node == "NWL1", stock_levels.c.sku == sku)
        ).scalar_one()


def _snapshot(on_hand_a: int) -> bytes:
    at = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y%m%d%H%M%S")  # counted after the hub's own figures
    return f"NWL1|SKU-A|{on_hand_a}|0|{at}\nNWL1|SKU-B|55|0|{at}\n".encode()


def _poll(ctx: HubContext, p: Pipeline) -> None:
    report = poll_connection(ctx, "northwind")
    assert report.leased and report.stopped is None, report
    p.drain()


def test_order_out_confirmation_and_stock_in(hub_ctx: HubContext, drop: Any) -> None:
    folder, options, secrets, _server = drop
    p = _setup(hub_ctx, options, secrets)
    report = ingest_bytes(p, ORDER_CSV.encode(), connection="shop", filename="orders.csv")
    assert report.status == "accepted", report.errors
    assert [d["status"] for d in report.documents] == ["allocated"]
    results = OutboxWorker(hub_ctx).drain(5)
    assert [(r.kind, r.outcome.value) for r in results] == [("order_release", "delivered")], [r.error for r in results]

    # the 3PL picks the order file up
    [order_file] = list((folder / "out").iterdir())
    rows = list(csv.DictReader(order_file.read_text().splitlines()))
    assert [(r["OrderRef"], r["LineNo"], r["SKU"], r["Qty"], r["ShipToCountry"]) for r in rows] == [
        ("SFTP-1001", "1", "SKU-A", "2", "GB"),
        ("SFTP-1001", "2", "SKU-B", "1", "GB"),
    ]
    # ... ships it, confirms, and sends its stock count
    (folder / "in").mkdir(parents=True, exist_ok=True)
    (folder / "in" / "SHP_20240503_0001.csv").write_bytes(CONFIRMATION)
    (folder / "in" / "STK_20240503.txt").write_bytes(_snapshot(97))
    _poll(hub_ctx, p)
    with read_only(hub_ctx.engine) as conn:
        [shipment] = conn.execute(select(shipments)).all()
        status = conn.execute(select(orders.c.status).where(orders.c.external_id == "SFTP-1001")).scalar_one()
    assert shipment.external_id == "NW-SHP-0001" and status == "shipped"
    assert (_on_hand(hub_ctx, "SKU-A"), _on_hand(hub_ctx, "SKU-B")) == (Decimal(97), Decimal(55))
    assert _count(hub_ctx, inbox, inbox.c.connection == "northwind", inbox.c.status == "processed") == 2
    _poll(hub_ctx, p)  # the committed files move to archive/
    assert sorted(x.name for x in (folder / "in" / "archive").iterdir()) == [
        "SHP_20240503_0001.csv",
        "STK_20240503.txt",
    ]
    assert not [x for x in (folder / "in").iterdir() if x.is_file()]

    # the 3PL drops the same confirmation again (a new mtime): kept raw, recognised, nothing applied twice
    (folder / "in" / "SHP_20240503_0001.csv").write_bytes(CONFIRMATION)
    _poll(hub_ctx, p)
    assert _count(hub_ctx, shipments) == 1
    assert _count(hub_ctx, inbox, inbox.c.connection == "northwind", inbox.c.status == "duplicate") == 1


class DropOnRead:
    """The poller's SFTP session, killed by the server as soon as a file is opened for reading."""

    def __init__(self, files: Any, server: SshServer) -> None:
        self.files = files
        self.server = server

    def open(self, path: str, mode: str) -> BinaryIO:
        handle = self.files.open(path, mode)
        self.server.drop_sessions()
        return handle

    def __getattr__(self, name: str) -> Any:
        return getattr(self.files, name)


def test_server_killed_mid_poll_then_file_read_once(hub_ctx: HubContext, sftp_drop: Any) -> None:
    folder, options, secrets, server = sftp_drop
    p = _setup(hub_ctx, options, secrets)
    (folder / "in").mkdir(parents=True, exist_ok=True)
    (folder / "in" / "STK_20240503.txt").write_bytes(_snapshot(42))
    with read_only(hub_ctx.engine) as conn:
        record = hub_ctx.connection(conn, "northwind")
    poller = hub_ctx.capability(record, Capability.POLLER)
    config = hub_ctx.config_for(record)
    working = poller.files
    poller.files = lambda: DropOnRead(connect(config), server)  # the adapter's seam: the server dies mid-read
    report = poll_connection(hub_ctx, "northwind")
    assert report.messages == 0 and report.stopped is None, report
    assert _count(hub_ctx, inbox, inbox.c.connection == "northwind") == 0
    assert (folder / "in" / "STK_20240503.txt").exists()
    poller.files = working
    _poll(hub_ctx, p)
    _poll(hub_ctx, p)
    assert _on_hand(hub_ctx, "SKU-A") == Decimal(42)
    assert _count(hub_ctx, inbox, inbox.c.connection == "northwind") == 1
    assert [x.name for x in (folder / "in" / "archive").iterdir()] == ["STK_20240503.txt"]
