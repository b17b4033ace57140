"""The X12 tokenizer: delimiters from each ISA, layouts (CRLF, newline terminator, wraps, BOM), chunking, errors."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.x12.tokenizer import iter_segments
from hub.errors import DecodeError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "x12" / "syntax"
ISA = "ISA*00*          *00*          *ZZ*RETAILER       *ZZ*HUB            *240501*0930*U*00401*000000001*0*P*>"
BODY = ["GS*PO*RETAILER*HUB*20240501*0930*1*X*004010", "ST*850*0001", "BEG*00*SA*PO1**20240501", "SE*3*0001"]
TRAILER = ["GE*1*1", "IEA*1*000000001"]


def interchange(term: str = "~", suffix: str = "", isa: str = ISA, element: str = "*") -> str:
    segments = [isa, *BODY, *TRAILER]
    return "".join(seg.replace("*", element) + term + suffix for seg in segments)


def shape(data: bytes, **kw: object) -> list[tuple[str, list[str], int, int]]:
    return [(s.tag, s.elements, s.position, s.offset) for s in iter_segments(data, **kw)]  # type: ignore[arg-type]


def tags(data: bytes) -> list[str]:
    return [s.tag for s in iter_segments(data)]


def test_reads_delimiters_from_the_isa() -> None:
    segments = list(iter_segments(interchange().encode()))
    delimiters = segments[0].delimiters
    assert delimiters is not None
    assert (delimiters.element, delimiters.component, delimiters.segment) == ("*", ">", "~")
    assert delimiters.repetition is None  # ISA11 'U' in 00401 is the standards identifier
    assert [s.tag for s in segments] == ["ISA", "GS", "ST", "BEG", "SE", "GE", "IEA"]
    assert segments[3].elements == ["00", "SA", "PO1", "", "20240501"]
    assert segments[0].get(16) == ">" and len(segments[0].elements) == 16


@pytest.mark.parametrize(
    ("term", "suffix"),
    [("~", ""), ("~", "\n"), ("~", "\r\n"), ("!", "\r\n"), ("\n", ""), ("\r\n", "")],
)
def test_terminator_and_line_breaks(term: str, suffix: str) -> None:
    text = interchange(term, suffix)
    if term == "\r\n":  # CRLF itself as the terminator: the ISA ends with ">\r\n"
        text = interchange("\r\n")
    assert tags(text.encode()) == ["ISA", "GS", "ST", "BEG", "SE", "GE", "IEA"]
    assert list(iter_segments(text.encode()))[-1].elements == ["1", "000000001"]


def test_repetition_separator_from_00501() -> None:
    isa = ISA.replace("*U*00401*", "*^*00501*")
    first = next(iter_segments(interchange(isa=isa).encode()))
    assert first.delimiters is not None and first.delimiters.repetition == "^"


def test_other_element_separator_and_no_final_terminator() -> None:
    text = interchange(element="|")[:-1]  # '|' elements, the last '~' missing
    segments = list(iter_segments(text.encode()))
    assert segments[0].delimiters is not None and segments[0].delimiters.element == "|"
    assert segments[-1].tag == "IEA" and segments[-1].elements == ["1", "000000001"]


def test_offsets_point_at_each_segment_in_the_bytes() -> None:
    data = ("\ufeff" + interchange("~", "\r\n")).encode()
    for segment in iter_segments(data):
        assert data[segment.offset : segment.offset + len(segment.tag)] == segment.tag.encode()


def test_multibyte_terminator_is_a_character() -> None:
    text = interchange("\u2026", "\n")
    data = text.encode("utf-8")
    segments = list(iter_segments(data))
    assert segments[0].delimiters is not None and segments[0].delimiters.segment == "\u2026"
    assert [s.tag for s in segments][-1] == "IEA"
    for segment in segments:
        assert data[segment.offset : segment.offset + len(segment.tag)] == segment.tag.encode()


def test_hard_wrapped_file_even_inside_the_isa() -> None:
    flat = interchange()
    wrapped = "\n".join(flat[i : i + 37] for i in range(0, len(flat), 37))
    assert shape(wrapped.encode())[1:] != []
    assert [(t, e) for t, e, *_ in shape(wrapped.encode())] == [(t, e) for t, e, *_ in shape(flat.encode())]


def test_bom_and_whitespace_before_segments() -> None:
    text = "\ufeff\n" + interchange("~", "\n\t  ")
    assert tags(text.encode()) == ["ISA", "GS", "ST", "BEG", "SE", "GE", "IEA"]


def test_short_isa_is_read_by_its_separators() -> None:
    short = "ISA*00* *00* *ZZ*RETAILER *ZZ*HUB*240501*0930*U*00401*000000001*0*P*>"
    isa = next(iter_segments(interchange(isa=short).encode()))
    assert isa.get(6) == "RETAILER " and isa.get(8) == "HUB" and isa.get(16) == ">"


def test_component_separator_then_newline_terminator() -> None:
    """An ISA16 followed by a line break: the line break is the terminator, ISA16 the component separator."""
    text = interchange("\n")
    isa = next(iter_segments(text.encode()))
    assert isa.delimiters is not None and (isa.delimiters.component, isa.delimiters.segment) == (">", "\n")


def test_several_interchanges_each_with_its_own_delimiters() -> None:
    first = interchange("~", "\n")
    second = interchange("_", "", element="!").replace("000000001", "000000002")
    segments = list(iter_segments((first + second).encode()))
    isas = [s for s in segments if s.tag == "ISA"]
    assert len(isas) == 2 and isas[1].position == 1
    assert isas[1].delimiters is not None and (isas[1].delimiters.element, isas[1].delimiters.segment) == ("!", "_")
    assert segments[-1].tag == "IEA" and segments[-1].elements == ["1", "000000002"] and segments[-1].position == 7


def test_a_truncated_interchange_followed_by_another_restarts_at_the_isa() -> None:
    text = interchange("~", "\n").split("SE*")[0] + interchange("~", "\n")
    positions = [(s.tag, s.position) for s in iter_segments(text.encode())]
    assert positions[:4] == [("ISA", 1), ("GS", 2), ("ST", 3), ("BEG", 4)]
    assert positions[4] == ("ISA", 1)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.edi")), ids=lambda p: p.name)
@pytest.mark.parametrize("chunk_size", [1, 3, 7, 64, 4096])
def test_chunk_size_never_changes_the_result(path: Path, chunk_size: int) -> None:
    data = path.read_bytes()
    assert shape(data, chunk_size=chunk_size) == shape(data)


def test_stream_and_bytes_give_the_same_segments() -> None:
    data = (FIXTURES / "multi-group.edi").read_bytes()
    assert shape(io.BytesIO(data), chunk_size=100) == shape(data)  # type: ignore[arg-type]


class _CountingStream(io.RawIOBase):
    """A stream of many sets that records how much was read."""

    def __init__(self, sets: int) -> None:
        head = interchange("~", "\n").split("ST*")[0]
        self._parts: Iterator[bytes] = iter(
            [head.encode()]
            + [b"ST*850*0001~\nBEG*00*SA*PO1**20240501~\nSE*3*0001~\n"] * sets
            + [b"GE*%d*1~\nIEA*1*000000001~\n" % sets]
        )
        self.read_bytes = 0
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while len(self._buffer) < size:
            part = next(self._parts, None)
            if part is None:
                break
            self._buffer += part
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        self.read_bytes += len(out)
        return out


def test_reads_lazily_from_a_stream() -> None:
    stream = _CountingStream(sets=20000)
    segments = iter_segments(stream, chunk_size=4096)  # type: ignore[arg-type]
    for _ in range(5):
        next(segments)
    assert stream.read_bytes < 200_000  # far less than the ~1 MB the stream holds
    assert sum(1 for _ in segments) == 2 + 20000 * 3 + 2 - 5  # ISA GS, the sets, GE IEA, less the 5 read


def test_latin1_bytes_fall_back_and_keep_offsets() -> None:
    text = interchange("~", "\n").replace("BEG*00*SA*PO1", "BEG*00*SA*P\xc9")
    data = text.encode("latin-1")
    beg = next(s for s in iter_segments(data) if s.tag == "BEG")
    assert beg.get(3) == "P\xc9"
    assert data[beg.offset : beg.offset + 3] == b"BEG"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "not_x12"),
        (b"   \n", "not_x12"),
        (b"Tk9OIEVESSBGSUxFISAa", "not_x12"),
        (b"order_id,sku\n1,A\n", "not_x12"),
        (b"ISA*00*  *00", "023"),
        (ISA.replace("*", "~").encode() + b"~GS", "026"),
        (ISA[:-1].encode() + b"*~GS*PO~", "027"),
    ],
)
def test_not_x12_raises_decode_error_with_location(data: bytes, code: str) -> None:
    with pytest.raises(DecodeError) as caught:
        list(iter_segments(data, filename="in.edi"))
    assert caught.value.code == code
    assert caught.value.location.file == "in.edi"


def test_data_after_the_iea_that_is_not_an_isa_is_a_decode_error() -> None:
    data = (interchange("~", "\n") + "// trailing note\n").encode()
    with pytest.raises(DecodeError, match="after the IEA"):
        list(iter_segments(data, filename="x.edi"))


def test_text_stream_is_refused() -> None:
    with pytest.raises(DecodeError):
        list(iter_segments(io.StringIO(interchange())))  # type: ignore[arg-type]


def test_input_bytes_are_not_modified() -> None:
    data = bytearray(interchange("~", "\r\n").encode())
    before = bytes(data)
    list(iter_segments(data))  # type: ignore[arg-type]
    assert bytes(data) == before
