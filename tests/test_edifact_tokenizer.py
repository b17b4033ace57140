"""EDIFACT tokenizer: UNA and defaults, release character, character sets, line breaks, offsets, fast path."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from adapters.edifact import tokenizer
from adapters.edifact.syntax import LazySegment, Segment
from adapters.edifact.tokenizer import iter_segments
from hub.errors import DecodeError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "edifact" / "syntax"


def read(name: str, **kwargs: object) -> list[Segment]:
    return list(iter_segments((FIXTURES / name).read_bytes(), filename=name, **kwargs))  # type: ignore[arg-type]


def content(segments: list[Segment]) -> list[tuple[str, list[list[str]]]]:
    """Tags and elements, without the UNA and the interchange references (they differ between fixtures)."""
    return [(s.tag, s.elements) for s in segments if s.tag not in ("UNA", "UNB", "UNZ")]


def shape(segments: list[Segment]) -> list[tuple[object, ...]]:
    return [(s.tag, s.elements, s.repeats, s.position, s.offset, s.bad_characters, s.unterminated) for s in segments]


def by_tag(segments: list[Segment], tag: str) -> Segment:
    return next(s for s in segments if s.tag == tag)


def test_default_service_characters_without_una() -> None:
    segments = read("no-una-one-line.edi")
    assert [s.tag for s in segments[:3]] == ["UNB", "UNH", "BGM"]
    assert by_tag(segments, "UNB").elements[0] == ["UNOC", "3"]
    assert by_tag(segments, "QTY").elements == [["21", "5"]]
    assert [s.position for s in segments[:3]] == [1, 2, 3]


def test_custom_una_and_release_character() -> None:
    segments = read("una-custom.edi")
    assert segments[0].tag == "UNA" and segments[0].position == 0
    bgm = by_tag(segments, "BGM")
    assert bgm.elements == [["220"], ["PO*1=2~3!"], ["9"]]  # released * = ~ ! are data
    assert by_tag(segments, "QTY").get(1, 2) == "2,5"
    assert by_tag(segments, "UNZ").get(2) == "1002"


def test_release_character_before_every_service_character() -> None:
    segments = read("release-char.edi")
    assert by_tag(segments, "BGM").get(2) == "PO+1:A?B'C"
    assert by_tag(segments, "NAD").get(4) == "ACME + SONS"


@pytest.mark.parametrize("name", ["unoa-lowercase.edi", "unoa-eight-bit.edi"])
def test_unoa_flags_characters_outside_level_a(name: str) -> None:
    nad = by_tag(read(name), "NAD")
    assert nad.bad_characters
    assert not by_tag(read(name), "BGM").bad_characters


def test_unoc_decodes_latin_1() -> None:
    nad = by_tag(read("unoc-latin1.edi"), "NAD")
    assert nad.get(4) == "Müller Straße" and not nad.bad_characters


@pytest.mark.parametrize(
    ("name", "expected"), [("unoy-utf8.edi", "Müller 東京 + Straße"), ("unow-utf8.edi", "Łódź Ærø")]
)
def test_utf8_syntax_identifiers(name: str, expected: str) -> None:
    data = (FIXTURES / name).read_bytes()
    segments = read(name)
    nad = by_tag(segments, "NAD")
    assert nad.get(4) == expected and not nad.bad_characters
    for segment in segments[1:]:  # byte offsets stay exact after multi-byte characters
        assert data[segment.offset : segment.offset + 3].decode() == segment.tag


def test_line_breaks_and_bom() -> None:
    data = (FIXTURES / "bom-crlf.edi").read_bytes()
    segments = read("bom-crlf.edi")
    assert data.startswith(b"\xef\xbb\xbf") and segments[0].offset == 3
    for segment in segments:
        assert data[segment.offset : segment.offset + 3].decode() == segment.tag
    assert content(segments) == content(read("no-una-one-line.edi"))


def test_hard_wrapped_file_reads_like_the_one_line_file() -> None:
    assert content(read("hard-wrapped-20.edi")) == content(read("no-una-one-line.edi"))


def test_syntax_4_repetitions() -> None:
    segments = read("syntax4-repetition.edi")
    nad = by_tag(segments, "NAD")
    assert nad.elements[3] == ["NAME ONE"]
    assert nad.repetitions(4) == [["NAME ONE"], ["NAME TWO"]]
    assert by_tag(segments, "RFF").get(1, 2) == "A*B"  # a released repetition separator is data
    assert by_tag(segments, "UNB").get(4, 1) == "260105"


def test_level_b_defaults() -> None:
    segments = read("level-b-defaults.edi")
    assert [s.tag for s in segments] == ["UNB", "UNH", "BGM", "UNS", "UNT", "UNZ"]
    assert segments[1].elements == [["1"], ["ORDERS", "D", "96A", "UN"]]


def test_two_interchanges_with_different_una() -> None:
    segments = read("two-interchanges-different-una.edi")
    unbs = [s for s in segments if s.tag == "UNB"]
    assert [u.get(5) for u in unbs] == ["1020", "1021"]
    assert [s.position for s in segments if s.tag == "UNB"] == [1, 1]
    assert segments[-4].tag == "BGM" and segments[-4].get(2) == "PO*7"


def test_unterminated_last_segment_is_flagged() -> None:
    segments = list(iter_segments(b"UNB+UNOC:3+A+B+260101:1200+1'UNH+1+ORDERS:D:96A:UN'BGM+220"))
    assert segments[-1].tag == "BGM" and segments[-1].unterminated
    assert not segments[-2].unterminated


def test_stream_input_in_small_chunks_equals_bytes() -> None:
    data = (FIXTURES / "valid-two-orders.edi").read_bytes()
    assert shape(list(iter_segments(io.BytesIO(data), chunk_size=16))) == shape(list(iter_segments(data)))


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.edi")))
@pytest.mark.parametrize("chunk_size", [16, 29, 100])
def test_chunk_boundaries_do_not_change_the_segments(name: str, chunk_size: int) -> None:
    assert shape(read(name, chunk_size=chunk_size)) == shape(read(name))


def _careful_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokenizer._Tokenizer, "_prepare", lambda self, block, final: None)


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.edi")))
def test_fast_path_reads_like_the_careful_loop(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = shape(read(name))
    _careful_only(monkeypatch)
    assert shape(read(name)) == fast


def test_fast_path_on_the_corpus(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted((corpus / "edifact").glob("*.edi"))
    fast = {p.name: shape(list(iter_segments(p.read_bytes()))) for p in files}
    _careful_only(monkeypatch)
    for path in files:
        assert shape(list(iter_segments(path.read_bytes()))) == fast[path.name], path.name


def test_clean_segments_are_lazy_and_split_on_access() -> None:
    segments = read("no-una-one-line.edi")
    qty = by_tag(segments, "QTY")
    assert isinstance(qty, LazySegment) and qty.raw() == ("QTY+21:5", "+", ":")
    assert qty.elements == [["21", "5"]] and qty.raw() is None
    assert qty == Segment("QTY", [["21", "5"]])


def test_not_edifact_is_a_decode_error_with_offset() -> None:
    with pytest.raises(DecodeError) as caught:
        list(iter_segments(b"\n\n<?xml version='1.0'?><order/>", filename="x.edi"))
    assert caught.value.code == "not_edifact" and caught.value.location.position == 2
    assert caught.value.location.file == "x.edi"


def test_unusable_una_is_a_decode_error() -> None:
    with pytest.raises(DecodeError) as caught:
        list(iter_segments(b"UNA::.? 'UNB+UNOC:3+A+B+260101:1200+1'"))
    assert caught.value.code == "invalid_service_characters"


@pytest.mark.parametrize("chunk_size", [20, 1 << 20])
def test_character_set_switches_between_interchanges(chunk_size: int) -> None:
    latin = "UNB+UNOC:3+A+B+260101:1200+1'UNH+1+ORDERS:D:96A:UN'FTX+AAI+++Müller'UNT+3+1'UNZ+1+1'".encode("latin-1")
    utf8 = "UNB+UNOY:3+A+B+260101:1200+2'UNH+1+ORDERS:D:96A:UN'FTX+AAI+++Müller 東京'UNT+3+1'UNZ+1+2'".encode()
    data = latin + b"\n" + utf8 + b"\n" + latin
    texts = [s for s in iter_segments(data, chunk_size=chunk_size) if s.tag == "FTX"]
    assert [s.get(4) for s in texts] == ["Müller", "Müller 東京", "Müller"]
    assert [data[s.offset : s.offset + 3] for s in texts] == [b"FTX"] * 3
    assert not any(s.bad_characters for s in texts)
