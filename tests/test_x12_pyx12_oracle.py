"""Differential oracle: the hub's tokenizer reads every X12 fixture and corpus file into the same segments and
elements as pyx12's X12Reader, one interchange at a time (pyx12 reads ISA12 00401 and 00501 with a 106-character
ISA; a 106-character ISA of another version is shown to pyx12 as 00401, ISA12 aside the bytes are the same;
files it still cannot open are skipped with its reason)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import pyx12.errors
import pyx12.x12file

from adapters.x12.syntax import Segment
from adapters.x12.tokenizer import iter_segments
from hub.errors import DecodeError

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "x12"
CORPUS = REPO.parent / "shared" / "corpus" / "x12"
ELEMENT, COMPONENT = "\x1d", "\x1f"  # canonical separators both readings are written with


def _files() -> list[Path]:
    found = sorted(FIXTURES.rglob("*.edi"))
    if CORPUS.is_dir():
        found += sorted(CORPUS.glob("*.edi"))
    return found


def _id(path: Path) -> str:
    return str(path.relative_to(REPO.parent))


def canonical(tag: str, elements: list[str], component: str | None) -> str:
    """A segment written with the canonical separators, trailing empty elements and components dropped."""
    values = [e.replace(component, COMPONENT) if component else e for e in elements]
    values = [v.rstrip(COMPONENT) for v in values]
    while values and values[-1] == "":
        values.pop()
    return ELEMENT.join([tag, *values])


PYX12_VERSIONS = ("00401", "00501")


def as_pyx12_version(text: str) -> str:
    """`text` with ISA12 set to 00401 when pyx12 would refuse its version (fixed ISA layout only)."""
    if text.startswith("ISA") and len(text) > 106 and text[84:89] not in PYX12_VERSIONS and text[83] == text[3]:
        return text[:84] + "00401" + text[89:]
    return text


def hub_reading(segments: list[Segment]) -> list[str]:
    out = []
    for segment in segments:
        if segment.tag == "ISA":  # ISA16 is the component separator itself: compared as a marker
            elements = [*segment.elements[:15], COMPONENT]
            elements[11] = elements[11] if elements[11] in PYX12_VERSIONS else "00401"
            out.append(canonical("ISA", elements, None))
        else:
            component = segment.delimiters.component if segment.delimiters else None
            out.append(canonical(segment.tag, segment.elements, component))
    return out


def pyx12_reading(text: str) -> list[str]:
    out = []
    for segment in pyx12.x12file.X12Reader(io.StringIO(text)):
        written = segment.format(seg_term="", ele_term=ELEMENT, subele_term=COMPONENT)
        tag, *elements = written.split(ELEMENT)
        if tag == "ISA":
            elements = [*elements[:15], COMPONENT]
        # line breaks inside a segment: pyx12 keeps them, the hub drops them (hard-wrapped files)
        out.append(canonical(tag, [e.replace("\r", "").replace("\n", "") for e in elements], COMPONENT))
    return out


def interchanges(body: bytes, segments: list[Segment]) -> list[tuple[bytes, list[Segment]]]:
    """`body` cut at each ISA (pyx12 takes one set of delimiters per file), with the hub's segments of each."""
    starts = [i for i, s in enumerate(segments) if s.tag == "ISA"]
    pieces = []
    for n, first in enumerate(starts):
        last = starts[n + 1] if n + 1 < len(starts) else len(segments)
        end = segments[last].offset if last < len(segments) else len(body)
        pieces.append((body[segments[first].offset : end], segments[first:last]))
    return pieces


@pytest.mark.parametrize("path", _files(), ids=_id)
def test_hub_and_pyx12_read_the_same_segments(path: Path) -> None:
    body = path.read_bytes()
    try:
        segments = list(iter_segments(body))
    except DecodeError:
        with pytest.raises(pyx12.errors.X12Error):
            pyx12_reading(body.decode("latin-1").lstrip("\ufeff"))
        return
    compared = 0
    for piece, ours in interchanges(body, segments):
        text = piece.decode("utf-8")
        try:
            theirs = pyx12_reading(as_pyx12_version(text))
        except pyx12.errors.X12Error as exc:
            if compared == 0 and len(segments) == len(ours):
                pytest.skip(f"pyx12 cannot open it: {str(exc).splitlines()[0][:90]}")
            continue
        mine = hub_reading(ours)
        terminator = ours[0].delimiters.segment if ours[0].delimiters else "~"
        if not text.rstrip("\r\n ").endswith(terminator) and len(mine) == len(theirs) + 1:
            # the last segment has no terminator: pyx12 drops it, the hub yields it
            assert ours[-1].tag == "IEA"
            mine = mine[:-1]
        assert mine == theirs
        compared += 1
    if compared == 0:
        pytest.skip("pyx12 cannot open any of its interchanges")


def test_the_oracle_sees_a_difference() -> None:
    """The comparison is not vacuous: a changed element is caught."""
    body = (FIXTURES / "850-acme-three-lines.edi").read_bytes()
    segments = list(iter_segments(body))
    segments[5].elements[1] = "CHANGED"
    assert hub_reading(segments) != pyx12_reading(body.decode())
