"""Mutation fuzzing of the X12 fixtures (byte flips, truncation, deletions, duplicated segments, delimiter swaps):
X12Parser.parse raises only hub.errors.HubError subclasses, finishes within hypothesis' deadline, and the
tokenizer reads a terminator-less stream only up to MAX_SEGMENT before refusing it (bounded memory).

Coverage-guided fuzzing with atheris (libFuzzer) of the same parser lives in tests/test_edi_atheris.py and
runs where atheris is installed; these hypothesis properties run everywhere."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.x12 import ADAPTER
from adapters.x12.config import X12Config
from adapters.x12.envelope import read_interchanges
from adapters.x12.tokenizer import MAX_SEGMENT, iter_segments
from hub.errors import DecodeError, HubError
from hub.partners.directory import PartnerDirectory
from hub.partners.profile import PartnerProfile
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import RawMessage

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "x12"
SEEDS = [
    (FIXTURES / name).read_bytes()
    for name in (
        "850-acme-three-lines.edi",
        "860-acme-po-4502.edi",
        "846-bolt-inventory.edi",
        "945-bolt-shipping.edi",
        "944-bolt-receipt.edi",
        "999-bolt-answer.edi",
        "997-acme-answer.edi",
        "reject-bad-set-among-good.edi",
        "syntax/pipe-bang-crlf-005010.edi",
        "syntax/multi-group.edi",
        "syntax/two-interchanges-different-delimiters.edi",
        "syntax/bom-wrapped-60.edi",
    )
]
FUZZ = settings(
    max_examples=200,
    derandomize=True,
    deadline=2000,  # ms per example: a hang or a blow-up fails here
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _parser():  # type: ignore[no-untyped-def]
    from hub.partners.store import load_file

    partners = [load_file(FIXTURES / "partners" / f"{name}.yaml") for name in ("acme-retail", "bolt-3pl")]
    partners.append(PartnerProfile(name="retailer", x12={"qualifier": "ZZ", "id": "RETAILER"}))
    context = ConnectionContext(connection="edi", channel="edi", partners=PartnerDirectory(partners))
    return ADAPTER.build(Capability.FILE_PARSER, X12Config(), context)


PARSER = _parser()


def parse_or_hub_error(data: bytes) -> None:
    """The property: parse returns, or raises a HubError; anything else propagates and fails the test."""
    try:
        result = PARSER.parse(RawMessage(body=data, connection="edi", filename="fuzz.edi"))
    except HubError as exc:
        assert exc.code and exc.message
        return
    for envelope in result.envelopes:
        assert all(isinstance(error, HubError) for error in envelope.errors)


# -- mutations ---------------------------------------------------------------------------------------------------------


@st.composite
def byte_flips(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    return bytes(data)


@st.composite
def truncations(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(SEEDS))
    return data[: draw(st.integers(0, len(data)))]


@st.composite
def deletions(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(SEEDS))
    start = draw(st.integers(0, len(data) - 1))
    return data[:start] + data[start + draw(st.integers(1, 200)) :]


def _split(data: bytes) -> tuple[list[bytes], bytes]:
    term = bytes([data.lstrip(b"\xef\xbb\xbf")[105]]) if len(data) > 110 else b"~"
    return data.split(term), term


@st.composite
def segment_edits(draw: st.DrawFn) -> bytes:
    """Duplicate, drop or move whole segments."""
    pieces, term = _split(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(pieces) - 1))
        action = draw(st.sampled_from(["duplicate", "drop", "move"]))
        if action == "duplicate":
            pieces.insert(at, pieces[at])
        elif action == "drop" and len(pieces) > 1:
            del pieces[at]
        else:
            pieces.insert(draw(st.integers(0, len(pieces) - 1)), pieces.pop(at))
    return term.join(pieces)


@st.composite
def delimiter_swaps(draw: st.DrawFn) -> bytes:
    """Replace one delimiter (everywhere, or only after the ISA) by another character."""
    data = draw(st.sampled_from(SEEDS))
    old = draw(st.sampled_from([b"*", b"~", b">", b"^", b"|", b"!", b"\n", b":"]))
    new = draw(st.sampled_from([b"*", b"~", b">", b"^", b"|", b":", b"\n", b" ", b"A", b"\x00", b"\xe2\x80\xa6"]))
    if draw(st.booleans()):
        return data.replace(old, new)
    return data[:106] + data[106:].replace(old, new)


@st.composite
def splices(draw: st.DrawFn) -> bytes:
    """The head of one fixture glued to the tail of another (interchanges that end inside others)."""
    first, second = draw(st.sampled_from(SEEDS)), draw(st.sampled_from(SEEDS))
    return first[: draw(st.integers(0, len(first)))] + second[draw(st.integers(0, len(second))) :]


@pytest.mark.parametrize(
    "mutation",
    [byte_flips(), truncations(), deletions(), segment_edits(), delimiter_swaps(), splices()],
    ids=["byte-flips", "truncations", "deletions", "segment-edits", "delimiter-swaps", "splices"],
)
def test_parse_raises_only_hub_errors(mutation: st.SearchStrategy[bytes]) -> None:
    @FUZZ
    @given(data=mutation)
    def check(data: bytes) -> None:
        parse_or_hub_error(data)

    check()


@FUZZ
@given(data=st.binary(max_size=400), seed=st.sampled_from(SEEDS))
def test_random_bytes_after_a_valid_isa(data: bytes, seed: bytes) -> None:
    parse_or_hub_error(seed[: seed.find(b"GS")] + data)


@FUZZ
@given(data=byte_flips(), chunk=st.sampled_from([1, 7, 64, 1 << 20]))
def test_chunk_size_never_changes_what_is_read(data: bytes, chunk: int) -> None:
    def read(size: int) -> list[tuple[str, list[str]]] | str:
        try:
            return [(s.tag, s.elements) for s in iter_segments(data, chunk_size=size)]
        except DecodeError as exc:
            return exc.code

    assert read(chunk) == read(1 << 20)


# -- bounded memory --------------------------------------------------------------------------------------------------


class _Endless(io.RawIOBase):
    """A valid ISA, then characters forever without a segment terminator; counts what was read."""

    def __init__(self, head: bytes) -> None:
        self.head = head
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        block = self.head[:size] if self.head else b"A" * size
        self.head = self.head[len(block) :]
        self.read_bytes += len(block)
        return block


def test_a_stream_without_terminator_is_refused_after_a_bounded_read() -> None:
    isa = SEEDS[0][:107]  # the ISA and its terminator
    stream = _Endless(isa + b"GS*PO*")
    with pytest.raises(DecodeError) as caught:
        for _ in read_interchanges(stream, chunk_size=1 << 16):  # type: ignore[arg-type]
            pass
    assert caught.value.code == "segment_too_long"
    assert stream.read_bytes <= MAX_SEGMENT + 2 * (1 << 16)


def test_the_envelope_reader_keeps_one_set_at_a_time() -> None:
    """Thousands of sets stream through without the reader holding the earlier ones."""
    seed = SEEDS[0].decode()
    head, rest = seed.split("ST*850*0001~", 1)
    body, tail = rest.split("GE*1*101~", 1)
    sets = 3000
    text = head + "".join(
        f"ST*850*{n:04d}~" + body.replace("SE*19*0001~", f"SE*19*{n:04d}~") for n in range(1, sets + 1)
    )
    text += f"GE*{sets}*101~" + tail
    reader = read_interchanges(text.encode())
    seen = 0
    largest = 0
    for event in reader:
        segments = getattr(event, "segments", None)
        if segments is not None:
            seen += 1
            largest = max(largest, len(segments))
            assert event.problems == []  # type: ignore[union-attr]
    assert seen == sets and largest == 19
