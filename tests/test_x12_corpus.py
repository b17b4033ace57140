"""Every third-party X12 sample in ../shared/corpus/x12 (see EDI-SOURCES.md) through the hub's syntax layer
(tokenizer, envelope, set definitions): it reads, or it is refused with the acknowledgment code that names its
fault. Then the mapping, with partner profiles built here from each corpus sender's ISA05/06."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.x12 import ADAPTER
from adapters.x12.config import X12Config
from adapters.x12.envelope import GroupEnd, InterchangeEnd, InterchangeStart, TransactionSet, read_interchanges
from adapters.x12.parser import folded
from adapters.x12.schema import supported_sets, validate_set
from adapters.x12.tokenizer import iter_segments
from hub.errors import DecodeError, HubError
from hub.model import Order, OrderChange, ReceivedAck, Shipment
from hub.partners.directory import PartnerDirectory
from hub.partners.profile import PartnerProfile
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import ParseResult, RawMessage

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "x12"
NAMES = sorted(p.name for p in CORPUS.glob("*.edi")) if CORPUS.is_dir() else []
ABSENT = "../shared/corpus/x12 is absent: the third-party X12 samples are not on this machine"

# What the syntax layer finds, by file (a file not listed reads clean). Keys: decode (DecodeError code),
# ta1 (rejecting TA105 codes), ak9 (rejecting group codes), ak5 (set envelope codes: SE01, SE02, ST02),
# ak3 (distinct (segment, AK304 code) of sets the hub has a definition for).
EXPECTED: dict[str, dict[str, Any]] = {
    # invalid on purpose (their names say so)
    "ediengine-NonEdi.edi": {"decode": "not_x12"},
    "vscodeedi-850-with-comments.edi": {"decode": "not_x12"},  # '// n' comments after the IEA
    "ediengine-940_Failed_SE01.edi": {"ak5": ["4"]},
    "ediengine-ControlNumbersMismatch.edi": {"ta1": ["001"], "ak9": ["4"], "ak5": ["3"]},
    "ediengine-WrongGroupsAndTranCount.edi": {"ta1": ["021"], "ak9": ["5"], "ak3": [("W66", "3")]},
    "ediengine-850.SyntaxNotes.ERR.edi": {"ak3": [("PO1", "8")]},
    "staedi-999-invalid.edi": {"ak5": ["4"]},
    "stupidedi-003010-PO850-fail-1.edi": {"ak5": ["4"]},
    "stupidedi-003050-PO850-fail-1.edi": {"ak3": [("DTM", "8"), ("NTE", "6")]},  # NTE is not in the 004010 850
    "stupidedi-004010-PR855-fail-2.edi": {"ak3": [("PO1", "8"), ("SCH", "8")]},
    "stupidedi-004010-SC832-fail-1.edi": {"ak5": ["4"]},
    "stupidedi-004010-SH856-fail-2.edi": {"ak5": ["4"]},
    # described as a control-number mismatch (IEA02 000000001, ISA13 000000055)
    "edinet-850.edi": {"ta1": ["001"]},
    # ISA16 is '~' and LF ends segments: every element before a line end carries a stray '~' (IEA02 included)
    "edinet-850-issue135.edi": {
        "ta1": ["001"],
        "ak9": ["4"],
        "ak5": ["23"],
        "ak3": [(tag, "8") for tag in ("BEG", "CTT", "CUR", "DTM", "N1", "PER", "PID", "PO1", "PO4", "REF", "SE")]
        + [("ST", "8"), ("TD5", "8")],
    },
    # faults the samples carry without saying so
    "imsweb-837-separators-tilde-underscore.edi": {"ak5": ["4"]},  # SE01 says 25, the set has 34 segments
    "ballerina-850-one-line.edi": {"ak3": [("PO1", "8")]},  # PO105 BP then PO106 SKU-A: an element is missing
    "ediengine-940.W05.Only.edi": {"ak3": [("LX", "3"), ("W66", "3")]},  # only W05: mandatory W66 and LX loop
    "ediengine-AckTest.edi": {"ak3": [("N9", "8")]},
    "ediengine-MultipleInterchangesAndGroups.edi": {"ak3": [("W66", "3")]},  # the 940s lack their W66
    "imsweb-999-with-ta1.edi": {"ak3": [("AK2", "8")]},  # AK202 '101' is shorter than an ST02 (4-9)
    "staedi-810-850-two-groups.edi": {"ak3": [("N1", "8")]},  # N103 without N104 (P0304)
    "staedi-997-repetitions.edi": {"ak3": [("AK3", "8"), ("AK4", "8")]},  # repetitions where 997 has none
    "vscodeedi-850-864-two-groups.edi": {"ak3": [("PO1", "3")]},  # 850s without a line
}


def syntax_summary(body: bytes) -> dict[str, Any]:
    """The codes the syntax layer gives `body`, in the shape of EXPECTED."""
    found: dict[str, list[Any]] = {"ta1": [], "ak9": [], "ak5": [], "ak3": []}
    try:
        events = list(read_interchanges(body))
    except DecodeError as exc:
        return {"decode": exc.code}
    notes: set[tuple[str, str]] = set()
    for event in events:
        if isinstance(event, InterchangeEnd):
            found["ta1"] += [p.code for p in event.problems if p.rejects]
        elif isinstance(event, GroupEnd):
            found["ak9"] += [p.code for p in event.problems if p.rejects]
        elif isinstance(event, TransactionSet):
            found["ak5"] += [p.code for p in event.problems if p.rejects]
            if not event.problems and event.set_id in supported_sets():
                notes |= {(p.segment.tag, p.segment.code) for p in validate_set(event) if p.segment is not None}
    found["ak3"] = sorted(notes)
    return {key: value for key, value in found.items() if value}


@pytest.fixture(scope="module", autouse=True)
def _corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip(ABSENT)


def test_the_corpus_has_what_its_sources_promise() -> None:
    assert len(NAMES) >= 60
    unknown = sorted(set(EXPECTED) - set(NAMES))
    assert unknown == [], "EXPECTED names files that are not in the corpus"


@pytest.mark.parametrize("name", NAMES or ["(absent)"])
def test_syntax_layer_reads_or_names_the_fault(name: str) -> None:
    body = (CORPUS / name).read_bytes()
    assert syntax_summary(body) == EXPECTED.get(name, {})


@pytest.mark.parametrize("name", NAMES or ["(absent)"])
def test_segments_keep_the_bytes_they_came_from(name: str) -> None:
    """Every segment's byte offset points at its tag in the input (a BOM, CR/LF and wraps included)."""
    body = (CORPUS / name).read_bytes()
    try:
        segments = list(iter_segments(body))
    except DecodeError as exc:
        assert exc.code == "not_x12" and exc.location.position is not None
        return
    unwrapped = name == "staedi-210-wrapped-80.edi"
    for segment in segments:
        head = body[segment.offset : segment.offset + 8].replace(b"\r", b"").replace(b"\n", b"")
        assert head.startswith(segment.tag.encode()) or unwrapped, (segment, head)
    assert next(s.position for s in segments if s.tag == "ISA") == 1


def test_delimiter_quirks_are_read_from_each_isa() -> None:
    cases = {
        "silvenga-856-pipe-separator.edi": ("|", ">", "~"),
        "imsweb-837-separators-tilde-underscore.edi": ("~", "^", "_"),
        "staedi-214-ellipsis-terminator.edi": ("*", ">", "\u2026"),
        "edinet-850-issue135.edi": ("*", "~", "\n"),
        "x12types-856-004060-1edisource.edi": ("*", ">", "\n"),
        "stupidedi-002001-PO830-fail-1.edi": ("*", "@", "!"),
    }
    for name, (element, component, terminator) in cases.items():
        isa = next(iter_segments((CORPUS / name).read_bytes()))
        assert isa.delimiters is not None
        assert (isa.delimiters.element, isa.delimiters.component, isa.delimiters.segment) == (
            element,
            component,
            terminator,
        ), name


def test_interchange_level_segments_and_several_interchanges() -> None:
    def starts(name: str) -> list[Any]:
        return [e for e in read_interchanges((CORPUS / name).read_bytes()) if isinstance(e, InterchangeStart)]

    assert len(starts("staedi-997-three-interchanges.edi")) == 3
    assert len(starts("ediengine-MultipleInterchangesAndGroups.edi")) == 2
    ends = [
        e for e in read_interchanges((CORPUS / "staedi-ta1-only.edi").read_bytes()) if isinstance(e, InterchangeEnd)
    ]
    assert ends[0].received == 0 and ends[0].problems == []  # IEA01 = 1 counts the TA1


# -- through the parser, with a profile for the corpus sender --------------------------------------------------------

PROFILES: dict[str, dict[str, Any]] = {
    "x12types-850-buysnacks.edi": {"sku_qualifier": "CB"},
    "node-x12-850.edi": {"sku_qualifier": "VN"},
    "ediengine-850.OK.edi": {"sku_qualifier": "VN"},
    "node-x12-850_3.edi": {"sku_qualifier": "SK"},
    "stedi-850-00501.edi": {"sku_qualifier": "SK"},
    "stupidedi-004010-X357-850-basic-po.edi": {"sku_qualifier": "MG", "overrides": {"850": {"ship_to": "BY"}}},
}


def parse_as_partner(name: str, **profile: Any) -> ParseResult:
    body = (CORPUS / name).read_bytes()
    first = next(e for e in read_interchanges(body) if isinstance(e, InterchangeStart)).interchange
    partner = PartnerProfile(
        name="corpus-sender", x12={"qualifier": first.sender_qualifier, "id": first.sender_id}, **profile
    )
    context = ConnectionContext(connection="edi", channel="edi", partners=PartnerDirectory([partner]))
    config = X12Config(hub_id=f"{first.receiver_qualifier}:{first.receiver_id}")
    parser = ADAPTER.build(Capability.FILE_PARSER, config, context)
    raw = parser.parse(RawMessage(body=body, connection="edi", filename=name))
    flat = folded(raw)  # what the pipeline sees of new interchanges
    flat.envelopes = raw.envelopes
    return flat


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_corpus_purchase_orders_map_to_orders(name: str) -> None:
    result = parse_as_partner(name, **PROFILES[name])
    body = (CORPUS / name).read_bytes()
    segments = list(iter_segments(body))
    begs = [s.get(3) for s in segments if s.tag == "BEG"]
    assert result.errors == []
    orders = [d for d in result.documents if isinstance(d, Order)]
    assert [o.external_id for o in orders] == begs
    assert sum(len(o.lines) for o in orders) == sum(s.tag == "PO1" for s in segments)
    assert all(o.source == "corpus-sender" and o.lines[0].sku for o in orders)
    assert [a.kind for a in result.acks][-1] == "997"


def test_buysnacks_order_content() -> None:
    (order,) = parse_as_partner("x12types-850-buysnacks.edi", sku_qualifier="CB").documents
    assert isinstance(order, Order)
    assert [line.sku for line in order.lines][:2] == ["000111111", "000555555"]
    assert order.lines[0].quantity == 16 and order.attributes["edi"]["lines"]["1"]["uom"] == "CA"


def test_a_sku_the_profile_does_not_name_is_a_typed_set_error() -> None:
    result = parse_as_partner("x12types-850-buysnacks.edi")  # the default VP is not in the file
    assert result.documents == [] and [e.code for e in result.errors] == ["sku_missing"]
    assert result.errors[0].location.segment == "PO1"
    assert ["AK5", "R", "5"] in result.acks[-1].content["segments"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("node-x12-856.edi", Shipment),
        ("x12types-856-004060-1edisource.edi", Shipment),
        ("vscodeedi-860-two-sets.edi", OrderChange),
        ("staedi-997-three-interchanges.edi", ReceivedAck),
        ("pyx12-999-two-groups.edi", ReceivedAck),
        ("staedi-ta1-only.edi", ReceivedAck),
    ],
)
def test_other_corpus_sets_map(name: str, kind: type) -> None:
    result = parse_as_partner(name)
    assert result.errors == [] and result.documents and all(isinstance(d, kind) for d in result.documents)


def test_failed_se01_is_answered_ak5_r_4() -> None:
    result = parse_as_partner("ediengine-940_Failed_SE01.edi")
    assert [e.code for e in result.errors] == ["4"]
    rows = result.acks[-1].content["segments"]
    assert ["AK5", "R", "4"] in rows and rows[-1][:2] == ["AK9", "R"]


def test_control_number_mismatch_is_answered_ta1_001() -> None:
    result = parse_as_partner("ediengine-ControlNumbersMismatch.edi")
    assert result.documents == []
    (ta1,) = result.acks
    assert ta1.kind == "TA1" and ta1.content["segments"][0][4:] == ["R", "001"]


def test_wrong_counts_are_answered_ta1_021() -> None:
    result = parse_as_partner("ediengine-WrongGroupsAndTranCount.edi")
    (ta1,) = result.acks
    assert ta1.content["segments"][0][4:] == ["R", "021"] and result.documents == []


def test_non_edi_is_a_decode_error() -> None:
    context = ConnectionContext(connection="edi", channel="edi", partners=PartnerDirectory([]))
    parser = ADAPTER.build(Capability.FILE_PARSER, X12Config(), context)
    for name in ("ediengine-NonEdi.edi", "vscodeedi-850-with-comments.edi"):
        with pytest.raises(DecodeError) as caught:
            parser.parse(RawMessage(body=(CORPUS / name).read_bytes(), connection="edi", filename=name))
        assert caught.value.code == "not_x12" and caught.value.location.file == name


@pytest.mark.parametrize("name", NAMES or ["(absent)"])
def test_every_file_parses_or_is_refused_with_a_hub_error(name: str) -> None:
    try:
        result = parse_as_partner(name)
    except HubError:
        return
    assert result.envelopes and all(e.key.startswith("x12:") for e in result.envelopes)
    for error in result.errors:
        assert isinstance(error, HubError) and error.location.file == name
