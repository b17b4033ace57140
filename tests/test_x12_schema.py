"""X12 set validation against mappings/x12: element types and lengths, mandatory elements, syntax notes,
unknown and misplaced segments, loops, per set definitions -> AK3/AK4 (IK3/IK4) codes, and a bad set
rejected alone while the good sets of its group go through."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.x12 import ADAPTER
from adapters.x12.acks import SetResult, functional_ack
from adapters.x12.config import X12Config
from adapters.x12.definitions import segment_def, set_definitions
from adapters.x12.element_checks import element_problems
from adapters.x12.envelope import TransactionSet, read_interchanges
from adapters.x12.parser import folded
from adapters.x12.problems import SegmentProblem, SetProblem
from adapters.x12.schema import supported_sets, validate_set
from hub.model import Order
from hub.partners.directory import PartnerDirectory
from hub.partners.profile import PartnerProfile
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import ParseResult, RawMessage

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "x12"
SYNTAX = FIXTURES / "syntax"
HEAD = ["BEG*00*SA*PO-1**20240501", "CUR*BY*USD", "REF*DP*042"]
PARTY = ["N1*ST*STORE 42*92*0042", "N3*1 MAIN ST", "N4*SPRINGFIELD*IL*62701*US"]
LINE = ["PO1*1*3*EA*4.25**VP*SKU-1", "PID*F****MUG"]
PO = [*HEAD, *PARTY, *LINE, "CTT*1"]


def one_set(
    body: list[str], *, set_id: str = "850", fid: str = "PO", gs08: str = "004010", isa12: str = "00401"
) -> TransactionSet:
    rep = "U" if isa12 < "00402" else "^"
    st = f"ST*{set_id}*0001" + ("*" + gs08 if gs08 >= "005010" and len(gs08) > 6 else "")
    text = "~\n".join(
        [
            f"ISA*00*          *00*          *ZZ*RETAILER       *ZZ*HUB            *240501*0930*{rep}*{isa12}"
            "*000000001*0*P*>",
            f"GS*{fid}*RETAILER*HUB*20240501*0930*1*X*{gs08}",
            st,
            *body,
            f"SE*{len(body) + 2}*0001",
            "GE*1*1",
            "IEA*1*000000001",
        ]
    )
    (ts,) = [e for e in read_interchanges(text.encode() + b"~\n") if isinstance(e, TransactionSet)]
    assert ts.problems == []
    return ts


def segment_notes(ts: TransactionSet) -> list[SegmentProblem]:
    found = validate_set(ts)
    assert all(p.code == "5" and p.segment is not None for p in found)
    return [p.segment for p in found if p.segment is not None]


def element_codes(body: list[str], **kw: str) -> list[tuple[str, int, str, int | None]]:
    """(AK403 code, AK401 position, AK402 reference, component) of every element problem."""
    return [
        (e.code, e.position, e.reference, e.component) for s in segment_notes(one_set(body, **kw)) for e in s.elements
    ]


# -- elements: AK4 / IK4 codes -----------------------------------------------------------------------------------------


def test_a_valid_set_has_no_problem() -> None:
    assert validate_set(one_set(PO)) == []
    assert validate_set(one_set(PO, gs08="005010", isa12="00501")) == []


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("BEG*00*SA***20240501", ("1", 3, "324", None)),  # mandatory element missing
        ("BEG*00*SA*" + "P" * 23 + "**20240501", ("5", 3, "324", None)),  # AN 1-22: too long
        ("BEG*00*S*PO-1**20240501", ("4", 2, "92", None)),  # ID 2-2: too short
        ("BEG*00*SA*PO-1**20240231", ("8", 5, "373", None)),  # DT: no 31 February
        ("BEG*00*SA*PO-1**2024051", ("8", 5, "373", None)),  # DT: 7 digits
        ("BEG*00*SA*PO\x01**20240501", ("6", 3, "324", None)),  # control character
        ("BEG*00*SA*PO-1**20240501*****************", None),  # empty trailing elements are tolerated
        ("BEG*00*SA*PO-1**20240501" + "*" * 7 + "*X", ("3", 13, "", None)),  # too many data elements
    ],
)
def test_beg_element_codes(segment: str, expected: tuple[str, int, str, int | None] | None) -> None:
    body = [segment, *PO[1:]]
    assert element_codes(body) == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("CUR*BY*US", [("4", 2, "100", None)]),
        ("CUR*BY*USDX", [("5", 2, "100", None)]),
        ("CUR*BY", [("1", 2, "100", None)]),
        ("CTT*X", [("6", 1, "354", None)]),  # N0: not a number
        ("CTT*1234567", [("5", 1, "354", None)]),  # N0 1-6: too long
        ("DTM*002*20240510*2561", [("9", 3, "337", None)]),  # TM: 25 o'clock
        ("DTM*002*20240510*10", [("9", 3, "337", None)]),  # TM: 4-8 digits
        ("DTM*002", [("2", 2, "373", None)]),  # R020305: one of 02, 03, 05 is required
        ("REF*DP", [("2", 2, "127", None)]),  # R0203
        ("REF*DP*042**ZZ", [("1", 4, "127", 2)]),  # composite C040: its mandatory second component
        ("PO1*1*abc*EA*4.25**VP*SKU-1", [("6", 2, "330", None)]),  # R: not a decimal
        ("PO1*1*3*EA*1.2.3**VP*SKU-1", [("6", 4, "212", None)]),
        ("PO1*1*3*EA*4.25**VP", [("2", 7, "234", None)]),  # P0607: paired
        ("PO1*1**EA*4.25**VP*SKU-1", [("2", 2, "330", None)]),  # C0302: if 03 then 02
    ],
)
def test_element_codes_by_type_and_syntax_note(segment: str, expected: list[tuple[str, int, str, int | None]]) -> None:
    tag = segment.split("*")[0]
    body = [segment if s.split("*")[0] == tag else s for s in PO]
    if tag == "DTM":
        body = [*HEAD, segment, *PARTY, *LINE, "CTT*1"]
    assert element_codes(body) == expected


def test_several_element_problems_of_one_segment_are_all_listed_in_order() -> None:
    assert element_codes(["BEG*0*SA***20241301", *PO[1:]]) == [
        ("4", 1, "353", None),
        ("1", 3, "324", None),
        ("8", 5, "373", None),
    ]


def test_component_separator_in_a_simple_element_depends_on_the_release() -> None:
    body = ["BEG*00*SA*PO>1**20240501", *PO[1:]]
    assert element_codes(body) == [("6", 3, "324", None)]
    assert element_codes(body, gs08="005010", isa12="00501") == [("13", 3, "324", None)]


def test_lengths_follow_the_release() -> None:
    body = [*PO[:2], "REF*DP*" + "R" * 40, *PO[3:]]
    assert element_codes(body) == [("5", 2, "127", None)]  # 004010: 1-30
    assert element_codes(body, gs08="005010", isa12="00501") == []  # 005010: 1-50


def test_before_004010_dates_may_have_six_digits() -> None:
    body = ["BEG*00*SA*PO-1**240501", *PO[1:]]
    assert element_codes(body) == [("8", 5, "373", None)]
    assert element_codes(body, gs08="003050", isa12="00305") == []


@pytest.mark.parametrize(
    ("values", "codes"),
    [
        (["", "", "", "", "", "", "", ""], [("2", 3)]),  # R03050608
        (["", "", "1", "IN", "", "", "", "", "", "", "1", "2"], [("10", 12)]),  # E0412: 04 or 12, not both
        (["", "", "", "", "5", "", "", ""], [("2", 4)]),  # L050412: 05 needs 04 or 12
        (["", "", "1", "", "", "", "", "", "", "", "1"], [("2", 12)]),  # P1112
    ],
)
def test_rule_kinds(values: list[str], codes: list[tuple[str, int]]) -> None:
    mea = segment_def("MEA", "004010")
    assert mea is not None
    found = element_problems(mea, values, ">", "004010")
    assert [(p.code, p.position) for p in found] == codes


def test_closed_code_lists_answer_code_7() -> None:
    ts = one_set(["AK1*PO*17", "AK2*850*0001", "AK5*Q", "AK9*Z*1*1*1"], set_id="997", fid="FA")
    notes = segment_notes(ts)
    assert [(n.tag, n.position, n.code) for n in notes] == [("AK5", 4, "8"), ("AK9", 5, "8")]
    assert [(e.code, e.position, e.reference, e.value) for n in notes for e in n.elements] == [
        ("7", 1, "717", "Q"),
        ("7", 1, "715", "Z"),
    ]


# -- segments: AK3 / IK3 codes ---------------------------------------------------------------------------------------


def test_segment_codes_of_the_fixture() -> None:
    sets = [e for e in read_interchanges((SYNTAX / "segment-errors.edi").read_bytes()) if isinstance(e, TransactionSet)]
    found = [[(s.tag, s.position, s.loop_id, s.code) for s in segment_notes(ts)] for ts in sets]
    assert found == [[("ZZZ", 3, "", "6")], [("BEG", 12, "CTT", "7")], [("BEG", 2, "", "3")]]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([*PO[:1], "ZZZ*1", *PO[1:]], [("ZZZ", 3, "", "6")]),  # not in the set (a well-formed tag)
        ([*PO[:1], "zz*1", *PO[1:]], [("zz", 3, "", "1")]),  # not a segment id at all
        ([*PO[:1], "LQ*1*X", *PO[1:]], [("LQ", 3, "", "2")]),  # of the set, but only inside the LM loop
        ([*PO[:2], "CUR*BY*EUR", *PO[2:]], [("CUR", 4, "", "5")]),  # CUR max use 1
        ([*PO[:3], "BEG*00*SA*PO-2**20240501", *PO[3:]], [("BEG", 5, "", "7")]),  # back to an earlier entry
        (PO[1:], [("BEG", 2, "", "3")]),  # mandatory segment missing, reported where it was due
        ([*HEAD, "SAC*A*C310", *PARTY, *LINE, "CTT*1"], []),
        ([*HEAD, *["SAC*A*C310"] * 26, *PARTY, *LINE, "CTT*1"], [("SAC", 30, "SAC", "4")]),  # loop max 25
        ([*PO[:7], *LINE, "PO1*2*1*EA*1**VP*SKU-2", "PO1*3*1*EA*1**VP*SKU-3", "CTT*3"], []),
        ([*PO[:6], "PID*F****MUG", *LINE, "CTT*1"], [("PID", 8, "N1", "7")]),  # a header PID after the N1 loop
    ],
)
def test_segment_codes(body: list[str], expected: list[tuple[str, int, str, str]]) -> None:
    assert [(s.tag, s.position, s.loop_id, s.code) for s in segment_notes(one_set(body))] == expected


def test_problem_positions_count_from_st_and_carry_the_interchange_position() -> None:
    (note,) = segment_notes(one_set([*PO[:1], "ZZZ*1", *PO[1:]]))
    assert (note.position, note.interchange_position) == (3, 5)  # ISA GS ST BEG ZZZ
    problem = validate_set(one_set([*PO[:1], "ZZZ*1", *PO[1:]]))[0]
    error = problem.to_error(one_set(PO), file="in.edi")
    assert (error.code, error.location.segment, error.location.position) == ("5", "ZZZ", 5)


def test_element_problem_names_its_field() -> None:
    (problem,) = validate_set(one_set(["BEG*00*SA***20240501", *PO[1:]]))
    assert problem.field() == "BEG03"
    (problem,) = validate_set(one_set([*PO[:2], "REF*DP*042**ZZ", *PO[3:]]))
    assert problem.field() == "REF04-2"


# -- set definitions -------------------------------------------------------------------------------------------


def test_every_set_definition_loads_and_starts_with_st() -> None:
    definitions = set_definitions()
    assert supported_sets() == sorted(definitions)
    assert {"810", "846", "850", "855", "856", "860", "940", "943", "944", "945", "997", "999"} <= set(definitions)
    for set_id, found in definitions.items():
        assert found.set_id == set_id and len(found.functional_id) == 2
        first, last = found.root.children[0], found.root.children[-1]
        assert (first.tag, last.tag) == ("ST", "SE"), set_id  # type: ignore[union-attr]
        assert {"ST", "SE"} <= found.tags


def test_a_set_without_definition_is_not_supported() -> None:
    (problem,) = validate_set(one_set(["BGN*00*1*20240501"], set_id="834", fid="BE"))
    assert (problem.code, problem.segment) == ("1", None)


def _fixture_sets() -> list[tuple[str, TransactionSet]]:
    names = ["846-bolt-inventory.edi", "850-acme-po-4502.edi", "850-acme-three-lines.edi", "860-acme-po-4502.edi"]
    names += ["944-bolt-receipt.edi", "945-bolt-shipping.edi", "997-acme-answer.edi", "999-bolt-answer.edi"]
    names += [f"syntax/{n}" for n in ("multi-group.edi", "pipe-bang-crlf-005010.edi", "bom-wrapped-60.edi")]
    found = []
    for name in names:
        for event in read_interchanges((FIXTURES / name).read_bytes()):
            if isinstance(event, TransactionSet):
                found.append((name, event))
    return found


@pytest.mark.parametrize(("name", "ts"), _fixture_sets(), ids=lambda v: v if isinstance(v, str) else v.set_id)
def test_valid_fixtures_meet_their_set_definition(name: str, ts: TransactionSet) -> None:
    assert ts.problems == [] and validate_set(ts) == [], name


# -- into the acknowledgments ---------------------------------------------------------------------------------------


def test_element_errors_become_ak3_ak4_and_ik3_ik4() -> None:
    sets = [e for e in read_interchanges((SYNTAX / "element-errors.edi").read_bytes()) if isinstance(e, TransactionSet)]
    results = [SetResult.of(ts, validate_set(ts)) for ts in sets]
    seven = functional_ack("997", sets[0].group, results)["segments"]
    assert seven == [
        ["AK1", "PO", "1"],
        ["AK2", "850", "0001"],
        ["AK5", "A"],
        ["AK2", "850", "0002"],
        ["AK3", "BEG", "2", "", "8"],
        ["AK4", "3", "324", "1"],
        ["AK5", "R", "5"],
        ["AK2", "850", "0003"],
        ["AK3", "BEG", "2", "", "8"],
        ["AK4", "5", "373", "8", "20240231"],
        ["AK3", "PO1", "7", "PO1", "8"],
        ["AK4", "7", "234", "2"],
        ["AK5", "R", "5"],
        ["AK9", "P", "3", "3", "1"],
    ]
    nine = functional_ack("999", sets[0].group, results)["segments"]
    assert nine[0] == ["AK1", "PO", "1", "004010"]
    assert [row[0] for row in nine] == [
        "AK1",
        "AK2",
        "IK5",
        "AK2",
        "IK3",
        "IK4",
        "IK5",
        "AK2",
        "IK3",
        "IK4",
        "IK3",
        "IK4",
        "IK5",
        "AK9",
    ]
    assert [row[1:] for row in nine if row[0] != "AK1"] == [row[1:] for row in seven if row[0] != "AK1"]


def test_composite_positions_are_composites_in_the_ack() -> None:
    ts = one_set([*PO[:2], "REF*DP*042**ZZ", *PO[3:]])
    rows = functional_ack("999", ts.group, [SetResult.of(ts, validate_set(ts))])["segments"]
    assert ["IK3", "REF", "4", "", "8"] in rows and ["IK4", ["4", "2"], "127", "1"] in rows


def test_at_most_five_ak5_codes_and_bounded_ak3_notes() -> None:
    many = [SetProblem("5", f"note {n}", SegmentProblem("6", "ZZZ", n + 3)) for n in range(150)]
    ts = one_set(PO)
    rows = functional_ack("997", ts.group, [SetResult.of(ts, many)])["segments"]
    assert sum(row[0] == "AK3" for row in rows) == 100
    assert ["AK5", "R", "5"] in rows


# -- through the parser: a bad set rejected alone ------------------------------------------------------------------


RETAILER = PartnerProfile(name="retailer", x12={"qualifier": "ZZ", "id": "RETAILER"}, ack="997")


def parse(name: str, partner: PartnerProfile = RETAILER) -> ParseResult:
    context = ConnectionContext(connection="edi", channel="edi", partners=PartnerDirectory([partner]))
    parser = ADAPTER.build(Capability.FILE_PARSER, X12Config(), context)
    return folded(parser.parse(RawMessage(body=(SYNTAX / name).read_bytes(), connection="edi", filename=name)))


def test_bad_sets_are_rejected_alone_and_the_good_one_goes_through() -> None:
    result = parse("element-errors.edi")
    orders = [d for d in result.documents if isinstance(d, Order)]
    assert [o.external_id for o in orders] == ["PO00001"]
    assert [(e.code, e.location.segment, e.location.field) for e in result.errors] == [
        ("5", "BEG", "BEG03"),
        ("5", "BEG", "BEG05"),
    ]
    ta1, ack = result.acks  # ISA14 is 1
    assert ta1.kind == "TA1" and ack.kind == "997"
    rows = ack.content["segments"]
    assert rows[-1] == ["AK9", "P", "3", "3", "1"]
    assert [r for r in rows if r[0] == "AK5"] == [["AK5", "A"], ["AK5", "R", "5"], ["AK5", "R", "5"]]


def test_segment_errors_reject_every_set_of_the_fixture() -> None:
    result = parse("segment-errors.edi", RETAILER.model_copy(update={"ack": "999", "x12_version": "005010"}))
    assert result.documents == []
    ack = result.acks[-1]
    rows = ack.content["segments"]
    assert ack.kind == "999" and rows[-1] == ["AK9", "R", "3", "3", "0"]
    assert [r[1:] for r in rows if r[0] == "IK3"] == [
        ["ZZZ", "3", "", "6"],
        ["BEG", "12", "CTT", "7"],
        ["BEG", "2", "", "3"],
    ]


def test_a_known_shape_still_has_its_elements_checked() -> None:
    """Sets of one shape: the first is walked and remembered, the next only element-checked; a bad element in a
    set of a known shape is still found, placed in its loop and coded like in a set walked from scratch."""
    assert validate_set(one_set(PO)) == []
    bad_line = ["PO1*1*3*EA*4.25**VP*" + "S" * 49, "PID*F****MUG"]  # PO107 (AN 1-48) too long
    fresh = segment_notes(one_set([*HEAD, *PARTY, *bad_line, "CTT*1"]))
    assert [(s.tag, s.position, s.loop_id, s.code) for s in fresh] == [("PO1", 8, "PO1", "8")]
    assert [(e.code, e.position) for e in fresh[0].elements] == [("5", 7)]
    assert validate_set(one_set(PO)) == [], "a good set of the remembered shape"
    again = segment_notes(one_set([*HEAD, *PARTY, *bad_line, "CTT*1"]))
    assert again == fresh


def test_a_known_shape_breaking_a_syntax_note_is_still_reported() -> None:
    good = [*PO[:2], "REF*DP*042", *PO[3:]]
    assert validate_set(one_set(good)) == []
    (note,) = segment_notes(one_set([*PO[:2], "REF*DP", *PO[3:]]))  # R0203: REF02 or REF03 required
    assert (note.tag, note.code) == ("REF", "8")
