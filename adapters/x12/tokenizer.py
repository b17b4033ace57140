"""Streaming X12 tokenizer: bytes or a binary stream in, Segments out, delimiters read from each ISA.

Reads the input in chunks (memory bounded by the chunk plus one segment), decodes it as UTF-8
(falling back to Latin-1 from the first chunk that is not UTF-8), and splits each chunk with
`str.split`. Handles several interchanges in one stream, each with its own delimiters; a UTF-8 BOM;
whitespace and CR/LF after terminators; a newline (LF or CRLF) as the terminator; hard-wrapped
files (line breaks inside segments, the ISA included); short or unpadded ISAs (read by the element
separator, not fixed offsets); multi-byte terminators such as the UTF-8 ellipsis. A trailing
segment without its terminator at the end of the input is still yielded.

Input that does not start with an ISA raises DecodeError (code "not_x12"); an ISA whose delimiters collide raises
DecodeError with the TA1 note code ("026" element separator, "027" component separator);
an input cut inside its ISA raises DecodeError with code "023"; more than MAX_SEGMENT characters
without a terminator raise DecodeError "segment_too_long" (memory stays bounded).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from itertools import accumulate, repeat
from operator import add
from typing import BinaryIO

from adapters.x12.syntax import Delimiters, Segment
from hub.errors import DecodeError, Location

_SKIP = " \t\r\n\x00\x1a\ufeff"  # between interchanges: whitespace, NUL / Ctrl-Z padding, BOM
_LINE_BREAKS = str.maketrans("", "", "\r\n")
# never delimiters; the control characters 0x1C-0x1F may be, though str.isspace calls them blank
_BLANK = frozenset(" \t\r\n\x0b\x0c")
_ISA_WINDOW = 2048
MAX_SEGMENT = 8 << 20  # characters without a segment terminator before the input is declared not X12
_BATCH = 200  # segments built per step of the fast path: few enough to die young (cheap for the GC)


def _chunks(source: bytes | bytearray | memoryview | BinaryIO, size: int) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        for start in range(0, len(view), size):
            yield bytes(view[start : start + size])
        return
    read = source.read
    while True:
        block = read(size)
        if not block:
            return
        if not isinstance(block, bytes | bytearray):
            raise DecodeError("X12 input must be bytes or a binary stream, not text", code="decode_error")
        yield bytes(block)


class _Text:
    """Decoded text, chunk by chunk: UTF-8 while it is valid, Latin-1 from the first chunk that is not."""

    def __init__(self, source: bytes | BinaryIO, size: int) -> None:
        self._chunks = _chunks(source, size)
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self.encoding = "utf-8"
        self.eof = False

    def next(self) -> str:
        """The next piece of text ("" once the input is exhausted, and then `eof` is set)."""
        for chunk in self._chunks:
            if self.encoding == "latin-1":
                return chunk.decode("latin-1")
            pending = self._utf8.getstate()[0]
            try:
                text = self._utf8.decode(chunk)
            except UnicodeDecodeError as exc:
                # what precedes the first invalid byte stays UTF-8, whatever the chunk size
                self.encoding = "latin-1"
                raw = pending + chunk
                valid = max(0, exc.start - (len(exc.object) - len(raw)))
                return raw[:valid].decode("utf-8", "replace") + raw[valid:].decode("latin-1")
            if text:
                return text
        self.eof = True
        if self.encoding == "utf-8":
            pending = self._utf8.getstate()[0]
            if pending:
                self.encoding = "latin-1"
                return pending.decode("latin-1")
        return ""

    def blen(self, text: str) -> int:
        """Byte length of `text` in the input."""
        return len(text) if self.encoding == "latin-1" or text.isascii() else len(text.encode(self.encoding))


def _isa_layout(buf: str, eof: bool) -> tuple[int, str, str, int, int] | None:
    """Where the ISA in `buf` (starting with "ISA") ends: (p16, component, terminator, term_at, next_at).

    p16 is the index of the 16th element separator; term_at the index of the terminator; next_at the
    index where the next segment begins. None when `buf` is too short to tell (and not at eof).
    """
    sep = buf[3]
    at = 3
    for _ in range(15):
        at = buf.find(sep, at + 1)
        if at < 0 or at > _ISA_WINDOW:
            if len(buf) < _ISA_WINDOW and not eof:
                return None
            raise DecodeError(
                "the ISA does not have 16 elements",
                code="023" if at < 0 and eof else "024",
                location=Location(segment="ISA"),
            )
    p16 = at
    i = p16 + 1
    n = len(buf)
    while i < n and buf[i] in "\r\n":
        i += 1
    if i + 1 >= n and not eof:
        return None
    if i >= n:
        raise DecodeError("the input ends inside the ISA", code="023", location=Location(segment="ISA"))
    component = buf[i]
    term_at = i + 1
    if term_at >= n:  # ISA16 is the last character of the input: a newline-less, terminator-less ISA
        return p16, component, "\n", term_at, term_at
    term = buf[term_at]
    if term not in "\r\n":
        return p16, component, term, term_at, term_at + 1
    j = term_at
    while j < n and buf[j] in "\r\n":
        j += 1
    if j >= n and not eof:
        return None
    if j < n and not buf[j].isalnum() and buf[j] not in " \t":  # wrapped right after ISA16: a real terminator
        return p16, component, buf[j], j, j + 1
    if term == "\r" and buf[term_at + 1 : term_at + 2] != "\n":
        return p16, component, "\r", term_at, term_at + 1
    return p16, component, "\n", term_at, term_at + 1


def _delimiters(elements: list[str], element: str, component: str, terminator: str, suffix: str) -> Delimiters:
    if element == terminator or element.isalnum() or element in _BLANK:
        raise DecodeError(
            f"invalid ISA data element separator {element!r}", code="026", location=Location(segment="ISA")
        )
    if component in (element, terminator) or component.isalnum() or component in _BLANK:
        raise DecodeError(
            f"invalid ISA component separator {component!r}", code="027", location=Location(segment="ISA")
        )
    if terminator.isalnum() or terminator == " ":
        raise DecodeError(f"invalid segment terminator {terminator!r}", code="004", location=Location(segment="ISA"))
    isa11 = elements[10] if len(elements) > 10 else ""
    repetition = isa11 if len(isa11) == 1 and not isa11.isalnum() and isa11 not in _BLANK else None
    if repetition in (element, component, terminator):
        repetition = None
    return Delimiters(element=element, component=component, repetition=repetition, segment=terminator, suffix=suffix)


def iter_segments(
    source: bytes | BinaryIO, *, filename: str | None = None, chunk_size: int = 1 << 20
) -> Iterator[Segment]:
    """Every segment of every interchange in `source`, in order, with its position and byte offset."""
    text = _Text(source, chunk_size)
    pending = ""  # decoded text not consumed yet; starts at a segment boundary
    offset = 0  # byte offset of pending[0]
    at_start = True
    try:
        while True:
            # -- header: skip padding, read an ISA and its delimiters --
            while True:
                stripped = pending.lstrip(_SKIP)
                if stripped is not pending:
                    offset += text.blen(pending[: len(pending) - len(stripped)])
                    pending = stripped
                if len(pending) >= 4 or text.eof:
                    break
                pending += text.next()
            if not pending:
                if at_start:
                    raise DecodeError(
                        "empty input: no ISA", code="not_x12", location=Location(file=filename, position=offset)
                    )
                return
            if not pending.startswith("ISA") or len(pending) < 4:
                what = "does not start with an ISA" if at_start else "has data after the IEA that is not an ISA"
                raise DecodeError(
                    f"not X12: the input {what} ({pending[:20]!r})",
                    code="not_x12",
                    location=Location(file=filename, position=offset),
                )
            at_start = False
            while (layout := _isa_layout(pending, text.eof)) is None:
                more = text.next()
                pending += more
            _, component, term, term_at, next_at = layout
            isa_text = pending[:term_at]
            if "\r" in isa_text or "\n" in isa_text:
                isa_text = isa_text.translate(_LINE_BREAKS)
            element = pending[3]
            elements = isa_text.split(element)
            del elements[0]
            follow = pending[next_at : next_at + 2]
            suffix = follow[:1] if follow[:1] in ("\n", "\r") else ""
            if follow == "\r\n":
                suffix = follow
            delims = _delimiters(elements, element, component, term, suffix)
            yield Segment("ISA", elements, 1, offset, delims)
            offset += text.blen(pending[:next_at])
            pending = pending[next_at:]
            # -- body: split chunk by chunk until the IEA or a new ISA --
            restart = yield from _body(text, pending, offset, delims)
            if restart is None:
                return
            pending, offset = restart
    except DecodeError as err:
        if err.location.file is None and filename is not None:
            loc = err.location
            err.location = Location(file=filename, segment=loc.segment, position=loc.position or offset)
        raise


def _clean_splitter(pending: str, term: str, suffix: str, ascii_text: bool) -> str | None:
    """The string to split `pending` on when every piece is a bare segment (the fast path), else None.

    That is the terminator, or the terminator plus the interchange's CR/LF suffix when every line break
    follows a terminator; the text must be ASCII, without tabs, empty segments or an ISA.
    """
    if not ascii_text or "\t" in pending or pending[:1] in _BLANK:
        return None
    if term in ("\n", "\r"):
        splitter = "\r\n" if term == "\n" and "\r" in pending else term
        if splitter == "\r\n" and pending.count("\r") != pending.count("\r\n"):
            return None
        if splitter != "\r\n" and "\r" in pending and term == "\n":
            return None
    elif "\n" in pending or "\r" in pending:
        if suffix not in ("\n", "\r\n"):
            return None
        splitter = term + suffix
        pairs = pending.count(splitter)
        if pending.count("\n") != pairs or pending.count("\r") != (pairs if suffix == "\r\n" else 0):
            return None
        terms = pending.count(term)
        if terms != pairs and not (terms == pairs + 1 and pending.endswith(term)):
            return None
    else:
        splitter = term
    if (splitter + " ") in pending or (splitter + splitter) in pending or (splitter + "ISA") in pending:
        return None
    if pending.startswith(splitter) or pending.startswith("ISA"):
        return None
    return splitter


def _body(text: _Text, pending: str, offset: int, delims: Delimiters) -> Iterator[Segment]:
    """Segments after an ISA. Returns (rest, rest_offset) at an IEA or a new ISA; None at the end of input."""
    sep = delims.element
    term = delims.segment
    tlen = len(term)
    tbytes = text.blen(term)
    newline_term = term in ("\n", "\r")
    delims_n = repeat(delims)
    position = 1
    while True:
        if not text.eof and (term not in pending or len(pending) < 65536):
            if len(pending) > MAX_SEGMENT and term not in pending:
                raise DecodeError(
                    f"{len(pending):,} characters without a segment terminator {term!r}: not X12, or cut wrongly",
                    code="segment_too_long",
                    location=Location(position=offset),
                )
            more = text.next()
            if more:
                pending += more
                continue
        if pending[:1].isspace():
            stripped = pending.lstrip(" \t\r\n")
            offset += text.blen(pending[: len(pending) - len(stripped)])
            pending = stripped
        # the fast path reads up to the next interchange (which may bring other delimiters)
        next_isa = pending.find(term + delims.suffix + "ISA")
        cut = next_isa + len(term) + len(delims.suffix)
        region = pending
        if next_isa >= 0 and cut + 3 < len(pending) and not pending[cut + 3].isalnum():
            region = pending[:cut]
        ascii_text = text.encoding == "latin-1" or region.isascii()
        splitter = _clean_splitter(region, term, delims.suffix, ascii_text)
        if splitter is not None:
            # fast path: every piece is one segment; all per-segment work in comprehensions and map()
            pieces = region.split(splitter)
            tail = pieces.pop()
            if text.eof and region is pending:
                tail = tail.rstrip("\r\n")
                if tail.endswith(term):
                    tail = tail[: -len(term)]
                if tail:
                    pieces.append(tail)
                tail = ""
            step = len(splitter)
            start = offset
            for low in range(0, len(pieces), _BATCH):
                batch = pieces[low : low + _BATCH]
                parts = [piece.split(sep) for piece in batch]
                tags = [elements.pop(0) for elements in parts]
                count = len(parts)
                starts = map(add, accumulate(map(len, batch), initial=0), range(start, start + step * count, step))
                segments = list(map(Segment, tags, parts, range(position + 1, position + 1 + count), starts, delims_n))
                if "IEA" in tags:
                    end = tags.index("IEA")
                    yield from segments[: end + 1]
                    ci = segments[end].offset - offset + len(batch[end]) + step
                    return pending[ci:], offset + ci
                yield from segments
                position += count
                start += sum(map(len, batch)) + step * count
            if region is not pending:  # a new ISA before any IEA: the envelope reader reports the cut
                return pending[len(region) :], offset + len(region)
            if text.eof:
                return None
            offset += len(pending) - len(tail)
            pending = tail
            continue
        ascii_text = text.encoding == "latin-1" or pending.isascii()
        pieces = pending.split(term)
        tail = "" if text.eof else pieces.pop()
        ci = 0  # char index of the current piece in pending
        bo = offset  # byte offset of the current piece
        for piece in pieces:
            # slow path: whitespace around segments, hard wraps, non-ASCII text, an ISA mid-stream
            plen = len(piece) if ascii_text else text.blen(piece)
            body = piece.lstrip(" \t\r\n")
            lead = len(piece) - len(body)
            if lead and not ascii_text:
                lead = text.blen(piece[:lead])
            if newline_term:
                body = body.rstrip("\r")
            elif "\r" in body or "\n" in body:
                body = body.translate(_LINE_BREAKS)
            if body:
                if body.startswith("ISA") and len(body) > 3 and not body[3].isalnum():
                    return pending[ci:], bo
                elements = body.split(sep)
                tag = elements[0]
                del elements[0]
                position += 1
                yield Segment(tag, elements, position, bo + lead, delims)
                if tag == "IEA":
                    ci += len(piece) + tlen
                    bo += plen + tbytes
                    return pending[ci:], bo
            ci += len(piece) + tlen
            bo += plen + tbytes
        if text.eof:
            return None
        offset = bo
        pending = tail
