"""EDIFACT envelope reader: UNB/UNZ, UNG/UNE, UNH/UNT controls, truncation and several interchanges."""

from __future__ import annotations

from pathlib import Path

from adapters.edifact.envelope import (
    Event,
    GroupEnd,
    GroupStart,
    InterchangeEnd,
    InterchangeStart,
    Message,
    Stray,
    read_interchanges,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "edifact" / "syntax"


def events(name: str) -> list[Event]:
    return list(read_interchanges((FIXTURES / name).read_bytes(), filename=name))


def messages(items: list[Event]) -> list[Message]:
    return [e for e in items if isinstance(e, Message)]


def end(items: list[Event]) -> InterchangeEnd:
    return next(e for e in items if isinstance(e, InterchangeEnd))


def codes(problems: list) -> list[tuple[str, str | None]]:  # type: ignore[type-arg]
    return [(p.code, p.segment) for p in problems]


def test_valid_interchange_fields_and_key() -> None:
    items = events("valid-two-orders.edi")
    start = items[0]
    assert isinstance(start, InterchangeStart)
    interchange = start.interchange
    assert (interchange.syntax_id, interchange.syntax_version) == ("UNOC", "3")
    assert (interchange.sender_id, interchange.sender_qualifier, interchange.recipient_id) == ("BUYER", "14", "HUB")
    assert interchange.control_reference == "1001" and interchange.una
    assert interchange.key == "edifact:BUYER:14:HUB:1001"
    found = messages(items)
    assert [(m.reference, m.identifier, m.number) for m in found] == [
        ("1", "ORDERS:D:96A:UN", 1),
        ("2", "ORDERS:D:96A:UN", 2),
    ]
    assert all(not m.problems for m in found)
    assert found[0].body[0].tag == "BGM" and found[0].position_of(found[0].segments[-1]) == 9
    closing = end(items)
    assert closing.count == 2 and closing.problems == [] and closing.declared_count == "2"


def test_bad_unt_count_rejects_that_message_only() -> None:
    items = events("bad-unt-count.edi")
    found = messages(items)
    assert [m.rejected for m in found] == [False, True, False]
    problem = found[1].problems[0]
    assert (problem.code, problem.segment, problem.position, problem.element, problem.value) == (
        "29",
        "UNT",
        9,
        1,
        "8",
    )
    assert end(items).problems == []


def test_unz_count_mismatch_rejects_the_interchange() -> None:
    closing = end(events("bad-unz-count.edi"))
    assert codes(closing.problems) == [("29", "UNZ")]
    assert closing.interchange.rejected and closing.problems[0].element == 1


def test_unz_reference_mismatch_rejects_the_interchange() -> None:
    closing = end(events("bad-unz-reference.edi"))
    assert codes(closing.problems) == [("28", "UNZ")] and closing.problems[0].value == "9999"


def test_truncated_interchange_is_rejected_with_code_13() -> None:
    items = events("truncated.edi")
    found = messages(items)
    assert not found[0].problems
    assert [p.code for p in found[1].problems] == ["13"]  # its UNT never came
    closing = end(items)
    assert closing.declared_count is None
    assert ("13", "UNZ") in codes(closing.problems)


def test_groups() -> None:
    items = events("groups.edi")
    assert [type(e).__name__ for e in items] == [
        "InterchangeStart",
        "GroupStart",
        "Message",
        "Message",
        "GroupEnd",
        "InterchangeEnd",
    ]
    group = next(e for e in items if isinstance(e, GroupStart)).group
    assert (group.functional_id, group.reference, group.version) == ("ORDERS", "77", "D:96A")
    assert messages(items)[0].group is group
    assert next(e for e in items if isinstance(e, GroupEnd)).message_count == 2
    assert end(items).count == 1 and end(items).problems == []


def test_group_count_mismatch_rejects_the_interchange() -> None:
    data = (FIXTURES / "groups.edi").read_bytes().replace(b"UNE+2+77", b"UNE+3+77")
    items = list(read_interchanges(data))
    group_end = next(e for e in items if isinstance(e, GroupEnd))
    assert [p.code for p in group_end.problems] == ["29"]
    assert "29" in [p.code for p in end(items).problems]


def test_two_interchanges_with_different_una() -> None:
    items = events("two-interchanges-different-una.edi")
    starts = [e.interchange for e in items if isinstance(e, InterchangeStart)]
    assert [s.control_reference for s in starts] == ["1020", "1021"]
    assert [s.service.element for s in starts] == ["+", "*"]
    assert [m.interchange.control_reference for m in messages(items)] == ["1020", "1021"]  # type: ignore[union-attr]
    assert [e.problems for e in items if isinstance(e, InterchangeEnd)] == [[], []]


def test_message_outside_an_interchange() -> None:
    items = list(read_interchanges(b"UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'UNT+3+1'"))
    (message,) = messages(items)
    assert message.interchange is None
    assert codes(message.problems) == [("13", "UNB")] and message.problems[0].level == "interchange"


def test_segment_between_messages_is_stray_and_rejects_the_interchange() -> None:
    data = (FIXTURES / "valid-two-orders.edi").read_bytes().replace(b"UNT+9+1'", b"UNT+9+1'FTX+AAI'", 1)
    items = list(read_interchanges(data))
    stray = next(e for e in items if isinstance(e, Stray))
    assert stray.segment.tag == "FTX" and stray.problem.code == "33"
    assert ("33", "FTX") in codes(end(items).problems)


def test_missing_unb_elements_and_unknown_syntax() -> None:
    items = list(read_interchanges(b"UNB+UNOZ:3+A++260101:1200+1'UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNZ+1+1'"))
    problems = end(items).problems
    assert [(p.code, p.element, p.component) for p in problems] == [("13", 3, 1), ("2", 1, 1)]


def test_unoa_bad_characters_are_code_21_on_their_segment() -> None:
    (message,) = messages(events("unoa-lowercase.edi"))
    assert [(p.code, p.segment, p.position, p.level) for p in message.problems] == [("21", "NAD", 3, "segment")]


def test_a_una_tag_inside_the_data_is_a_stray_segment_not_a_service_string_advice() -> None:
    data = b"UNB+UNOC:3+A+B+260101:1200+1'U\nNA+X'UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNZ+1+1'"
    items = list(read_interchanges(data))
    stray = next(e for e in items if isinstance(e, Stray))
    assert stray.segment.tag == "UNA" and stray.problem.code == "33"
    assert "33" in [p.code for p in end(items).problems]


def test_non_ascii_digits_in_counts_are_mismatches_not_crashes() -> None:
    data = "UNB+UNOW:3+A+B+260101:1200+1'UNH+1+ORDERS:D:96A:UN'UNT+²+1'UNE+²+1'UNZ+²+1'".encode()
    items = list(read_interchanges(data))
    assert [p.code for p in messages(items)[0].problems] == ["29"]
    assert "29" in [p.code for p in end(items).problems]
