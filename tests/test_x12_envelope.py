"""The X12 structure reader: events, envelope fields and the TA1 / AK9 / AK5 codes of envelope problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.x12.envelope import (
    Event,
    GroupEnd,
    GroupStart,
    InterchangeEnd,
    InterchangeSegment,
    InterchangeStart,
    TransactionSet,
    read_interchanges,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "x12" / "syntax"
ISA = "ISA*00*          *00*          *ZZ*RETAILER       *ZZ*HUB            *240501*0930*U*00401*000000001*1*T*>"
GS = "GS*PO*RETAILER*HUB*20240501*0930*7*X*004010"


def events(text: str) -> list[Event]:
    return list(read_interchanges(text.encode(), filename="t.edi"))


def build(*segments: str) -> str:
    return "".join(seg + "~\n" for seg in segments)


def summary(items: list[Event]) -> list[str]:
    out = []
    for event in items:
        if isinstance(event, InterchangeStart):
            out.append("ISA" + "".join(f" {p.code}" for p in event.interchange.problems))
        elif isinstance(event, InterchangeSegment):
            out.append(event.segment.tag)
        elif isinstance(event, GroupStart):
            out.append("GS" + "".join(f" {p.code}" for p in event.group.problems))
        elif isinstance(event, TransactionSet):
            out.append(f"{event.set_id}/{event.control_number}" + "".join(f" {p.code}" for p in event.problems))
        elif isinstance(event, GroupEnd):
            out.append("GE" + "".join(f" {p.code}" for p in event.problems))
        elif isinstance(event, InterchangeEnd):
            out.append(f"IEA {event.status}" + "".join(f" {p.code}" for p in event.problems if p.rejects))
    return out


SET = ["ST*850*0001", "BEG*00*SA*PO1**20240501", "SE*3*0001"]


def test_events_and_envelope_fields() -> None:
    items = events(build(ISA, GS, *SET, "GE*1*7", "IEA*1*000000001"))
    assert summary(items) == ["ISA", "GS", "850/0001", "GE", "IEA A"]
    interchange = items[0].interchange  # type: ignore[union-attr]
    assert (interchange.sender_qualifier, interchange.sender_id) == ("ZZ", "RETAILER")
    assert (interchange.receiver_qualifier, interchange.receiver_id) == ("ZZ", "HUB")
    assert (interchange.control_number, interchange.version, interchange.date, interchange.time) == (
        "000000001",
        "00401",
        "240501",
        "0930",
    )
    assert interchange.test and interchange.ack_requested
    assert interchange.key == "x12:ZZ:RETAILER:ZZ:HUB:000000001"
    group = items[1].group  # type: ignore[union-attr]
    assert (group.functional_id, group.sender, group.receiver, group.control_number, group.version) == (
        "PO",
        "RETAILER",
        "HUB",
        "7",
        "004010",
    )
    ts = items[2]
    assert isinstance(ts, TransactionSet)
    assert [s.tag for s in ts.segments] == ["ST", "BEG", "SE"] and [s.tag for s in ts.body] == ["BEG"]
    assert ts.position == 3 and ts.group is group and ts.interchange is interchange
    end_group, end = items[3], items[4]
    assert isinstance(end_group, GroupEnd) and (end_group.set_count, end_group.received) == (1, 1)
    assert isinstance(end, InterchangeEnd) and (end.group_count, end.received) == (1, 1)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("multi-group.edi", ["ISA", "GS", "850/0001", "850/0002", "GE", "GS", "856/0001", "GE", "IEA A"]),
        ("bad-se-count.edi", ["ISA", "GS", "850/0001", "850/0002 4", "850/0003", "GE", "IEA A"]),
        ("bad-se-control.edi", ["ISA", "GS", "850/0001", "850/0002 3", "GE", "IEA A"]),
        ("bad-ge-count.edi", ["ISA", "GS", "850/0001", "850/0002", "GE 5", "IEA A"]),
        ("bad-ge-control.edi", ["ISA", "GS", "850/0001", "850/0002", "GE 4", "IEA A"]),
        ("bad-iea-count.edi", ["ISA", "GS", "850/0001", "GE", "IEA R 021"]),
        ("bad-iea-control.edi", ["ISA", "GS", "850/0001", "GE", "IEA R 001"]),
        ("truncated.edi", ["ISA", "GS", "850/0001", "850/0002 2", "GE 3", "IEA R 023"]),
        ("two-interchanges-different-delimiters.edi", ["ISA", "GS", "850/0001", "GE", "IEA A"] * 2),
        ("bom-wrapped-60.edi", ["ISA", "GS", "850/0001", "GE", "IEA A"]),
        ("newline-terminator.edi", ["ISA", "GS", "850/0001", "GE", "IEA A"]),
        ("pipe-bang-crlf-005010.edi", ["ISA", "GS", "850/0001", "GE", "IEA A"]),
    ],
)
def test_fixture_envelopes(name: str, expected: list[str]) -> None:
    assert summary(list(read_interchanges((FIXTURES / name).read_bytes(), filename=name))) == expected


def test_a_missing_se_closes_the_set_at_the_next_st() -> None:
    text = build(ISA, GS, "ST*850*0001", "BEG*00*SA*PO1**20240501", *[s.replace("0001", "0002") for s in SET])
    text += build("GE*2*7", "IEA*1*000000001")
    assert summary(events(text)) == ["ISA", "GS", "850/0001 2", "850/0002", "GE", "IEA A"]


def test_a_missing_ge_is_reported_at_the_iea() -> None:
    assert summary(events(build(ISA, GS, *SET, "IEA*1*000000001"))) == ["ISA", "GS", "850/0001", "GE 3", "IEA A"]


def test_duplicate_control_numbers() -> None:
    text = build(ISA, GS, *SET, *SET, "GE*2*7", GS, *SET, "GE*1*7", "IEA*2*000000001")
    assert summary(events(text)) == ["ISA", "GS", "850/0001", "850/0001 23", "GE", "GS", "850/0001", "GE 19", "IEA A"]


def test_st01_and_st02_syntax() -> None:
    text = build(ISA, GS, "ST*85*01", "BEG*00*SA*PO1**20240501", "SE*3*01", "GE*1*7", "IEA*1*000000001")
    assert summary(events(text))[2] == "85/01 6 7"


def test_gs06_syntax_and_gs_date() -> None:
    text = build(ISA, GS.replace("*7*X", "*A7*X").replace("20240501", "20241301"), *SET, "GE*1*A7", "IEA*1*000000001")
    assert summary(events(text))[1] == "GS 6 6"


def test_stray_segment_between_sets_is_an_invalid_control_structure() -> None:
    text = build(ISA, GS, *SET, "REF*DP*1", *[s.replace("0001", "0002") for s in SET], "GE*2*7", "IEA*1*000000001")
    assert summary(events(text))[-1] == "IEA R 022"


def test_interchange_level_segments() -> None:
    text = build(ISA, "TA1*000000050*240501*1200*A*000", "ISB*1", GS, *SET, "GE*1*7", "IEA*1*000000001")
    assert summary(events(text)) == ["ISA", "TA1", "ISB", "GS", "850/0001", "GE", "IEA A"]


def test_ta1_only_interchange_counts_no_group() -> None:
    text = build(ISA, "TA1*000000050*240501*1200*A*000", "IEA*0*000000001")
    assert summary(events(text)) == ["ISA", "TA1", "IEA A"]


@pytest.mark.parametrize(
    ("old", "new", "code", "rejects"),
    [
        ("*240501*", "*240231*", "014", True),
        ("*0930*", "*2530*", "015", True),
        ("*00401*", "*4010*", "017", True),
        ("*000000001*1*", "*00000000A*1*", "018", True),
        ("*1*T*", "*2*T*", "019", True),
        ("*1*T*", "*1*X*", "020", True),
        ("*ZZ*RETAILER       *", "*Q*RETAILER       *", "005", True),
        ("*ZZ*RETAILER       *", "*ZZ*RETAILER*", "006", False),
        ("*ZZ*HUB            *", "*ZZ*HUB*", "008", False),
        ("*00*          *00*", "*00**00*", "011", False),
    ],
)
def test_isa_field_problems(old: str, new: str, code: str, rejects: bool) -> None:
    isa = ISA.replace(old, new, 1)
    assert isa != ISA
    control = isa.split("*")[13]
    items = events(build(isa, GS, *SET, "GE*1*7", f"IEA*1*{control}"))
    problems = items[0].interchange.problems  # type: ignore[union-attr]
    assert [(p.code, p.rejects) for p in problems] == [(code, rejects)]
    end = items[-1]
    assert isinstance(end, InterchangeEnd) and end.status == ("R" if rejects else "E")


def test_iea02_without_leading_zeros_is_noted_not_rejected() -> None:
    items = events(build(ISA, GS, *SET, "GE*1*7", "IEA*1*1"))
    end = items[-1]
    assert isinstance(end, InterchangeEnd)
    assert [(p.code, p.rejects) for p in end.problems] == [("018", False)] and end.status == "E"


def test_set_problem_as_hub_error_names_segment_and_position() -> None:
    text = build(ISA, GS, "ST*850*0001", "BEG*00*SA*PO1**20240501", "SE*9*0001", "GE*1*7", "IEA*1*000000001")
    ts = next(e for e in events(text) if isinstance(e, TransactionSet))
    error = ts.problems[0].to_error(ts, file="t.edi")
    assert error.code == "4" and error.location.segment == "850" and error.location.position == 3
    assert error.location.file == "t.edi"


def test_every_opened_level_is_closed_even_when_truncated() -> None:
    for cut in range(10, len(build(ISA, GS, *SET, "GE*1*7", "IEA*1*000000001")), 7):
        text = build(ISA, GS, *SET, "GE*1*7", "IEA*1*000000001")[:cut]
        try:
            items = events(text)
        except Exception as error:  # only a cut inside the ISA may fail, and only as a DecodeError
            assert type(error).__name__ == "DecodeError"
            continue
        opened = sum(isinstance(e, InterchangeStart | GroupStart) for e in items)
        closed = sum(isinstance(e, InterchangeEnd | GroupEnd) for e in items)
        assert opened == closed
        end = items[-1]
        assert isinstance(end, InterchangeEnd)
        assert end.rejected == (end.iea is None or not text.rstrip().endswith("000000001"))
