"""The order_files reference adapter: parsing every fixture, typed errors with locations, and the file sinks."""

from __future__ import annotations

import errno
import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.order_files import ADAPTER, FileOrderSink, FileStockSink, OrderFileParser, OrderFilesConfig
from adapters.order_files.parser import sniff
from hub.errors import ConfigError, DecodeError, MappingError, PluginError, TransientError, ValidationFailed
from hub.mapping import MappingFileError
from hub.model import Order
from hub.outfiles import safe
from hub.plugins import Capability, ConnectionContext, OutboundMessage, RawMessage, Registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "order_files"


@pytest.fixture
def context(tmp_path: Path) -> ConnectionContext:
    return ConnectionContext(connection="files", channel="files:acme", tenant="acme", hub_home=tmp_path / ".hub")


def parser(context: ConnectionContext, **options: object) -> OrderFileParser:
    return OrderFileParser(OrderFilesConfig.model_validate(options), context)


def raw(name: str, body: bytes | None = None, **kw: object) -> RawMessage:
    data = (FIXTURES / name).read_bytes() if body is None else body
    return RawMessage(body=data, connection="files", filename=name, **kw)  # type: ignore[arg-type]


def orders(context: ConnectionContext, name: str) -> list[Order]:
    return parser(context).parse(raw(name)).documents  # type: ignore[return-value]


# -- manifest -----------------------------------------------------------------------------------------


def test_manifest_is_valid_and_discoverable() -> None:
    ADAPTER.validate()
    assert ADAPTER.secret_fields() == []
    assert "Capabilities" in ADAPTER.feature_card
    assert Registry.discover().get("order_files") is ADAPTER


def test_config_is_frozen_and_checked() -> None:
    config = OrderFilesConfig()
    with pytest.raises(ValueError):
        config.csv_delimiter = ";"  # type: ignore[misc]
    assert OrderFilesConfig(default_currency="usd").default_currency == "USD"
    for bad in ({"default_currency": "EUX"}, {"csv_delimiter": ";;"}, {"unknown": 1}, {"on_bad_record": "drop"}):
        with pytest.raises(ValueError):
            OrderFilesConfig.model_validate(bad)


def test_build_through_the_manifest(context: ConnectionContext) -> None:
    built = ADAPTER.build(Capability.FILE_PARSER, OrderFilesConfig(), context)
    assert isinstance(built, OrderFileParser)
    assert isinstance(ADAPTER.build(Capability.STOCK_SINK, OrderFilesConfig(), context), FileStockSink)
    with pytest.raises(PluginError):
        ADAPTER.build(Capability.POLLER, OrderFilesConfig(), context)


def test_unknown_mapping_fails_at_construction(context: ConnectionContext) -> None:
    with pytest.raises(MappingFileError, match="no mapping named"):
        parser(context, csv_mapping="order_files/nope")


# -- good files ---------------------------------------------------------------------------------------


def test_csv_rows_are_grouped_into_orders(context: ConnectionContext) -> None:
    result = parser(context).parse(raw("orders-2024-05-01.csv"))
    assert result.format == "csv" and not result.errors
    by_id = {o.external_id: o for o in result.documents}
    assert list(by_id) == ["SO-1001", "SO-1002", "SO-1003"]  # order of first appearance
    first = by_id["SO-1001"]
    assert (first.source, first.tenant, first.currency, first.revision) == ("files:acme", "acme", "EUR", 1)
    assert [(line.line_no, line.sku, line.uom) for line in first.lines] == [
        (1, "TSHIRT-BLK-M", "EA"),
        (2, "MUG-WHT", "EA"),
        (3, "STICKER-PACK", "EA"),
    ]
    assert first.ship_to.name == "Zoë Müller" and first.ship_to.country_code == "DE"
    assert first.placed_at == datetime(2024, 5, 1, 8, 15, tzinfo=UTC)
    assert first.total.amount == Decimal("62.20")
    second = by_id["SO-1002"]  # interleaved rows, no line_no column values: numbered by position
    assert [(line.line_no, line.sku) for line in second.lines] == [(1, "HOODIE-GRY-L"), (2, "SOCKS-3PK")]
    assert second.ship_to.name == "O'Brien, Siobhán" and second.ship_to.country_code == "GB"
    assert second.revision == 1 and second.currency == "GBP"
    third = by_id["SO-1003"]
    assert third.revision == 2
    assert [(line.quantity, line.uom) for line in third.lines] == [(Decimal("2.5"), "KGM"), (Decimal("1"), "CS")]


def test_every_amount_is_an_exact_decimal(context: ConnectionContext) -> None:
    for name in ("orders-2024-05-01.csv", "orders-2024-05-02.jsonl", "orders-2024-05-03.json"):
        for order in orders(context, name):
            for line in order.lines:
                assert type(line.unit_price) is Decimal and type(line.quantity) is Decimal


def test_jsonl_one_order_per_line(context: ConnectionContext) -> None:
    result = parser(context).parse(raw("orders-2024-05-02.jsonl"))
    assert result.format == "jsonl"
    assert [o.external_id for o in result.documents] == ["WEB-2001", "WEB-2002", "WEB-2003", "WEB-2004"]
    web1, web2, web3, web4 = result.documents  # type: ignore[misc]
    assert web1.lines[1].unit_price == Decimal("15.00") and web1.lines[1].uom == "EA"
    assert (web2.revision, web2.currency, [line.line_no for line in web2.lines]) == (3, "GBP", [10, 20])
    assert web2.lines[1].unit_price == Decimal("12.5")
    assert web2.ship_to.country_code == "NO" and web2.ship_to.postal_code == "0150"
    assert web3.lines[0].quantity == Decimal("1.5") and web3.lines[0].uom == "KGM"
    assert web4.ship_to.name == "Chen Wei 陈伟" and [line.line_no for line in web4.lines] == [1, 2, 3]
    assert web4.placed_at is not None and web4.placed_at.utcoffset() is not None


def test_json_array(context: ConnectionContext) -> None:
    result = parser(context).parse(raw("orders-2024-05-03.json"))
    assert result.format == "json"
    assert [(o.external_id, o.revision) for o in result.documents] == [("API-3001", 1), ("API-3002", 2)]
    assert result.documents[1].ship_to.name == "Łukasz Żółw"  # type: ignore[attr-defined]


def test_single_json_object(context: ConnectionContext) -> None:
    body = json.dumps(
        {"order_id": "X-1", "ship_to": {"name": "N", "country": "DE"}, "lines": [{"sku": "A", "qty": 1, "price": 2}]}
    ).encode()
    [order] = parser(context, default_currency="CHF").parse(raw("one.json", body)).documents
    assert order.currency == "CHF"  # type: ignore[attr-defined]


def test_duplicate_file_yields_the_same_dedup_keys(context: ConnectionContext) -> None:
    keys = [o.ref.dedup_key("order") for o in orders(context, "orders-2024-05-01.csv")]
    again = [o.ref.dedup_key("order") for o in orders(context, "orders-2024-05-01-resend.csv")]
    assert keys == again and len(set(keys)) == 3
    assert keys[0] == "acme|files:acme|order|SO-1001|1"


def test_csv_delimiter_and_order_key_options(context: ConnectionContext) -> None:
    body = (
        b"PO;placed_at;currency;ship_name;ship_country;sku;quantity;unit_price\n"
        b"P1;2024-05-01T00:00:00Z;EUR;A;DE;X;1;1.00\n"
        b"P2;2024-05-01T00:00:00Z;EUR;B;DE;Y;1;2.00\n"
        b"P1;2024-05-01T00:00:00Z;EUR;A;DE;Z;3;3.00\n"
    )
    result = parser(context, csv_delimiter=";", order_key="PO").parse(raw("po.csv", body))
    assert [(o.external_id, len(o.lines)) for o in result.documents] == [("P1", 2), ("P2", 1)]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "content_type", "body", "expected"),
    [
        ("a.CSV", None, "", "csv"),
        ("a.ndjson", None, "", "jsonl"),
        ("a.jsonl", None, "", "jsonl"),
        ("a.json", None, "", "json"),
        ("drop-001", "application/x-ndjson", "", "jsonl"),
        ("drop-001", "text/csv; charset=utf-8", "", "csv"),
        ("drop-001", None, '  [{"a": 1}]', "json"),
        ("drop-001", None, '{"a": 1}', "json"),
        ("drop-001", None, '{"a": 1}\n{"a": 2}\n', "jsonl"),
        ("drop-001", None, "order_id,sku\n", "csv"),
    ],
)
def test_sniff(name: str, content_type: str | None, body: str, expected: str) -> None:
    assert sniff(name, content_type, body) == expected


def test_content_sniffing_without_a_suffix(context: ConnectionContext) -> None:
    body = (FIXTURES / "orders-2024-05-02.jsonl").read_bytes()
    result = parser(context).parse(RawMessage(body=body, connection="files", transport_id="upload-77"))
    assert result.format == "jsonl" and len(result.documents) == 4


# -- bad files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error", "line", "field"),
    [
        ("bad-json.jsonl", DecodeError, 2, None),
        ("bad-columns.csv", DecodeError, 1, "sku"),
        ("bad-encoding.csv", DecodeError, 3, None),
        ("empty.csv", DecodeError, None, None),
        ("bad-values.csv", ValidationFailed, 4, "lines[1].quantity"),
    ],
)
def test_bad_fixture_raises_typed_error_with_location(
    context: ConnectionContext, name: str, error: type[Exception], line: int | None, field: str | None
) -> None:
    with pytest.raises(error) as caught:
        parser(context).parse(raw(name))
    location = caught.value.location  # type: ignore[attr-defined]
    assert (location.file, location.line, location.field) == (name, line, field)
    assert type(caught.value) is error


def test_bad_values_skip_mode_keeps_the_good_orders(context: ConnectionContext) -> None:
    result = parser(context, on_bad_record="skip").parse(raw("bad-values.csv"))
    assert [o.external_id for o in result.documents] == ["SO-9201"]  # type: ignore[attr-defined]
    assert [type(e) for e in result.errors] == [ValidationFailed, ValidationFailed]
    currency = result.errors[1]
    assert (currency.location.line, currency.location.field) == (5, "currency")


def test_mapping_error_gets_file_and_csv_line(context: ConnectionContext) -> None:
    body = (
        b"order_id,currency,ship_name,ship_country,sku,quantity,unit_price\n"
        b"A1,EUR,N,DE,X,1,1.00\nA1,EUR,N,DE,Y,one,1.00\n"
    )
    with pytest.raises(MappingError) as caught:
        parser(context).parse(raw("words.csv", body))
    loc = caught.value.location
    assert (loc.file, loc.line, loc.field, loc.segment) == ("words.csv", 3, "lines[1].quantity", "$.rows[1].quantity")


@pytest.mark.parametrize(
    ("name", "body", "line"),
    [
        ("rows.csv", b"order_id,sku,quantity,unit_price\nA,X,1,1\n,Y,1,1\n", 3),
        ("wide.csv", b"order_id,sku,quantity,unit_price\nA,X,1,1,surplus\n", 2),
        ("dup.csv", b"order_id,sku,sku,quantity,unit_price\nA,X,X,1,1\n", 1),
        ("quote.csv", b'order_id,sku,quantity,unit_price\nA,"X,1,1\n', 2),
        ("list.jsonl", b'{"order_id": "A"}\n[1, 2]\n', 2),
        ("broken.json", b'[\n  {"order_id": "A"},\n  {"order_id": }\n]', 3),
        ("scalar.json", b"42", None),
        ("nothing.jsonl", b"\n\n", None),
        ("nothing.json", b"[]", None),
    ],
)
def test_malformed_input_is_a_decode_error(
    context: ConnectionContext, name: str, body: bytes, line: int | None
) -> None:
    with pytest.raises(DecodeError) as caught:
        parser(context).parse(raw(name, body))
    assert caught.value.location.file == name
    assert caught.value.location.line == line


def test_json_array_errors_point_at_the_item(context: ConnectionContext) -> None:
    body = json.dumps(
        [
            {"order_id": "A", "ship_to": {"name": "N", "country": "DE"}, "lines": [{"sku": "S", "qty": 1, "price": 1}]},
            {
                "order_id": "B",
                "ship_to": {"name": "N", "country": "DEU"},
                "lines": [{"sku": "S", "qty": 1, "price": 1}],
            },
        ]
    ).encode()
    with pytest.raises(ValidationFailed) as caught:
        parser(context).parse(raw("two.json", body))
    assert (caught.value.location.position, caught.value.location.field) == (1, "ship_to.country_code")


# -- sinks -------------------------------------------------------------------------------------------


def message(key: str = "acme|release|SO-1001|1", body: dict[str, object] | None = None) -> OutboundMessage:
    return OutboundMessage(
        id="out_1",
        kind="order_release",
        connection="files",
        idempotency_key=key,
        body=body if body is not None else {"order": "SO-1001", "total": Decimal("62.20")},
    )


def test_order_sink_writes_json_and_redelivery_overwrites(context: ConnectionContext) -> None:
    sink = FileOrderSink(OrderFilesConfig(), context)
    sink.deliver(message())
    sink.deliver(message(body={"order": "SO-1001", "total": Decimal("70.00")}))
    files = sorted(context.outbound_dir.iterdir())
    assert len(files) == 1
    assert files[0].name.startswith("order_release-") and files[0].suffix == ".json"
    assert json.loads(files[0].read_text(encoding="utf-8")) == {"order": "SO-1001", "total": "70.00"}
    sink.deliver(message(key="acme|release|SO-1002|1"))
    assert len(list(context.outbound_dir.iterdir())) == 2  # no temporary files are left behind


def test_stock_sink(context: ConnectionContext) -> None:
    sink = FileStockSink(OrderFilesConfig(), context)
    sink.deliver(
        OutboundMessage(
            id="s1", kind="stock", connection="files", idempotency_key="stock-1", body={"sku": "A", "available": 3}
        )
    )
    assert json.loads((context.outbound_dir / "stock-A.json").read_text()) == {"sku": "A", "available": 3}
    later = OutboundMessage(
        id="s2", kind="stock", connection="files", idempotency_key="stock-2", body={"sku": "A", "available": 1}
    )
    sink.deliver(later)  # the latest state replaces the file: one file per SKU
    assert [f.name for f in context.outbound_dir.iterdir()] == ["stock-A.json"]
    assert json.loads((context.outbound_dir / "stock-A.json").read_text())["available"] == 1


def test_safe_names_are_unique_and_harmless() -> None:
    assert safe("plain-key_1.0") == "plain-key_1.0"
    assert safe("a|b") != safe("a/b")
    assert "/" not in safe("../../etc/passwd") and not safe("../../etc/passwd").startswith(".")
    assert len(safe("x" * 500)) < 140


@pytest.mark.parametrize(
    ("code", "error"),
    [(errno.ENOSPC, TransientError), (errno.EAGAIN, TransientError), (errno.EACCES, ConfigError)],
)
def test_sink_errors_say_what_to_do(
    context: ConnectionContext, monkeypatch: pytest.MonkeyPatch, code: int, error: type[Exception]
) -> None:
    def fail(src: str, dst: str) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(error):
        FileOrderSink(OrderFilesConfig(), context).deliver(message())
    assert list(context.outbound_dir.iterdir()) == []  # the temporary file is removed


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores file permissions")
def test_permission_denied_is_a_config_error(context: ConnectionContext) -> None:
    context.outbound_dir.mkdir(parents=True)
    context.outbound_dir.chmod(0o500)
    try:
        with pytest.raises(ConfigError):
            FileOrderSink(OrderFilesConfig(), context).deliver(message())
    finally:
        context.outbound_dir.chmod(0o700)
