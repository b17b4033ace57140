"""Amazon order JSON -> canonical documents: golden fixtures, status policy, SKU maps, money, real SP-API samples."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.amazon.config import AmazonConfig
from adapters.amazon.mapping import documents_for, order_from, revision_of
from adapters.amazon.orders import AmazonOrderPoller
from hub.channels import SkuMap, UnknownSku
from hub.errors import DecodeError, MappingError
from hub.jsonable import to_jsonable
from hub.model import Order
from hub.model.documents import Cancellation
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import RawMessage

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "amazon"
CORPUS = REPO.parent / "shared" / "corpus" / "amazon"
CONFIG = AmazonConfig(
    lwa_client_id="id",
    lwa_client_secret="secret",
    refresh_token="token",
    seller_id="S",
    marketplace_ids="ATVPDKIKX0DER",
)
GOOD = sorted((FIXTURES / "orders").glob("*.json"))


def parser(skus: SkuMap | None = None) -> AmazonOrderPoller:
    return AmazonOrderPoller(CONFIG, ConnectionContext("amz", "amazon:us"), skus=skus)


def parse(path: Path, skus: SkuMap | None = None) -> list:
    return parser(skus).parse(RawMessage(body=path.read_bytes(), connection="amz", filename=path.name)).documents


def as_json(docs: list) -> list:
    return [{"doc_type": d.doc_type, **to_jsonable(d.model_dump(mode="json"))} for d in docs]


@pytest.mark.parametrize("path", GOOD, ids=[p.stem for p in GOOD])
def test_golden(path: Path) -> None:
    expected = json.loads((FIXTURES / "expected" / f"{path.stem}.expected.json").read_text())
    assert as_json(parse(path)) == expected


def test_money_taxes_discounts_and_shipping_are_kept_exactly() -> None:
    (order,) = parse(FIXTURES / "orders" / "order-1-unshipped-us.json")
    assert isinstance(order, Order)
    assert [(ln.sku, ln.quantity, ln.unit_price) for ln in order.lines] == [
        ("MUG-350-SLATE", Decimal(2), Decimal("19.99")),
        ("LID-350", Decimal(1), Decimal("29.99")),  # no unitPrice: ITEM proceeds (the line total) / quantity
    ]
    charges = order.attributes["charges"]
    assert charges == {"discount": "-3.00", "item": "69.97", "shipping": "5.99", "tax": "5.66", "grand_total": "78.62"}
    total = sum(Decimal(charges[k]) for k in ("item", "shipping", "tax", "discount"))
    assert total == Decimal(charges["grand_total"])
    assert order.attributes["amazon"]["items"][1]["order_item_id"] == "40110000000002"
    assert order.revision == 1796114412  # 2026-12-01T08:40:12Z in epoch seconds
    assert order.ship_to.line2 == "Apt 5" and order.ship_to.region == "OR"


def test_unit_price_falls_back_to_line_total_divided_by_quantity() -> None:
    data = json.loads((FIXTURES / "orders" / "order-2-unshipped-gb-business.json").read_text())["order"]
    del data["orderItems"][0]["product"]["price"]
    order = order_from(data, source="amazon:uk", tenant="default", skus=SkuMap.identity())
    assert order.lines[0].unit_price == Decimal("15.00")  # ITEM 45.00 for 3
    assert order.ship_to.country_code == "GB" and order.ship_to.line2 == "Castlefield, Block B"
    assert order.customer is not None and order.customer.name == "Sam Patel"


def test_status_policy() -> None:
    assert parse(FIXTURES / "other" / "pending.json") == []  # not an order until UNSHIPPED
    assert parse(FIXTURES / "other" / "fba.json") == []  # Amazon fulfils it
    assert parse(FIXTURES / "other" / "shipped.json") == []  # shipping progress is the hub's own
    (cancel,) = parse(FIXTURES / "orders" / "order-3-cancelled-us.json")
    assert isinstance(cancel, Cancellation)
    assert cancel.order_external_id == "113-5550001-0000001" and cancel.line_nos == []
    assert cancel.reason == "Buyer requested cancellation" and cancel.revision == 1


def test_pending_becomes_an_order_once_unshipped_with_a_higher_revision() -> None:
    pending = json.loads((FIXTURES / "other" / "pending.json").read_text())
    assert documents_for(pending, source="amazon:us", tenant="default", skus=SkuMap.identity()) == []
    ready = json.loads((FIXTURES / "orders" / "order-1-unshipped-us.json").read_text())
    ready["orderId"] = pending["orderId"]
    ready["lastUpdatedTime"] = "2026-12-01T10:31:00Z"
    (order,) = documents_for(ready, source="amazon:us", tenant="default", skus=SkuMap.identity())
    assert order.external_id == pending["orderId"] and order.revision > revision_of(pending)


def test_sku_map_and_unknown_sku() -> None:
    table = SkuMap("amz", {"MUG-350-SLATE": "SKU-1001", "LID-350": "SKU-1002"})
    (order,) = parse(FIXTURES / "orders" / "order-1-unshipped-us.json", table)
    assert [ln.sku for ln in order.lines] == ["SKU-1001", "SKU-1002"]
    assert order.attributes["amazon"]["items"][0]["seller_sku"] == "MUG-350-SLATE"
    with pytest.raises(UnknownSku) as err:
        parse(FIXTURES / "orders" / "order-1-unshipped-us.json", SkuMap("amz", {"MUG-350-SLATE": "SKU-1001"}))
    assert err.value.location.field == "orderItems[1].product.sellerSku"


@pytest.mark.parametrize(
    ("name", "error", "field"),
    [
        ("no-address.json", MappingError, "recipient.deliveryAddress"),
        ("bad-amount.json", MappingError, "orderItems[0].unitPrice.amount"),
        ("mixed-currency.json", MappingError, "orderItems[0].unitPrice.currencyCode"),
        ("not-an-order.json", DecodeError, None),
        ("truncated.json", DecodeError, None),
    ],
)
def test_malformed(name: str, error: type, field: str | None) -> None:
    with pytest.raises(error) as err:
        parse(FIXTURES / "malformed" / name)
    assert err.value.location.file == name
    assert err.value.location.field == field


# -- the real SP-API samples (amzn/selling-partner-api-models, Apache-2.0) -----------------------------------


def corpus(name: str) -> dict:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"the shared corpus sample {path} is absent")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "name",
    [
        "orders_2026-01-01.searchOrders.200.example.json",
        "orders_2026-01-01.searchOrders.200.sandbox-0.json",
        "orders_2026-01-01.searchOrders.200.sandbox-1.json",
        "orders_2026-01-01.searchOrders.200.sandbox-2.json",
    ],
)
def test_corpus_search_orders_map_to_valid_orders(name: str) -> None:
    for raw in corpus(name)["orders"]:
        order = order_from(raw, source="amazon:x", tenant="default", skus=SkuMap.identity())
        assert Order.model_validate(order.model_dump()) == order
        assert order.external_id == raw["orderId"]
        for line, item in zip(order.lines, raw["orderItems"], strict=True):
            assert line.sku == item["product"]["sellerSku"]
            assert line.quantity == item["quantityOrdered"]
            assert line.unit_price == Decimal(item["product"]["price"]["unitPrice"]["amount"])
        assert order.attributes["charges"]["grand_total"] == raw["proceeds"]["grandTotal"]["amount"]


def test_corpus_example_order_money_breakdowns() -> None:
    (raw,) = corpus("orders_2026-01-01.searchOrders.200.example.json")["orders"]
    order = order_from(raw, source="amazon:us", tenant="default", skus=SkuMap.identity())
    assert order.currency == "USD" and order.revision == 1735137900  # 2024-12-25T14:45:00Z
    assert order.attributes["charges"] == {
        "delivery_tip": "5.00",
        "item": "149.97",
        "tax": "0.02",
        "grand_total": "154.99",
    }
    assert order.attributes["line_charges"][0] == {"line_no": 1, "item": "99.98", "tax": "0.02", "total": "100.00"}
    assert order.ship_to.line2 == "Suite 456" and order.customer is not None


def test_corpus_policy_shipped_fba_and_unshipped() -> None:
    shipped = corpus("orders_2026-01-01.searchOrders.200.example.json")["orders"][0]
    fba = corpus("orders_2026-01-01.searchOrders.200.sandbox-0.json")["orders"][0]
    unshipped = corpus("orders_2026-01-01.searchOrders.200.sandbox-2.json")["orders"][0]
    kw = {"source": "amazon:x", "tenant": "default", "skus": SkuMap.identity()}
    assert documents_for(shipped, **kw) == []
    assert documents_for(fba, **kw) == []
    (order,) = documents_for(unshipped, **kw)
    assert order.currency == "BRL" and order.lines[0].unit_price == Decimal("1599.90")


def test_corpus_get_order_and_search_answer_parse_whole() -> None:
    body = json.dumps(corpus("orders_2026-01-01.getOrder.200.example.json")).encode()
    assert parser().parse(RawMessage(body=body, connection="amz")).documents == []  # SHIPPED
    body = json.dumps(corpus("orders_2026-01-01.searchOrders.200.sandbox-2.json")).encode()
    (order,) = parser().parse(RawMessage(body=body, connection="amz")).documents
    assert order.external_id == "171-2345678-9012345"


def test_corpus_error_answer_is_not_an_order() -> None:
    body = json.dumps(corpus("orders_2026-01-01.searchOrders.400.sandbox.json")).encode()
    with pytest.raises(DecodeError):
        parser().parse(RawMessage(body=body, connection="amz", filename="400.json"))
