"""sftp_wms file semantics on a local folder behind the remote-files seam: layouts, read lock, ledger, archive,
error folder, temporary name then rename, confined paths."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from adapters.sftp_wms import ADAPTER, SftpWmsConfig
from adapters.sftp_wms.layouts import LayoutSpec, LayoutWriteError, read_records, write_file
from adapters.sftp_wms.ledger import pending
from adapters.sftp_wms.paths import UnsafePath, check_folder, check_name, join
from adapters.sftp_wms.poller import SftpPoller
from adapters.sftp_wms.remote import LocalFiles, RemoteEntry
from adapters.sftp_wms.sink import SftpOrderSink
from hub.errors import ConfigError, DecodeError, MappingError
from hub.plugins.capabilities import Capability
from hub.plugins.config import build_config
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Cursor, OutboundMessage, Page

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sftp_wms"
INBOUND = [
    {"pattern": "SHP_*.csv", "layout": "sftp_wms/northwind/shipments.layout"},
    {"pattern": "STK_*.txt", "layout": "sftp_wms/northwind/stock.layout"},
    {"pattern": "RCV_*.dat", "layout": "sftp_wms/northwind/receipts.layout"},
    {"pattern": "DISPATCH_*.xml", "layout": "sftp_wms/harbor/shipments.layout"},
    {"pattern": "STOCK_*.csv", "layout": "sftp_wms/harbor/stock.layout"},
]
CONTEXT = ConnectionContext(connection="northwind", channel="northwind")


def config(root: Path, **extra: Any) -> SftpWmsConfig:
    options = {
        "local_root": str(root),
        "inbound": INBOUND,
        "stable_seconds": 0,
        "order_layout": "sftp_wms/northwind/orders.layout",
        **extra,
    }
    return build_config(SftpWmsConfig, options, {}, adapter="sftp_wms", connection="northwind")  # type: ignore[return-value]


def drop(root: Path, name: str, source: Path | bytes) -> Path:
    inbound = root / "from_wms"
    inbound.mkdir(parents=True, exist_ok=True)
    target = inbound / name
    target.write_bytes(source if isinstance(source, bytes) else source.read_bytes())
    return target


def names(page: Page) -> list[str | None]:
    return [m.filename for m in page.messages]


RELEASE = {
    "id": "ord_01",
    "external_id": "SFTP-1001",
    "node": "NWL1",
    "ship_to": {
        "name": "Ada Lovelace",
        "line1": "12 St James's Sq",
        "postal_code": "SW1Y 4JH",
        "city": "London",
        "country_code": "GB",
    },
    "lines": [
        {"line_no": 1, "sku": "SKU-A", "quantity": "2", "uom": "EA", "unit_price": "10.00"},
        {"line_no": 2, "sku": "SKU-B", "quantity": "1.5", "unit_price": "4.00"},
    ],
    "shipment": {"number": 1, "of": 1, "carrier": {"carrier": "DHL", "service": "EXPRESS"}},
}


def release(body: dict[str, Any], key: str = "order_release:ord_01:r1") -> OutboundMessage:
    return OutboundMessage(id="out_1", kind="order_release", connection="northwind", idempotency_key=key, body=body)


# -- layouts ---------------------------------------------------------------------------------------------------


def test_each_layout_reads_what_the_3pl_sent() -> None:
    poller = SftpPoller(config(Path("/nonexistent")), CONTEXT)
    from hub.plugins.messages import RawMessage

    def docs(path: Path) -> list[Any]:
        result = poller.parse(RawMessage(body=path.read_bytes(), connection="northwind", filename=path.name))
        [envelope] = result.envelopes
        return envelope.documents

    [shipment] = docs(FIXTURES / "shipments" / "SHP_20240503_0001.csv")  # csv with header, rows grouped
    assert (shipment.external_id, shipment.order_external_id, shipment.node) == ("NW-SHP-0001", "SFTP-1001", "NWL1")
    assert [(ln.sku, str(ln.quantity)) for ln in shipment.lines] == [("SKU-A", "2"), ("SKU-B", "1")]
    assert shipment.parcels[0].tracking.number == "JD014600006271409612"
    assert shipment.shipped_at.isoformat() == "2024-05-03T14:15:00+01:00"
    assert shipment.source == "northwind"
    levels = docs(FIXTURES / "inbound" / "STK_20240503.txt")  # pipe delimited, no header, a comment line
    assert [(x.node, x.sku, str(x.on_hand)) for x in levels] == [
        ("NWL1", "SKU-A", "118"),
        ("NWL1", "SKU-B", "40"),
        ("NWL1", "SKU-C", "0"),
    ]
    moves = docs(FIXTURES / "inbound" / "RCV_20240503.dat")  # fixed width with header and trailer lines
    assert [(m.sku, str(m.delta), m.kind.value, m.reference) for m in moves] == [
        ("SKU-A", "24", "receipt", "R000004711:SKU-A"),
        ("SKU-B", "6", "receipt", "R000004711:SKU-B"),
    ]
    [dispatch] = docs(FIXTURES / "shipments" / "DISPATCH_0001.xml")  # namespaced xml, attributes, repeats
    assert [(ln.line_no, ln.sku, str(ln.quantity)) for ln in dispatch.lines] == [(1, "SKU-A", "3"), (2, "SKU-C", "1.5")]
    assert (dispatch.parcels[0].parcel_id, str(dispatch.parcels[0].weight_kg)) == ("PK-1", "2.40")


@pytest.mark.parametrize(
    ("name", "error", "line"),
    [
        ("SHP_bad_date.csv", MappingError, 2),
        ("SHP_missing_columns.csv", DecodeError, 1),
        ("STK_bad_quantity.txt", MappingError, 1),
        ("RCV_too_long.dat", DecodeError, 2),
        ("DISPATCH_broken.xml", DecodeError, 1),
    ],
)
def test_bad_files_raise_typed_errors_with_file_and_line(name: str, error: type, line: int) -> None:
    from hub.plugins.messages import RawMessage

    poller = SftpPoller(config(Path("/nonexistent")), CONTEXT)
    body = (FIXTURES / "malformed" / name).read_bytes()
    with pytest.raises(error) as caught:
        poller.parse(RawMessage(body=body, connection="northwind", filename=name))
    assert (caught.value.location.file, caught.value.location.line) == (name, line)


def test_fixed_width_and_delimited_written_and_read_back() -> None:
    spec = LayoutSpec.model_validate(
        {
            "name": "t",
            "layout": "fixed",
            "mapping": "m",
            "fields": [
                {"name": "sku", "start": 1, "width": 8},
                {"name": "qty", "start": 9, "width": 5, "align": "right", "pad": "0"},
            ],
        }
    )
    data = write_file(spec, {"rows": [{"sku": "SKU-A", "qty": 12}, {"sku": "B", "qty": 3}]}, "test")
    assert data == b"SKU-A   00012\r\nB       00003\r\n"
    assert [r.data for r in read_records(spec, data, "x")] == [
        {"sku": "SKU-A", "qty": "00012"},
        {"sku": "B", "qty": "00003"},
    ]
    with pytest.raises(LayoutWriteError, match="wider"):
        write_file(spec, {"rows": [{"sku": "TOO-LONG-SKU", "qty": 1}]}, "test")
    piped = spec.model_copy(update={"layout": "delimited", "delimiter": "|", "columns": ("sku", "qty")})
    assert write_file(piped, {"rows": [{"sku": "A|B", "qty": 1}]}, "t") == b'"A|B"|1\r\n'
    latin = piped.model_copy(update={"encoding": "latin-1"})
    assert write_file(latin, {"rows": [{"sku": "Müller", "qty": 1}]}, "t") == "Müller|1\r\n".encode("latin-1")
    with pytest.raises(LayoutWriteError, match="cannot be written in the layout's latin-1"):
        write_file(latin, {"rows": [{"sku": "Łódź", "qty": 1}]}, "t")


def test_a_layout_with_an_unknown_encoding_is_refused_when_it_loads() -> None:
    with pytest.raises(ValueError, match="unknown encoding 'latin-9000'"):
        LayoutSpec.model_validate({"name": "x", "layout": "csv", "mapping": "m", "encoding": "latin-9000"})


# -- order files out ---------------------------------------------------------------------------------------------


def test_order_file_written_under_temporary_name_then_renamed(tmp_path: Path) -> None:
    seen: list[str] = []

    class Watching(LocalFiles):
        def rename(self, source: str, target: str) -> None:
            seen.append(f"{source} -> {target}; final there: {(self.root / target).exists()}")
            super().rename(source, target)

    sink = SftpOrderSink(config(tmp_path), CONTEXT, files=lambda: Watching(tmp_path))
    sink.deliver(release(RELEASE))
    [written] = list((tmp_path / "to_wms").iterdir())
    assert written.name.startswith("ORD_SFTP-1001_") and written.suffix == ".csv", written.name
    assert seen == [f"to_wms/{written.name}.part -> to_wms/{written.name}; final there: False"]
    assert written.read_text().splitlines() == [
        "OrderRef,HubOrderId,LineNo,SKU,Qty,UOM,ShipToName,ShipToLine1,ShipToPostcode,ShipToCity,ShipToCountry,"
        "Carrier,Service",
        "SFTP-1001,ord_01,1,SKU-A,2,EA,Ada Lovelace,12 St James's Sq,SW1Y 4JH,London,GB,DHL,EXPRESS",
        "SFTP-1001,ord_01,2,SKU-B,1.5,EA,Ada Lovelace,12 St James's Sq,SW1Y 4JH,London,GB,DHL,EXPRESS",
    ]
    # a re-delivery of the same release rewrites the same file: idempotent
    sink.deliver(release(RELEASE))
    assert [p.name for p in (tmp_path / "to_wms").iterdir()] == [written.name]


def test_order_without_required_field_is_a_record_error(tmp_path: Path) -> None:
    sink = SftpOrderSink(config(tmp_path), CONTEXT)
    body = {**RELEASE, "ship_to": {"name": "No Country"}}
    with pytest.raises(MappingError, match="ShipToCountry"):
        sink.deliver(release(body))
    assert not (tmp_path / "to_wms").exists() or not list((tmp_path / "to_wms").iterdir())


def test_xml_order_file(tmp_path: Path) -> None:
    sink = SftpOrderSink(
        config(tmp_path, order_layout="sftp_wms/harbor/orders.layout", order_filename="{external_id}.xml"),
        CONTEXT,
    )
    sink.deliver(release(RELEASE))
    text = (tmp_path / "to_wms" / "SFTP-1001.xml").read_text()
    assert '<Order number="SFTP-1001">' in text
    assert '<Line no="2">' in text and "<Quantity>1.5</Quantity>" in text and "<Country>GB</Country>" in text


# -- confined paths -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", ["../up", "/etc", "a/../../b", "C:\\x"])
def test_folders_outside_the_login_folder_are_refused(tmp_path: Path, folder: str) -> None:
    with pytest.raises(ConfigError, match="inbound_folder"):
        config(tmp_path, inbound_folder=folder)


@pytest.mark.parametrize("name", ["..", "../x", "/etc/passwd", "a/b", "a\\b", "x\x00y", ""])
def test_file_names_cannot_leave_their_folder(name: str) -> None:
    with pytest.raises(UnsafePath):
        check_name(name)
    assert join(check_folder("./out//"), "ok.csv") == "out/ok.csv"


def test_order_file_name_built_from_order_data_stays_in_its_folder(tmp_path: Path) -> None:
    sink = SftpOrderSink(config(tmp_path, order_filename="{external_id}.csv"), CONTEXT)
    sink.deliver(
        release({**RELEASE, "external_id": "../../etc/passwd", "ship_to": {"name": "x", "country_code": "GB"}})
    )
    [written] = list((tmp_path / "to_wms").iterdir())
    assert "/" not in written.name and not written.name.startswith("..")


def test_host_needs_pinned_key_and_credentials() -> None:
    base = {"host": "127.0.0.1", "username": "u"}
    with pytest.raises(ConfigError, match="known_host"):
        build_config(SftpWmsConfig, base, {}, adapter="sftp_wms", connection="c", environ={"P": "x"})
    with pytest.raises(ConfigError, match="password or private_key"):
        build_config(SftpWmsConfig, {**base, "known_host": "SHA256:abc"}, {}, adapter="sftp_wms", connection="c")
    with pytest.raises(ConfigError, match="exactly one"):
        build_config(SftpWmsConfig, {}, {}, adapter="sftp_wms", connection="c")


# -- the read lock, the ledger, archive and error folders -------------------------------------------------------


def test_poll_hands_over_then_archives_after_the_cursor_is_saved(tmp_path: Path) -> None:
    drop(tmp_path, "STK_20240503.txt", FIXTURES / "inbound" / "STK_20240503.txt")
    drop(tmp_path, "RCV_20240503.dat", FIXTURES / "inbound" / "RCV_20240503.dat")
    poller = SftpPoller(config(tmp_path), CONTEXT)
    first = poller.poll(Cursor(), limit=10)
    assert sorted(names(first)) == ["RCV_20240503.dat", "STK_20240503.txt"]
    assert all(m.transport == "poll" and m.transport_id and m.transport_id.count("|") == 3 for m in first.messages)
    assert sorted(p.name for p in (tmp_path / "from_wms").iterdir() if p.is_file()) == sorted(names(first))
    # the hub did not commit (crash before the commit): polling from the old cursor hands them over again
    again = SftpPoller(config(tmp_path), CONTEXT).poll(Cursor(), limit=10)
    assert sorted(names(again)) == sorted(names(first))
    # the hub committed the first page with its cursor: the next poll archives, and reads nothing twice
    saved = Cursor.from_json(first.next_cursor.to_json())
    second = SftpPoller(config(tmp_path), CONTEXT).poll(saved, limit=10)
    assert second.messages == [] and pending(second.next_cursor) == []
    assert sorted(p.name for p in (tmp_path / "from_wms" / "archive").iterdir()) == sorted(names(first))
    assert [p.name for p in (tmp_path / "from_wms").iterdir() if p.is_file()] == []


def test_pages_follow_the_limit_and_the_file_order(tmp_path: Path) -> None:
    import os

    for number in range(5):
        path = drop(tmp_path, f"STK_{number}.txt", b"NWL1|SKU-A|1|0|20240503060000\n")
        os.utime(path, (1_700_000_000 + 10 - number, 1_700_000_000 + 10 - number))  # newest first by name
    poller = SftpPoller(config(tmp_path), CONTEXT)
    cursor, seen = Cursor(), []
    while True:
        page = poller.poll(cursor, limit=2)
        seen += names(page)
        cursor = Cursor.from_json(page.next_cursor.to_json())
        if not page.has_more:
            break
    assert seen == ["STK_4.txt", "STK_3.txt", "STK_2.txt", "STK_1.txt", "STK_0.txt"]


def test_a_bad_file_goes_to_error_with_its_reason_and_its_raw_is_handed_over(tmp_path: Path) -> None:
    drop(tmp_path, "SHP_bad_date.csv", FIXTURES / "malformed" / "SHP_bad_date.csv")
    poller = SftpPoller(config(tmp_path), CONTEXT)
    page = poller.poll(Cursor(), limit=10)
    [message] = page.messages
    assert message.body == (FIXTURES / "malformed" / "SHP_bad_date.csv").read_bytes()
    poller.poll(page.next_cursor, limit=10)
    error = tmp_path / "from_wms" / "error"
    assert sorted(p.name for p in error.iterdir()) == ["SHP_bad_date.csv", "SHP_bad_date.csv.reason"]
    reason = (error / "SHP_bad_date.csv.reason").read_text()
    assert reason.startswith("mapping_error: SHP_bad_date.csv: date: '03/05/2024' does not match")


def test_temporary_empty_and_unknown_files_are_not_read(tmp_path: Path) -> None:
    body = b"NWL1|SKU-A|1|0|20240503060000\n"
    drop(tmp_path, "STK_1.txt.part", body)
    drop(tmp_path, ".STK_2.txt", body)
    drop(tmp_path, "STK_3.txt", b"")
    drop(tmp_path, "README.txt", body)
    assert SftpPoller(config(tmp_path), CONTEXT).poll(Cursor(), limit=10).messages == []


class Growing(LocalFiles):
    """The 3PL is still writing: the file grows between the poller's listings."""

    def __init__(self, root: Path, path: Path, chunks: list[bytes]) -> None:
        super().__init__(root)
        self.path = path
        self.chunks = chunks

    def list(self, folder: str) -> list[RemoteEntry]:
        if self.chunks:
            with self.path.open("ab") as handle:
                handle.write(self.chunks.pop(0))
        return super().list(folder)


def test_a_file_still_being_written_is_not_read_until_stable(tmp_path: Path) -> None:
    full = (FIXTURES / "inbound" / "STK_20240503.txt").read_bytes()
    path = drop(tmp_path, "STK_20240503.txt", b"")
    chunks = [full[:10], full[10:40], full[40:]]
    poller = SftpPoller(config(tmp_path), CONTEXT, files=lambda: Growing(tmp_path, path, chunks))
    first = poller.poll(Cursor(), limit=10)  # grows on both listings of the poll
    assert first.messages == []
    second = poller.poll(first.next_cursor, limit=10)  # last chunk, then unchanged on the second listing
    [message] = second.messages
    assert message.body == full


def test_the_stable_interval_is_waited_once_per_poll(tmp_path: Path) -> None:
    drop(tmp_path, "STK_1.txt", b"NWL1|SKU-A|1|0|20240503060000\n")
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    poller = SftpPoller(config(tmp_path, stable_seconds=5), CONTEXT, clock=lambda: now[0], sleep=sleep)
    assert names(poller.poll(Cursor(), limit=10)) == ["STK_1.txt"]
    assert slept == [5.0]


def test_done_file_mode_reads_only_marked_files_and_removes_the_marker(tmp_path: Path) -> None:
    body = b"NWL1|SKU-A|1|0|20240503060000\n"
    drop(tmp_path, "STK_1.txt", body)
    drop(tmp_path, "STK_2.txt", body)
    drop(tmp_path, "STK_2.txt.done", b"")
    poller = SftpPoller(config(tmp_path, ready="done_file"), CONTEXT)
    page = poller.poll(Cursor(), limit=10)
    assert names(page) == ["STK_2.txt"]
    poller.poll(page.next_cursor, limit=10)
    assert sorted(p.name for p in (tmp_path / "from_wms").iterdir() if p.is_file()) == ["STK_1.txt"]


class RenamedWhileRead(LocalFiles):
    """The 3PL renames the file while the poller reads it (the open handle still reads the old bytes)."""

    def open(self, path: str, mode: str) -> BinaryIO:
        handle = super().open(path, mode)
        if "r" in mode and path.endswith("STK_1.txt"):
            (self.root / path).rename(self.root / path.replace("STK_1.txt", "STK_1b.txt"))
        return handle


def test_a_file_renamed_while_read_is_taken_under_its_new_name_once(tmp_path: Path) -> None:
    drop(tmp_path, "STK_1.txt", b"NWL1|SKU-A|1|0|20240503060000\n")
    first = SftpPoller(config(tmp_path), CONTEXT, files=lambda: RenamedWhileRead(tmp_path)).poll(Cursor(), limit=10)
    assert first.messages == []
    second = SftpPoller(config(tmp_path), CONTEXT).poll(first.next_cursor, limit=10)
    assert names(second) == ["STK_1b.txt"]


def test_adapter_offers_poller_and_order_sink() -> None:
    assert ADAPTER.capabilities == {Capability.POLLER, Capability.ORDER_SINK}
    ADAPTER.validate()


def test_sink_without_order_layout_refuses_at_build(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="order_layout"):
        SftpOrderSink(config(tmp_path, order_layout=None), CONTEXT)


def copy_inbound(root: Path) -> None:
    for path in (FIXTURES / "inbound").iterdir():
        shutil.copy(path, root)
