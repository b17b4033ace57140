"""EDIFACT message validation against mappings/edifact: segments, elements, values, and the fast patterns."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.edifact import schema
from adapters.edifact.definitions import message_definitions, segment_def
from adapters.edifact.envelope import Message, read_interchanges
from adapters.edifact.schema import supported_messages, validate_message

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "edifact" / "syntax"
HEAD = "UNA:+.? 'UNB+UNOC:3+BUYER:14+HUB+260105:0930+1'"


def message_of(*body: str, kind: str = "ORDERS:D:96A:UN") -> Message:
    segments = [f"UNH+1+{kind}", *body]
    text = HEAD + "'".join([*segments, f"UNT+{len(segments) + 1}+1"]) + "'UNZ+1+1'"
    return next(e for e in read_interchanges(text.encode("latin-1")) if isinstance(e, Message))


def found(
    *body: str, kind: str = "ORDERS:D:96A:UN"
) -> list[tuple[str, str | None, int | None, int | None, int | None]]:
    return [
        (p.code, p.segment, p.position, p.element, p.component) for p in validate_message(message_of(*body, kind=kind))
    ]


GOOD = ("BGM+220+PO1+9", "DTM+137:20260105:102", "LIN+1++4000862141404:EN", "QTY+21:5", "UNS+S")


def test_every_issue_message_has_a_definition() -> None:
    assert {"ORDERS", "ORDCHG", "INVRPT", "DESADV", "ORDRSP", "INVOIC", "CONTRL", "APERAK"} <= set(supported_messages())
    assert all(d.segments["UNH"].mandatory for d in message_definitions().values())


def test_valid_messages_have_no_problems() -> None:
    assert found(*GOOD) == []
    assert found("BGM+220+PO1:1:2+9", "QTY+21:5", kind="ORDERS:D:01B:UN") == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (("BGM+220++9",), [("13", "BGM", 2, 2, None)]),  # the PO number the hub needs
        (("BGM+220+PO1", "QTY+21"), [("13", "QTY", 3, 1, 2)]),  # 6060 mandatory
        (("BGM+220+PO1", "QTY+21:5X"), [("37", "QTY", 3, 1, 2)]),
        (("BGM+220+PO1", "QTY+21:.5"), [("38", "QTY", 3, 1, 2)]),
        (("BGM+220+PO1", "QTY+21:1.5.1"), [("19", "QTY", 3, 1, 2)]),
        (("BGM+220+PO1", "QTY+21:" + "9" * 36), [("39", "QTY", 3, 1, 2)]),
        (("BGM+999+PO1",), [("12", "BGM", 2, 1, 1)]),  # 1001 not an order document
        (("BGM+220+PO1+99",), [("12", "BGM", 2, 3, None)]),  # 1225 code list
        (("BGM+220+PO1:2",), [("16", "BGM", 2, 2, 2)]),  # simple element in D96A
        (("BGM+220+PO1", "DTM+137:20260105:102:9"), [("16", "DTM", 3, 1, 4)]),
        (("BGM+220+PO1", "UNS+S+X"), [("16", "UNS", 3, 2, None)]),
        (("BGM+220+PO1", "UNS+7"), [("37", "UNS", 3, 1, None)]),  # a1: no digits
        (("BGM+220+PO1", "ZZZ+1"), [("15", "ZZZ", 3, None, None)]),
        (("BGM+220+PO1", "BGM+220+PO2"), [("35", "BGM", 3, None, None)]),
        (("DTM+137:20260105:102",), [("13", "BGM", 3, None, None)]),  # mandatory segment missing
    ],
)
def test_problems_carry_code_and_place(body: tuple[str, ...], expected: list[tuple[object, ...]]) -> None:
    assert found(*body) == expected


def test_d01b_reads_the_po_number_as_a_component() -> None:
    assert found("BGM+220+:1+9", kind="ORDERS:D:01B:UN") == [("13", "BGM", 2, 2, 1)]


def test_fixed_length_too_short_is_40() -> None:
    problems = found("UCI+1+A+B+4+12+UN", kind="CONTRL:D:3:UN")
    assert problems == [("40", "UCI", 2, 6, None)]


def test_unknown_message_type_and_directory_are_17() -> None:
    assert found("BGM+1", kind="IFTMIN:D:96A:UN") == [("17", "UNH", 1, 2, 1)]
    assert found(*GOOD, kind="ORDERS:X:XX:UN") == [("17", "UNH", 1, 2, 2)]


def test_syntax_4_repetition_of_a_non_repeating_element_is_35() -> None:
    message = next(
        e for e in read_interchanges((FIXTURES / "syntax4-repetition.edi").read_bytes()) if isinstance(e, Message)
    )
    assert [(p.code, p.segment, p.element) for p in validate_message(message)] == [("35", "NAD", 4)]


def test_mixed_fixture() -> None:
    items = [e for e in read_interchanges((FIXTURES / "mixed-good-bad.edi").read_bytes()) if isinstance(e, Message)]
    assert [[p.code for p in validate_message(m)] for m in items] == [[], ["13"], ["37"], []]


def test_definitions_read_by_directory() -> None:
    assert [u.ref for u in segment_def("BGM", "D96A").elements][:2] == ["C002", "1004"]  # type: ignore[union-attr]
    assert [u.ref for u in segment_def("BGM", "D01B").elements][:2] == ["C002", "C106"]  # type: ignore[union-attr]
    assert segment_def("XYZ") is None


# -- the whole-segment patterns never accept what the detailed checks reject ----------------------------------

VALUES = st.sampled_from(["", "220", "PO1", "9", "21", "5", "5.5", ",5", "1.", "-3", "X" * 40, "9" * 40, "a1", "S"])
TAGS = st.sampled_from(["BGM", "DTM", "QTY", "LIN", "PIA", "NAD", "PRI", "MOA", "UNS", "CNT", "RFF", "TDT", "FTX"])
SEGMENT = st.builds(
    lambda tag, elements: "+".join([tag, *(":".join(parts) for parts in elements)]),
    TAGS,
    st.lists(st.lists(VALUES, min_size=1, max_size=4), max_size=6),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SEGMENT, min_size=1, max_size=6), st.sampled_from(["ORDERS:D:96A:UN", "INVOIC:D:01B:UN"]))
def test_patterns_agree_with_the_detailed_checks(body: list[str], kind: str) -> None:
    message = message_of(*body, kind=kind)
    fast = validate_message(message)
    original = schema.segment_pattern
    try:
        schema.segment_pattern = lambda *args: None  # type: ignore[assignment]
        slow = validate_message(message_of(*body, kind=kind))
    finally:
        schema.segment_pattern = original  # type: ignore[assignment]
    assert fast == slow
