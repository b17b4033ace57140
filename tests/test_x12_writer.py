"""The X12 writer: what it renders reads back through the hub's tokenizer as the same segments, with the partner's
delimiters, a fixed-width ISA and right SE01/GE01/IEA01 counts (and a hypothesis round trip)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.x12.envelope import GroupEnd, InterchangeEnd, TransactionSet, read_interchanges
from adapters.x12.syntax import Delimiters
from adapters.x12.tokenizer import iter_segments
from adapters.x12.writer import (
    MAX_CONTROL,
    isa_row,
    isa_version,
    render_interchange,
    render_segments,
    render_ta1_interchange,
)
from hub.errors import MappingError
from hub.partners.profile import X12Delimiters, X12Identity

HUB = X12Identity(qualifier="ZZ", id="HUB")
ACME = X12Identity(qualifier="01", id="123456789")
WHEN = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
BODY: list[list[str | list[str]]] = [
    ["BEG", "00", "SA", "PO-1", "", "20240501"],
    ["REF", "DP", "042", "", ["ZZ", "X1"]],
    ["N1", "ST", "STORE 42", "92", "0042"],
    ["PO1", "1", "3", ["EA", "", ""], "4.25", "", "VP", "SKU-1"],
    ["CTT", "1"],
]


def interchange(
    sets: Sequence[tuple[str, Sequence[Sequence[str | Sequence[str]]]]],
    delimiters: Delimiters | X12Delimiters = Delimiters(),
    *,
    version: str = "004010",
    control: int = 42,
    group: int = 7,
) -> str:
    return render_interchange(
        sender=HUB,
        receiver=ACME,
        interchange_control=control,
        group_control=group,
        functional_id="PO",
        version=version,
        sets=sets,
        delimiters=delimiters,
        created_at=WHEN,
        test=False,
        ack_requested=True,
    )


def expected_elements(row: Sequence[str | Sequence[str]], component: str) -> list[str]:
    """A row's elements as the tokenizer gives them back: composites joined, trailing empties dropped."""
    values = []
    for value in row[1:]:
        if isinstance(value, str):
            values.append(value)
        else:
            parts = list(value)
            while parts and parts[-1] == "":
                parts.pop()
            values.append(component.join(parts))
    while values and values[-1] == "":
        values.pop()
    return values


# -- delimiters, widths and counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "delimiters",
    [
        X12Delimiters(),
        X12Delimiters(element="|", component="^", repetition="{", segment="!", suffix="\r\n"),
        X12Delimiters(element="~", component="^", repetition="!", segment="_", suffix=""),
        X12Delimiters(element="*", component=":", repetition="^", segment="\n", suffix=""),
        X12Delimiters(element="+", component=":", repetition="^", segment="'", suffix=""),
        X12Delimiters(element="\x1d", component="\x1f", repetition="\x1e", segment="\x1c", suffix=""),
    ],
    ids=["default", "pipe-bang-crlf", "tilde-underscore", "newline", "edifact-like", "control-characters"],
)
@pytest.mark.parametrize("version", ["004010", "005010X231A1"])
def test_rendered_interchange_reads_back_with_the_partners_delimiters(delimiters: X12Delimiters, version: str) -> None:
    text = interchange([("850", BODY), ("850", BODY[:2])], delimiters, version=version)
    segments = list(iter_segments(text.encode()))
    isa = segments[0]
    assert isa.delimiters is not None
    assert (isa.delimiters.element, isa.delimiters.component, isa.delimiters.segment) == (
        delimiters.element,
        delimiters.component,
        delimiters.segment,
    )
    assert isa.delimiters.repetition == (delimiters.repetition if version >= "005010" else None)
    assert isa.get(11) == (delimiters.repetition if version >= "005010" else "U")
    assert [s.tag for s in segments] == [
        "ISA",
        "GS",
        "ST",
        *[r[0] for r in BODY],
        "SE",
        "ST",
        "BEG",
        "REF",
        "SE",
        "GE",
        "IEA",
    ]
    bodies = [s for s in segments if s.tag in {r[0] for r in BODY}]
    rows = BODY + BODY[:2]
    assert [s.elements for s in bodies] == [expected_elements(r, delimiters.component) for r in rows]
    assert text.endswith(
        "IEA" + delimiters.element + "1" + delimiters.element + "000000042" + delimiters.segment + delimiters.suffix
    )
    ends = [e for e in read_interchanges(text.encode()) if isinstance(e, GroupEnd | InterchangeEnd | TransactionSet)]
    assert all(e.problems == [] for e in ends)


def test_isa_has_fixed_widths() -> None:
    text = interchange([("850", BODY)])
    isa_text = text.split("~")[0]
    assert len(isa_text) + 1 == 106  # the ISA with its terminator
    elements = isa_text.split("*")
    widths = [3, 2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1]
    assert [len(e) for e in elements] == widths
    assert elements[6] == "HUB            " and elements[8] == "123456789      " and elements[7] == "01"
    assert elements[9:17] == ["240501", "0930", "U", "00401", "000000042", "1", "P", ">"]


def test_se01_ge01_iea01_count_what_is_there() -> None:
    text = interchange([("850", BODY), ("850", BODY[:1]), ("850", BODY * 3)], group=9)
    segments = list(iter_segments(text.encode()))
    ses = [s for s in segments if s.tag == "SE"]
    assert [s.get(1) for s in ses] == [str(len(BODY) + 2), "3", str(3 * len(BODY) + 2)]
    assert [s.get(2) for s in ses] == ["0001", "0002", "0003"]
    sts = [s for s in segments if s.tag == "ST"]
    assert [s.get(2) for s in sts] == [s.get(2) for s in ses]
    (ge,) = [s for s in segments if s.tag == "GE"]
    (gs,) = [s for s in segments if s.tag == "GS"]
    (iea,) = [s for s in segments if s.tag == "IEA"]
    assert (ge.get(1), ge.get(2), gs.get(6)) == ("3", "9", "9")
    assert (iea.get(1), iea.get(2)) == ("1", segments[0].get(13))


def test_gs_and_st03_by_version() -> None:
    segments = list(iter_segments(interchange([("850", BODY)], version="005010X231A1").encode()))
    gs, st = segments[1], segments[2]
    assert gs.elements == ["PO", "HUB", "123456789", "20240501", "0930", "7", "X", "005010X231A1"]
    assert st.elements == ["850", "0001", "005010X231A1"]
    assert segments[0].get(12) == "00501"
    plain = list(iter_segments(interchange([("850", BODY)], version="005010").encode()))
    assert plain[2].elements == ["850", "0001"]


def test_dates_are_utc_and_rendering_is_deterministic() -> None:
    local = datetime(2024, 5, 1, 4, 30, tzinfo=timezone(timedelta(hours=-5)))
    row = isa_row(
        sender=HUB,
        receiver=ACME,
        interchange_control=1,
        version="004010",
        delimiters=Delimiters(),
        created_at=local,
        test=True,
        ack_requested=False,
    )
    assert row[9:11] == ["240501", "0930"] and row[14:16] == ["0", "T"]
    assert interchange([("850", BODY)]) == interchange([("850", BODY)])


def test_ta1_interchange_has_no_group() -> None:
    text = render_ta1_interchange(
        sender=HUB,
        receiver=ACME,
        interchange_control=5,
        ta1=["TA1", "000000101", "240501", "1030", "A", "000"],
        version="005010",
        delimiters=Delimiters(),
        created_at=WHEN,
        test=False,
    )
    segments = list(iter_segments(text.encode()))
    assert [s.tag for s in segments] == ["ISA", "TA1", "IEA"]
    assert segments[2].elements == ["0", "000000005"]
    (end,) = [e for e in read_interchanges(text.encode()) if isinstance(e, InterchangeEnd)]
    assert end.problems == []


# -- refusals ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["A*B", "A~B", "A>B", "A^B", "line\nbreak", "tab\x01"])
def test_a_delimiter_in_data_is_a_mapping_error_naming_the_element(value: str) -> None:
    with pytest.raises(MappingError) as caught:
        render_segments([["N1", "ST", value]], Delimiters())
    assert caught.value.code == "x12_delimiter_in_data" and caught.value.location.field == "N102"


def test_other_refusals() -> None:
    with pytest.raises(MappingError, match="no tag"):
        render_segments([["", "X"]], Delimiters())
    with pytest.raises(MappingError) as caught:
        interchange([("850", BODY)], control=MAX_CONTROL + 1)
    assert caught.value.code == "x12_control_number"
    with pytest.raises(MappingError):
        interchange([("850", BODY)], control=0)
    with pytest.raises(MappingError) as caught:
        interchange([])
    assert caught.value.code == "x12_empty_group"
    with pytest.raises(MappingError) as caught:
        render_interchange(
            sender=X12Identity(qualifier="ZZ", id="A" * 15),
            receiver=X12Identity(qualifier="ZZZ"[:2], id="B"),
            interchange_control=1,
            group_control=1,
            functional_id="PO",
            version="4010",
            sets=[("850", BODY)],
            delimiters=Delimiters(),
            created_at=WHEN,
            test=False,
            ack_requested=False,
        )
    assert caught.value.code == "x12_version"
    assert isa_version("005010X231A1") == "00501"


# -- round trip property ----------------------------------------------------------------------------------------------

_DELIMITER_SETS = [
    Delimiters("*", ">", "^", "~", "\n"),
    Delimiters("|", "^", "{", "!", "\r\n"),
    Delimiters("~", "^", "!", "_", ""),
    Delimiters("*", ":", "^", "\n", ""),
    Delimiters("+", ":", "^", "'", ""),
    Delimiters("\x1d", "\x1f", "\x1e", "\x1c", ""),
]
_TEXT = st.text(alphabet="ABCXYZ0123456789 .-/#&()@%,=", max_size=12)
_TAG = st.from_regex(r"[A-Z][A-Z0-9]{1,2}", fullmatch=True).filter(
    lambda tag: tag not in {"ISA", "IEA", "GS", "GE", "ST", "SE"}
)
_VALUE = st.one_of(_TEXT, st.lists(_TEXT, min_size=1, max_size=3))
_ROW = st.builds(lambda tag, values: [tag, *values], _TAG, st.lists(_VALUE, max_size=8))


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    sets=st.lists(st.lists(_ROW, min_size=1, max_size=6), min_size=1, max_size=3),
    which=st.sampled_from(range(len(_DELIMITER_SETS))),
    version=st.sampled_from(["004010", "005010"]),
    control=st.integers(min_value=1, max_value=MAX_CONTROL),
)
def test_round_trip(sets: list[list[list[str | list[str]]]], which: int, version: str, control: int) -> None:
    delimiters = _DELIMITER_SETS[which]
    text = interchange([("850", body) for body in sets], delimiters, version=version, control=control)
    segments = list(iter_segments(text.encode()))
    bodies = [s for s in segments if s.tag not in {"ISA", "IEA", "GS", "GE", "ST", "SE"}]
    rows = [row for body in sets for row in body]
    assert [s.tag for s in bodies] == [r[0] for r in rows]
    assert [s.elements for s in bodies] == [expected_elements(r, delimiters.component) for r in rows]
    assert segments[0].get(13) == f"{control:09d}" and segments[-1].elements == ["1", f"{control:09d}"]
    events = list(read_interchanges(text.encode()))
    assert all(e.problems == [] for e in events if isinstance(e, GroupEnd | InterchangeEnd | TransactionSet))
