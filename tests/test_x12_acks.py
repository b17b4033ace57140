"""Content of the acknowledgments the hub sends for X12: 997 (004010) and 999 (005010) AK1/AK2/AK3/AK4/AK5/AK9 and
IK3/IK4/IK5, the AK9 counts, and TA1 (000 accepted, 001 ISA13/IEA02, 021 IEA01 count, 023 truncated,
025 duplicate); each answer, once rendered, meets the hub's own 997/999 definition."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.x12 import ADAPTER
from adapters.x12.acks import SetResult, functional_ack, group_outcome, ta1, ta1_status
from adapters.x12.config import X12Config
from adapters.x12.envelope import (
    GroupEnd,
    InterchangeEnd,
    InterchangeStart,
    TransactionSet,
    read_interchanges,
)
from adapters.x12.problems import GroupProblem, InterchangeProblem, SetProblem
from adapters.x12.schema import validate_set
from adapters.x12.syntax import Delimiters
from adapters.x12.writer import render_interchange
from hub.model import Acknowledgment, AckStatus
from hub.partners.directory import PartnerDirectory
from hub.partners.profile import PartnerProfile, X12Identity
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Envelope, RawMessage

SYNTAX = Path(__file__).resolve().parent.parent / "fixtures" / "x12" / "syntax"
RETAILER_997 = PartnerProfile(name="retailer", x12={"qualifier": "ZZ", "id": "RETAILER"}, ack="997")
RETAILER_999 = PartnerProfile(
    name="retailer", x12={"qualifier": "ZZ", "id": "RETAILER"}, x12_version="005010", ack="999"
)


def envelopes(name: str, partner: PartnerProfile = RETAILER_997, **config: Any) -> list[Envelope]:
    context = ConnectionContext(connection="edi", channel="edi", partners=PartnerDirectory([partner]))
    parser = ADAPTER.build(Capability.FILE_PARSER, X12Config(**config), context)
    body = (SYNTAX / name).read_bytes()
    return parser.parse(RawMessage(body=body, connection="edi", filename=name)).envelopes


def acks_of(name: str, partner: PartnerProfile = RETAILER_997, **config: Any) -> list[Acknowledgment]:
    return [a for e in envelopes(name, partner, **config) for a in e.acks]  # type: ignore[misc]


def rows(ack: Acknowledgment, tag: str | None = None) -> list[list[Any]]:
    segments = ack.content["segments"]
    return [r for r in segments if tag is None or r[0] == tag]


# -- 997 (004010) -------------------------------------------------------------------------------------------------


def test_997_of_an_accepted_group() -> None:
    ta1_ack, ack = acks_of("bom-wrapped-60.edi")  # ISA14 asks for a TA1
    assert (ack.kind, ack.status, ack.acknowledged_id) == ("997", AckStatus.ACCEPTED, "1")
    assert rows(ack) == [["AK1", "PO", "1"], ["AK2", "850", "0001"], ["AK5", "A"], ["AK9", "A", "1", "1", "1"]]
    assert ack.content["version"] == "004010"
    assert rows(ta1_ack) == [["TA1", "000000115", "240501", "0930", "A", "000"]]


def test_997_per_group_with_the_group_identity() -> None:
    _, po, sh = acks_of("multi-group.edi")
    assert rows(po, "AK1") == [["AK1", "PO", "11"]] and rows(po, "AK9") == [["AK9", "A", "2", "2", "2"]]
    assert rows(sh, "AK1") == [["AK1", "SH", "12"]] and rows(sh, "AK2") == [["AK2", "856", "0001"]]


@pytest.mark.parametrize(
    ("name", "code", "counts"),
    [("bad-se-count.edi", "4", ["3", "3", "2"]), ("bad-se-control.edi", "3", ["2", "2", "1"])],
)
def test_997_set_trailer_problems_reject_that_set_only(name: str, code: str, counts: list[str]) -> None:
    ack = acks_of(name)[-1]
    assert ack.status == AckStatus.ACCEPTED_WITH_ERRORS
    assert ["AK2", "850", "0002"] in rows(ack)
    assert rows(ack, "AK5")[1] == ["AK5", "R", code]
    assert all(r == ["AK5", "A"] for i, r in enumerate(rows(ack, "AK5")) if i != 1)
    assert rows(ack, "AK3") == []  # a trailer problem is about the set, not a segment of it
    assert rows(ack, "AK9") == [["AK9", "P", *counts]]


def test_997_ak3_ak4_of_element_errors() -> None:
    ack = acks_of("element-errors.edi")[-1]
    assert rows(ack, "AK3") == [
        ["AK3", "BEG", "2", "", "8"],
        ["AK3", "BEG", "2", "", "8"],
        ["AK3", "PO1", "7", "PO1", "8"],
    ]
    assert rows(ack, "AK4") == [
        ["AK4", "3", "324", "1"],
        ["AK4", "5", "373", "8", "20240231"],
        ["AK4", "7", "234", "2"],
    ]
    assert rows(ack, "AK9") == [["AK9", "P", "3", "3", "1"]]


def test_997_all_sets_rejected_is_ak9_r_with_zero_accepted() -> None:
    ack = acks_of("segment-errors.edi")[-1]
    assert ack.status == AckStatus.REJECTED and rows(ack, "AK9") == [["AK9", "R", "3", "3", "0"]]
    assert [r[4] for r in rows(ack, "AK3")] == ["6", "7", "3"]


@pytest.mark.parametrize(
    ("name", "ak9"),
    [("bad-ge-count.edi", ["AK9", "R", "3", "2", "0", "5"]), ("bad-ge-control.edi", ["AK9", "R", "2", "2", "0", "4"])],
)
def test_997_group_trailer_problems_reject_the_group(name: str, ak9: list[str]) -> None:
    (envelope,) = envelopes(name)
    ack = envelope.acks[-1]
    assert ack.status == AckStatus.REJECTED and rows(ack)[-1] == ak9  # type: ignore[attr-defined]
    assert rows(ack, "AK2") == []  # type: ignore[arg-type]  # its sets had no problem of their own
    assert envelope.documents == [] and [e.code for e in envelope.errors] == [ak9[-1]]


# -- 999 (005010) -------------------------------------------------------------------------------------------------


def test_999_of_an_accepted_005010_group_echoes_gs08() -> None:
    ack = acks_of("pipe-bang-crlf-005010.edi", RETAILER_999)[-1]
    assert ack.kind == "999" and ack.content["version"] == "005010X231A1"
    assert rows(ack) == [
        ["AK1", "PO", "1", "005010"],
        ["AK2", "850", "0001"],
        ["IK5", "A"],
        ["AK9", "A", "1", "1", "1"],
    ]


def test_999_ik3_ik4_ik5() -> None:
    ack = acks_of("element-errors.edi", RETAILER_999)[-1]
    assert ack.kind == "999" and rows(ack, "AK3") == rows(ack, "AK4") == rows(ack, "AK5") == []
    assert rows(ack, "IK3") == [
        ["IK3", "BEG", "2", "", "8"],
        ["IK3", "BEG", "2", "", "8"],
        ["IK3", "PO1", "7", "PO1", "8"],
    ]
    assert rows(ack, "IK4")[1] == ["IK4", "5", "373", "8", "20240231"]
    assert rows(ack, "IK5") == [["IK5", "A"], ["IK5", "R", "5"], ["IK5", "R", "5"]]
    assert rows(ack, "AK1") == [["AK1", "PO", "1", "004010"]]


def test_999_ak2_carries_st03() -> None:
    ts = _one_set("005010X231A1")
    assert ts.implementation_reference == "005010X231A1"
    content = functional_ack("999", ts.group, [SetResult.of(ts)])
    assert content["segments"][1] == ["AK2", "850", "0001", "005010X231A1"]
    assert functional_ack("997", ts.group, [SetResult.of(ts)])["segments"][1] == ["AK2", "850", "0001"]


def test_ack_element_copies_are_bounded_and_free_of_delimiters() -> None:
    ts = _one_set("")
    bad = "BAD:VALUE!{WITH}" + "X" * 200
    body = [["BEG", "00", "SA", bad, "", "20240501"]]
    text = _render("850", body)
    (bad_ts,) = [e for e in read_interchanges(text.encode()) if isinstance(e, TransactionSet)]
    content = functional_ack("997", ts.group, [SetResult.of(bad_ts, validate_set(bad_ts))])
    (ak4,) = [r for r in content["segments"] if r[0] == "AK4"]
    assert ak4[:3] == ["AK4", "3", "324"] and ak4[3] == "5"
    assert len(ak4[4]) <= 99 and ak4[4].startswith("BAD VALUE  WITH ") and not set(ak4[4]) & set(":!{}")


def test_no_acknowledgment_when_the_partner_or_the_connection_says_none() -> None:
    assert [a.kind for a in acks_of("bom-wrapped-60.edi", RETAILER_997.model_copy(update={"ack": "none"}))] == ["TA1"]
    assert [a.kind for a in acks_of("bom-wrapped-60.edi", functional_acks=False)] == ["TA1"]


# -- AK9 counts and status ---------------------------------------------------------------------------------------


def _result(*codes: str, rejects: bool = True) -> SetResult:
    return SetResult("850", "0001", "", tuple(SetProblem(c, "x", rejects=rejects) for c in codes))


@pytest.mark.parametrize(
    ("results", "problems", "declared", "expected"),
    [
        ([_result(), _result()], [], None, ("A", 2, 2, 2, ())),
        ([_result(), _result("5")], [], None, ("P", 2, 2, 1, ())),
        ([_result("5"), _result("4")], [], None, ("R", 2, 2, 0, ())),
        ([_result(), _result("5", rejects=False)], [], None, ("E", 2, 2, 2, ())),
        ([_result(), _result()], [GroupProblem("5", "count")], 3, ("R", 3, 2, 0, ("5",))),
        (
            [_result()],
            [GroupProblem("4", "a"), GroupProblem("5", "b"), GroupProblem("4", "c")],
            1,
            ("R", 1, 1, 0, ("4", "5")),
        ),
        (
            [_result()],
            [GroupProblem(str(n), "x") for n in range(1, 9)],
            None,
            ("R", 1, 1, 0, ("1", "2", "3", "4", "5")),
        ),
        ([], [], 0, ("A", 0, 0, 0, ())),
    ],
)
def test_group_outcome_counts(
    results: list[SetResult], problems: list[GroupProblem], declared: int | None, expected: tuple[Any, ...]
) -> None:
    outcome = group_outcome(results, problems, declared)
    assert (outcome.status, outcome.included, outcome.received, outcome.accepted, outcome.codes) == expected


def test_ak5_lists_at_most_five_distinct_codes() -> None:
    ts = _one_set("")
    result = SetResult.of(ts, [SetProblem(c, "x") for c in ("5", "4", "5", "3", "23", "6", "7")])
    (ak5,) = [r for r in functional_ack("997", ts.group, [result])["segments"] if r[0] == "AK5"]
    assert ak5 == ["AK5", "R", "5", "4", "3", "23", "6"]


def test_functional_ack_refuses_other_kinds() -> None:
    ts = _one_set("")
    with pytest.raises(ValueError, match="997 or a 999"):
        functional_ack("855", ts.group, [])  # type: ignore[arg-type]


# -- TA1 -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [("bad-iea-control.edi", "001"), ("bad-iea-count.edi", "021"), ("truncated.edi", "023")],
)
def test_ta1_rejects_the_interchange(name: str, code: str) -> None:
    (envelope,) = envelopes(name)
    (ack,) = envelope.acks  # no 997: the whole interchange is refused
    assert ack.kind == "TA1" and ack.status == AckStatus.REJECTED and ack.code == code  # type: ignore[attr-defined]
    assert rows(ack)[0][4:] == ["R", code]  # type: ignore[arg-type]
    assert envelope.documents == [] and envelope.errors[0].code == code


def test_ta1_accepted_only_when_requested_or_configured() -> None:
    (ack,) = [a for a in acks_of("bom-wrapped-60.edi") if a.kind == "TA1"]
    assert rows(ack)[0][4:] == ["A", "000"] and ack.status == AckStatus.ACCEPTED
    text = (SYNTAX / "bom-wrapped-60.edi").read_bytes().replace(b"*1*P*>", b"*0*P*>")
    assert b"*0*P*>" in text
    context = ConnectionContext(connection="edi", channel="edi", partners=PartnerDirectory([RETAILER_997]))
    for mode, kinds in (("requested", ["997"]), ("always", ["TA1", "997"])):
        parser = ADAPTER.build(Capability.FILE_PARSER, X12Config(ta1=mode), context)
        (envelope,) = parser.parse(RawMessage(body=text, connection="edi", filename="x.edi")).envelopes
        assert [a.kind for a in envelope.acks] == kinds  # type: ignore[attr-defined]


def test_ta1_025_is_ready_for_a_duplicate() -> None:
    for envelope in envelopes("two-interchanges-different-delimiters.edi"):
        (duplicate,) = envelope.on_duplicate
        assert duplicate.kind == "TA1" and duplicate.status == AckStatus.REJECTED  # type: ignore[attr-defined]
        assert rows(duplicate)[0][4:] == ["R", "025"]  # type: ignore[arg-type]
        assert rows(duplicate)[0][1] == envelope.key.rsplit(":", 1)[1]  # type: ignore[arg-type]


def test_ta1_with_a_noted_problem_is_accepted_with_errors() -> None:
    noted = [InterchangeProblem("018", "IEA02 without its width", "IEA02", rejects=False)]
    assert ta1_status(noted) == ("E", "018")
    assert ta1_status([*noted, InterchangeProblem("001", "mismatch")]) == ("R", "001")
    assert ta1_status([]) == ("A", "000")


def test_ta1_fields_are_fixed_width_even_for_a_sloppy_isa() -> None:
    text = (SYNTAX / "bom-wrapped-60.edi").read_bytes()
    (start,) = [e for e in read_interchanges(text) if isinstance(e, InterchangeStart)]
    interchange = start.interchange
    interchange.control_number, interchange.date, interchange.time = "42", "2405", "9:30"
    assert ta1(interchange)["segments"] == [["TA1", "000000042", "000000", "0000", "A", "000"]]
    interchange.control_number = "ABC"
    assert ta1(interchange, duplicate=True)["segments"] == [["TA1", "000000000", "000000", "0000", "R", "025"]]


def test_truncated_interchange_reports_set_group_and_interchange_codes() -> None:
    events = list(read_interchanges((SYNTAX / "truncated.edi").read_bytes()))
    sets = [e for e in events if isinstance(e, TransactionSet)]
    (group_end,) = [e for e in events if isinstance(e, GroupEnd)]
    (end,) = [e for e in events if isinstance(e, InterchangeEnd)]
    assert [p.code for p in sets[-1].problems] == ["2"]
    assert [p.code for p in group_end.problems] == ["3"]
    assert [p.code for p in end.problems] == ["023"] and ta1_status(end.problems) == ("R", "023")
    content = functional_ack(
        "997", group_end.group, [SetResult.of(s, s.problems) for s in sets], group_end.problems, group_end.set_count
    )
    assert content["segments"][-1] == ["AK9", "R", str(len(sets)), str(len(sets)), "0", "3"]
    assert ["AK5", "R", "2"] in content["segments"]


# -- rendered answers meet the hub's own 997 / 999 definitions -------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in SYNTAX.glob("*.edi")))
@pytest.mark.parametrize("partner", [RETAILER_997, RETAILER_999], ids=["997", "999"])
def test_every_answer_validates_against_its_own_definition(name: str, partner: PartnerProfile) -> None:
    for ack in acks_of(name, partner):
        if ack.kind == "TA1":
            continue
        body = ack.content["segments"]
        version = "004010" if ack.kind == "997" else "005010X231A1"
        (ts,) = [
            e
            for e in read_interchanges(_render(ack.kind, body, version=version, fid="FA").encode())
            if isinstance(e, TransactionSet)
        ]
        assert ts.problems == [] and validate_set(ts) == [], (name, body)


# -- helpers -----------------------------------------------------------------------------------------------------------


def _render(set_id: str, body: list[list[Any]], *, version: str = "004010", fid: str = "PO") -> str:
    return render_interchange(
        sender=X12Identity(qualifier="ZZ", id="HUB"),
        receiver=X12Identity(qualifier="ZZ", id="RETAILER"),
        interchange_control=7,
        group_control=8,
        functional_id=fid,
        version=version,
        sets=[(set_id, body)],
        delimiters=Delimiters(),
        created_at=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        test=False,
        ack_requested=False,
    )


def _one_set(version: str) -> TransactionSet:
    body = [["BEG", "00", "SA", "PO-1", "", "20240501"], ["N1", "ST", "STORE", "92", "1"], ["PO1", "1", "1", "EA"]]
    text = _render("850", body, version=version or "004010")
    (ts,) = [e for e in read_interchanges(text.encode()) if isinstance(e, TransactionSet)]
    return ts
