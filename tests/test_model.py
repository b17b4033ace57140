"""The canonical model: exact money, quantities, addresses, the order state machine."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from hub.errors import IllegalTransition
from hub.model import Address, DocumentRef, Money, Order, OrderLine, OrderStatus, Quantity, new_id
from hub.model.money import decimal_str
from hub.model.order import TRANSITIONS, check_transition


def make_order(**kw: object) -> Order:
    base: dict[str, object] = {
        "source": "shop",
        "external_id": "1",
        "currency": "eur",
        "ship_to": {"name": "Zoë", "country_code": "fr"},
        "lines": [
            {"line_no": 1, "sku": "A", "quantity": "2", "unit_price": "0.10"},
            {"line_no": 2, "sku": "B", "quantity": 1, "unit_price": "0.20"},
        ],
    }
    return Order.model_validate({**base, **kw})


def test_money_is_exact_and_refuses_float() -> None:
    assert make_order().total == Money(amount=Decimal("0.40"), currency="EUR")
    with pytest.raises(ValidationError, match="never float"):
        Money(amount=0.1, currency="EUR")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="ISO 4217"):
        Money(amount=Decimal(1), currency="EUX")
    assert Money(amount=Decimal("2.345"), currency="JPY").quantized().amount == Decimal("2")
    assert Money(amount=Decimal("2.3450"), currency="KWD").quantized().amount == Decimal("2.345")
    with pytest.raises(ValueError, match="cannot add"):
        Money(amount=Decimal(1), currency="EUR") + Money(amount=Decimal(1), currency="USD")
    assert decimal_str(Decimal("52.0000")) == "52" and decimal_str(Decimal("1.50")) == "1.5"


def test_order_validation() -> None:
    order = make_order()
    assert order.currency == "EUR" and order.ship_to.country_code == "FR"
    with pytest.raises(ValidationError, match="line_no 1 appears twice"):
        make_order(lines=[{"line_no": 1, "sku": "A", "quantity": 1, "unit_price": 1}] * 2)
    with pytest.raises(ValidationError):
        make_order(lines=[{"line_no": 1, "sku": "A", "quantity": 0, "unit_price": 1}])
    with pytest.raises(ValidationError):
        make_order(lines=[])
    with pytest.raises(ValidationError, match="timezone"):
        make_order(placed_at=datetime(2026, 1, 1, 12, 0))  # naive: refused
    with pytest.raises(ValidationError, match="alpha-2"):
        Address(name="x", country_code="FRA")
    with pytest.raises(ValidationError, match="negative"):
        Quantity(value=Decimal(-1))


def test_public_json_shape() -> None:
    data = make_order(id="ord_1").public_dict()
    assert {"id", "source", "external_id", "status", "currency", "ship_to", "lines"} <= data.keys()
    assert {"name", "country_code", "postal_code", "city"} <= data["ship_to"].keys()
    assert data["lines"][0] == {
        "line_no": 1,
        "sku": "A",
        "quantity": "2",
        "uom": "EA",
        "unit_price": "0.10",
        "description": None,
    }
    assert "tenant" not in data


def test_state_machine() -> None:
    order = make_order()
    allocated = order.with_status(OrderStatus.ALLOCATED)
    assert allocated.with_status(OrderStatus.RELEASED).with_status(OrderStatus.SHIPPED).status == "shipped"
    with pytest.raises(IllegalTransition, match="from received to shipped"):
        order.with_status(OrderStatus.SHIPPED)
    for final in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
        assert TRANSITIONS[final] == frozenset()
        with pytest.raises(IllegalTransition, match="final state"):
            check_transition(final, OrderStatus.RECEIVED)
    assert set(TRANSITIONS) == set(OrderStatus)


def test_ids_and_dedup_keys() -> None:
    a, b = new_id("ord"), new_id("ord")
    assert a != b and a.startswith("ord_") and len(a) == 30
    ref = DocumentRef(source="shopify:acme", external_id="1001", revision=2)
    assert ref.dedup_key("order") == "default|shopify:acme|order|1001|2"
    assert OrderLine(line_no=1, sku="A", quantity=Decimal(3), unit_price=Decimal(1)).qty.value == 3


def test_ids_sort_in_creation_order() -> None:
    ids = [new_id("evt") for _ in range(2000)]
    assert ids == sorted(ids) and len(set(ids)) == 2000
