"""Streaming EDIFACT tokenizer: bytes or a binary stream in, `Segment`s out, with UNA, release and charsets.

- Service characters come from a UNA (which may come before every UNB), else the defaults
  `:+.? '`; an interchange without UNA whose UNB has IS3 (0x1D) after the tag gets the level B
  defaults (IS1 component, IS3 element, IS4 terminator, no release character).
- Bytes are decoded with the character set of the UNB's syntax identifier (UNOA/UNOB and
  IATA/IATB: restricted ASCII repertoires; UNOC..UNOK: ISO 8859-x; UNOW/UNOY: UTF-8). A segment
  holding a character outside that repertoire, a control character or bytes the set cannot
  decode is yielded with `bad_characters=True` (syntax error 21 in the envelope reader).
- Whitespace between segments and a UTF-8 BOM are skipped; line breaks inside a segment
  (hard-wrapped files) are removed.
- A final segment without terminator is yielded with `unterminated=True` (truncated input).
- Input that does not start like EDIFACT, a malformed UNA, or a run of `MAX_SEGMENT` bytes
  without terminator raise `DecodeError` (codes "not_edifact", "invalid_service_characters",
  "segment_too_long") with the file and byte offset.
- `Segment.offset` is a byte offset in the input (a BOM counts).

Speed: the input is read in chunks; each chunk is cut after its last terminator (and before a
UNA), decoded once and split with `str.split`. A clean block (single-byte exact offsets, no bad
characters, no repetition separator, line breaks only right after terminators) takes the fast
path: released characters are swapped for same-length placeholders, the block is split in
batches with comprehensions and `map()`, and its segments are `LazySegment`s whose elements are
split on first access (`Segment.raw()` lets the validator match the unsplit text). Everything
else takes the careful per-segment loop; both read the same segments (tested). Memory is bounded
by the chunk size plus one batch of segments.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from functools import cache
from itertools import accumulate, repeat
from operator import add
from typing import BinaryIO

from adapters.edifact.syntax import DEFAULT_SERVICE, ElementReader, LazySegment, Segment, ServiceChars
from hub.errors import DecodeError, Location

MAX_SEGMENT = 8 << 20  # bytes without a terminator before the input is declared not EDIFACT

# syntax identifier (0001) -> (codec, restricted repertoire "A"/"B" or None)
CHARSETS: dict[str, tuple[str, str | None]] = {
    "UNOA": ("latin-1", "A"),
    "UNOB": ("latin-1", "B"),
    "IATA": ("latin-1", "A"),
    "IATB": ("latin-1", "B"),
    "UNOC": ("latin-1", None),
    "UNOD": ("iso8859-2", None),
    "UNOE": ("iso8859-5", None),
    "UNOF": ("iso8859-7", None),
    "UNOG": ("iso8859-3", None),
    "UNOH": ("iso8859-4", None),
    "UNOI": ("iso8859-6", None),
    "UNOJ": ("iso8859-8", None),
    "UNOK": ("iso8859-9", None),
    "UNOW": ("utf-8", None),
    "UNOY": ("utf-8", None),
}
SUPPORTED_SYNTAX_IDS = frozenset(CHARSETS)

# ISO 9735 level A: upper case letters, digits, space and . , - ( ) / = ' + : ? ! " % & * ; < >
LEVEL_A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-()/='+:?!\"%&*;<>"
LEVEL_B = LEVEL_A + "abcdefghijklmnopqrstuvwxyz"
# C0/C1 controls (but CR/LF, removed as line breaks), U+FFFD from single-byte sets, lone surrogates from UTF-8
_CONTROLS = "".join(chr(code) for code in (*range(0x0A), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)))
LEVEL_B_DEFAULTS = ServiceChars(component="\x1f", element="\x1d", decimal=".", release=None, segment="\x1c")
_UNA_LENGTH = 9
_BOM = b"\xef\xbb\xbf"
_WHITESPACE = " \t\r\n"
_TAG = re.compile(rb"[A-Za-z][A-Za-z0-9]{2}")
_LOOKAHEAD = 64
_BATCH = 1024
_MARKER = "\ufdd5"  # put before a released character's placeholder by the fast path (same length as "?x")

_checkers: dict[tuple[str | None, ServiceChars], re.Pattern[str]] = {}


def bad_character_pattern(repertoire: str | None, service: ServiceChars) -> re.Pattern[str]:
    """A regex matching any character that may not occur in the segments of such an interchange."""
    key = (repertoire, service)
    pattern = _checkers.get(key)
    if pattern is None:
        specials = "".join(re.escape(c) for c in service.specials())
        if repertoire is None:
            bad = "".join(re.escape(c) for c in _CONTROLS + "\ufffd" if c not in service.specials())
            pattern = re.compile(f"[{bad}\ud800-\udfff]")
        else:
            allowed = LEVEL_A if repertoire == "A" else LEVEL_B
            pattern = re.compile(f"[^{re.escape(allowed)}{specials}\r\n]")
        _checkers[key] = pattern
    return pattern


_allowed_bytes: dict[tuple[str | None, ServiceChars], bytes] = {}


def clean_bytes(block: bytes, repertoire: str | None, service: ServiceChars) -> bool:
    """Whether a block of a single-byte character set holds only allowed bytes (a fast `bytes.translate` check).

    For UNOC..UNOK a byte the set leaves undefined still needs the decoded text's U+FFFD check.
    """
    key = (repertoire, service)
    allowed = _allowed_bytes.get(key)
    if allowed is None:
        specials = "".join(c for c in service.specials() if ord(c) < 0x100)
        if repertoire is None:
            chars = [chr(code) for code in range(0x100) if chr(code) not in _CONTROLS or chr(code) in specials]
        else:
            chars = list(set((LEVEL_A if repertoire == "A" else LEVEL_B) + specials + "\r\n"))
        allowed = _allowed_bytes[key] = "".join(chars).encode("latin-1")
    return not block.translate(None, allowed)


def iter_segments(
    source: bytes | BinaryIO, *, filename: str | None = None, chunk_size: int = 1 << 20
) -> Iterator[Segment]:
    """Every segment of `source` in order (a UNA too, at position 0), reading `chunk_size` bytes at a time."""
    return _Tokenizer(filename).run(_chunks(source, max(chunk_size, 16)))


def _chunks(source: bytes | bytearray | memoryview | BinaryIO, size: int) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        for start in range(0, len(data), size):
            yield data[start : start + size]
        return
    read = getattr(source, "read", None)
    if read is None:
        raise TypeError(f"iter_segments reads bytes or a binary stream, not {type(source).__name__}")
    while chunk := read(size):
        if not isinstance(chunk, bytes | bytearray):
            raise TypeError("iter_segments needs a binary stream (open files with 'rb')")
        yield bytes(chunk)


class _ByteCounter:
    """Converts increasing character indexes of a decoded block into byte offsets."""

    __slots__ = ("bytes_at", "codec", "exact", "index_at", "text")

    def __init__(self, text: str, codec: str, exact: bool) -> None:
        self.text, self.codec, self.exact = text, codec, exact
        self.index_at = self.bytes_at = 0

    def __call__(self, index: int) -> int:
        if self.exact:
            return index
        if index < self.index_at:  # never happens on the forward path; stay correct anyway
            self.index_at = self.bytes_at = 0
        self.bytes_at += len(self.text[self.index_at : index].encode(self.codec, "surrogateescape"))
        self.index_at = index
        return self.bytes_at


class _Tokenizer:
    """The state of one read: service characters, character set and segment counter."""

    def __init__(self, filename: str | None) -> None:
        self.filename = filename
        self.service = DEFAULT_SERVICE
        self.codec = "latin-1"
        self.repertoire: str | None = None
        self.position = 0
        self.seen_content = False
        self.una_pending = False

    def error(self, message: str, offset: int, code: str = "not_edifact") -> DecodeError:
        return DecodeError(message, code=code, location=Location(file=self.filename, position=offset))

    # -- driver ------------------------------------------------------------------------------------------
    def run(self, chunks: Iterator[bytes]) -> Iterator[Segment]:
        buf = b""
        base = 0  # byte offset of buf[0] in the input
        eof = False
        start = True  # at the start of the input or of an interchange: a UNA may come next
        first = True
        while True:
            if start:
                while not eof and len(buf) < _LOOKAHEAD:
                    chunk = next(chunks, None)
                    eof = chunk is None
                    buf += chunk or b""
                if first and buf.startswith(_BOM):
                    buf, base = buf[3:], base + 3
                first = False
                stripped = buf.lstrip(b" \t\r\n")
                base += len(buf) - len(stripped)
                buf = stripped
                if not buf:
                    if eof:
                        return
                    continue
                if buf.startswith(b"UNA"):
                    yield self._read_una(buf[:_UNA_LENGTH], base)
                    buf, base = buf[_UNA_LENGTH:], base + _UNA_LENGTH
                    continue
                if not self.seen_content:
                    self.seen_content = True
                    if not _TAG.match(buf[:3]):
                        raise self.error(
                            "input is not EDIFACT: it starts with neither UNA, UNB nor a segment tag", base
                        )
                self._peek_unb(buf)
                start = False
            terminator = self.service.segment.encode(self.codec, "surrogateescape")
            if not eof and terminator not in buf:
                if len(buf) > MAX_SEGMENT:
                    raise self.error(f"no segment terminator in {len(buf)} bytes", base, code="segment_too_long")
                chunk = next(chunks, None)
                eof = chunk is None
                buf += chunk or b""
                continue
            cut = len(buf) if eof else buf.rfind(terminator) + len(terminator)
            una = buf.find(b"UNA", 1, cut)  # end the block before a UNA: what follows may use other characters
            if una > 0:
                before = buf.rfind(terminator, 0, una)
                if before >= 0:
                    cut = before + len(terminator)
                elif not buf[:una].strip(b" \t\r\n"):
                    start = True  # only line breaks before the next UNA: read it as a service string advice
                    continue
            block, rest = buf[:cut], buf[cut:]
            final = eof and not rest
            prepared = self._prepare(block, final)
            if prepared is not None:
                outcome: list[tuple[int, str | None]] = []
                for segments in self._fast(prepared, base, outcome):
                    yield from segments
                consumed, restart = outcome[0]
            else:
                consumed, restart = yield from self._block(block, base, final=final)
            buf = block[consumed:] + rest
            base += consumed
            start = restart == "UNA"
            if restart is None and consumed == 0:
                if eof:
                    return
                chunk = next(chunks, None)  # an escaped terminator ended the block: read on
                eof = chunk is None
                buf += chunk or b""

    def _read_una(self, advice: bytes, offset: int) -> Segment:
        if len(advice) < _UNA_LENGTH:
            raise self.error("UNA service string advice is cut short", offset, code="invalid_service_characters")
        self.seen_content = True
        chars = advice[3:].decode("latin-1")
        service = ServiceChars.from_una(chars)
        used = [service.component, service.element, service.segment]
        used += [c for c in (service.release, service.repetition) if c]
        if len(set(used)) != len(used) or any(c.isalnum() or c == " " or ord(c) > 0x7F for c in used):
            raise self.error(
                f"UNA declares unusable service characters {chars!r} (CONTRL 22)",
                offset,
                code="invalid_service_characters",
            )
        self.service = service
        self.una_pending = True
        return Segment("UNA", [[chars]], position=0, offset=offset)

    def _peek_unb(self, data: bytes) -> None:
        """Choose the character set (and the level B default separators) from a UNB at the start of `data`."""
        if not data.startswith(b"UNB"):
            return
        if not self.una_pending:
            self.service = LEVEL_B_DEFAULTS if data[3:4] == b"\x1d" else DEFAULT_SERVICE
        self.una_pending = False
        if data[3:4] == self.service.element.encode("latin-1"):
            self._set_charset(data[4:8].decode("latin-1"))

    def _set_charset(self, syntax_id: str) -> bool:
        """Switch to the character set of `syntax_id`; True when the codec changed."""
        codec, repertoire = CHARSETS.get(syntax_id, ("latin-1", None))
        changed = codec != self.codec
        self.codec, self.repertoire = codec, repertoire
        return changed

    # -- the fast path: a clean block, all per-segment work in comprehensions and map() ----------------------
    def _prepare(self, block: bytes, final: bool) -> _Prepared | None:
        """The block ready for the fast path, or None when it needs the careful per-segment loop."""
        codec = self.codec
        if not clean_bytes(block, self.repertoire, self.service):
            return None
        if codec == "utf-8":
            if not block.isascii():
                return None  # multi-byte characters: offsets need the careful loop
            text = block.decode("ascii")
        else:
            text = block.decode(codec, "replace")
            if codec != "latin-1" and "\ufffd" in text:
                return None
        return _fast_text(text, self.service, final)

    def _fast(self, prepared: _Prepared, base: int, outcome: list[tuple[int, str | None]]) -> Iterator[list[Segment]]:
        """The segments of a prepared block, a batch at a time; (bytes consumed, restart) goes to `outcome`."""
        elem, comp = self.service.element, self.service.component
        reader = _element_reader(elem, comp)
        pieces = prepared.body.split(prepared.splitter)
        step = len(prepared.splitter)
        start = base + prepared.lead
        position = self.position
        for low in range(0, len(pieces), _BATCH):
            batch = pieces[low : low + _BATCH]
            count = len(batch)
            tags = [piece[:3] for piece in batch]
            heads = [piece[3:4] for piece in batch]
            if heads.count(elem) + heads.count("") != count:
                tags = [piece.split(elem, 1)[0].split(comp, 1)[0] for piece in batch]
            starts = list(map(add, accumulate(map(len, batch), initial=0), range(start, start + step * count, step)))
            segments: list[Segment] = list(
                map(LazySegment, tags, batch, range(position + 1, position + 1 + count), starts, repeat(reader))
            )
            if prepared.released:
                for index in [i for i, piece in enumerate(batch) if _MARKER in piece]:
                    restore = prepared.restore
                    parts = batch[index].split(elem)
                    tag = parts[0].split(comp, 1)[0].translate(restore)
                    elements = [[c.translate(restore) for c in value.split(comp)] for value in parts[1:]]
                    segments[index] = Segment(tag, elements, position + 1 + index, starts[index])
                    tags[index] = tag
            if "UNB" in tags:
                for index, segment in enumerate(segments):
                    if segment.tag == "UNB":
                        if self._set_charset(segment.get(1)):
                            yield segments[:index]
                            self.position = position  # decoded with the previous set: read it again
                            outcome.append((segment.offset - base, "UNB"))
                            return
                        position = 0
                    position += 1
                    segment.position = position
            else:
                position += count
            yield segments
            start = starts[-1] + len(batch[-1]) + step
        self.position = position
        outcome.append((prepared.consumed, None))

    # -- one decoded block -------------------------------------------------------------------------------
    def _block(self, block: bytes, base: int, *, final: bool) -> Generator[Segment, None, tuple[int, str | None]]:
        """Yield the segments of `block`; return (bytes consumed, "UNA"/"UNB" when a re-read must start there)."""
        codec = self.codec
        text = block.decode(codec, "surrogateescape" if codec == "utf-8" else "replace")
        to_bytes = _ByteCounter(text, codec, len(text) == len(block))
        service = self.service
        term, elem, comp, rel, rep = (
            service.segment,
            service.element,
            service.component,
            service.release,
            service.repetition,
        )
        pieces = text.split(term)
        tail = pieces.pop()  # text after the last terminator: only at the end of the input
        released = rel is not None and rel in text
        if released and rel + term in text:
            pieces, open_piece = _merge_released(pieces, rel, term)
            if open_piece is not None:
                tail = open_piece + term + tail
        slow = released or (rep is not None and rep in text)
        checker = bad_character_pattern(self.repertoire, service)
        suspicious = checker.search(text) is not None
        wrapped = "\n" in text or "\r" in text
        maybe_una = "UNA" in text
        tail_is_segment = final and bool(tail.strip(_WHITESPACE))
        if tail_is_segment:
            pieces.append(tail)
        exact = to_bytes.exact
        position = self.position
        index = 0
        last = len(pieces) - 1
        for number, piece in enumerate(pieces):
            seg_text = piece.lstrip(_WHITESPACE)
            if not seg_text:
                index += len(piece) + 1
                continue
            start = index + len(piece) - len(seg_text)
            index += len(piece) + 1
            if maybe_una and seg_text[:3] == "UNA":
                self.position = position
                return to_bytes(start), "UNA"
            if wrapped and ("\n" in seg_text or "\r" in seg_text):
                seg_text = seg_text.replace("\r", "").replace("\n", "")
            if slow and ((released and rel in seg_text) or (rep is not None and rep in seg_text)):
                tag, elements, repeats = _split_released(seg_text, service)
            else:
                parts = seg_text.split(elem)
                tag = parts[0]
                elements = [p.split(comp) for p in parts[1:]]
                repeats = None
            if len(tag) != 3 and comp in tag:
                tag = tag.split(comp, 1)[0]
            if tag == "UNB":
                if self._set_charset(elements[0][0] if elements else ""):
                    self.position = position  # decoded with the previous set: read it again
                    return to_bytes(start), "UNB"
                position = 0
            position += 1
            segment = Segment(tag, elements, position, base + (start if exact else to_bytes(start)), repeats)
            if suspicious and checker.search(seg_text) is not None:
                segment.bad_characters = True
            if tail_is_segment and number == last:
                segment.unterminated = True
            yield segment
        self.position = position
        if final:
            return len(block), None
        return to_bytes(index), None


@cache
def _element_reader(elem: str, comp: str) -> ElementReader:
    """One shared reader per pair of separators."""
    return ElementReader(elem, comp)


class _Prepared:
    """A block the fast path can split: every segment ends with the terminator (+ one line-end suffix)."""

    __slots__ = ("body", "consumed", "lead", "released", "restore", "splitter")

    def __init__(
        self, body: str, splitter: str, lead: int, consumed: int, released: bool, restore: dict[int, str | None]
    ) -> None:
        self.body, self.splitter, self.lead, self.consumed = body, splitter, lead, consumed
        self.released, self.restore = released, restore


def _fast_text(text: str, service: ServiceChars, final: bool) -> _Prepared | None:
    """Prepare a single-byte-exact block for the fast path, or None when it needs the careful loop.

    Released characters become a marker plus a placeholder (same length, so offsets stay exact); the
    block must hold no UNA, no repetition separator, no tab (nor, checked before, bad characters),
    and line breaks only as one suffix right after each terminator.
    """
    term, rel, rep = service.segment, service.release, service.repetition
    if "UNA" in text or (rep is not None and rep in text) or "\t" in text:
        return None
    stripped = text.lstrip(_WHITESPACE)
    lead = len(text) - len(stripped)
    released = rel is not None and rel in stripped
    restore: dict[int, str | None] = {}
    if released:
        assert rel is not None
        specials = (service.component, service.element, term, rel)
        hide = {char: _PLACEHOLDERS[i] for i, char in enumerate(specials)}
        restore = {ord(_PLACEHOLDERS[i]): char for i, char in enumerate(specials)}
        restore[ord(_MARKER)] = None
        pattern = _release_patterns.get(rel)
        if pattern is None:
            pattern = _release_patterns[rel] = re.compile(re.escape(rel) + "(.)", re.DOTALL)
        stripped = pattern.sub(lambda match: _MARKER + hide.get(match.group(1), match.group(1)), stripped)
    cut = stripped.rfind(term) + len(term)
    if cut < len(term):
        return None
    if final and stripped[cut:].strip(_WHITESPACE):
        return None
    body = stripped[: cut - len(term)]
    if "\n" in body or "\r" in body:
        splitter = term + ("\r\n" if "\r" in body else "\n")
        pairs = body.count(splitter)
        if (
            body.count("\n") != pairs
            or body.count("\r") != (pairs if len(splitter) == 3 else 0)
            or body.count(term) != pairs
        ):
            return None
    else:
        splitter = term
    if (splitter + " ") in body or (splitter + splitter) in body or body.startswith(splitter) or not body:
        return None
    consumed = lead + (len(stripped) if final else cut)
    return _Prepared(body, splitter, lead, consumed, released, restore)


def _merge_released(pieces: list[str], rel: str, term: str) -> tuple[list[str], str | None]:
    """Re-join pieces split at a released terminator (a piece ending in an odd run of `rel`).

    Returns the merged pieces and the text of a last piece whose terminator is released (it
    continues in the next block), or None.
    """
    merged: list[str] = []
    pending: str | None = None
    for piece in pieces:
        if pending is None:
            if piece[-1:] != rel:
                merged.append(piece)
                continue
            current = piece
        else:
            current = pending + term + piece
        if (len(current) - len(current.rstrip(rel))) % 2:
            pending = current
        else:
            merged.append(current)
            pending = None
    return merged, pending


_PLACEHOLDERS = "".join(chr(code) for code in range(0xFDD0, 0xFDD5))  # Unicode noncharacters
_release_patterns: dict[str, re.Pattern[str]] = {}


def _split_released(text: str, service: ServiceChars) -> tuple[str, list[list[str]], dict[int, list[list[str]]] | None]:
    """Split one segment holding release or repetition characters (see `_split_slow` for the rules).

    Released service characters are swapped for noncharacter placeholders, the segment is split
    with `str.split`, and the placeholders are put back; text that already holds a placeholder
    takes the character loop.
    """
    if any(char in text for char in _PLACEHOLDERS):
        return _split_slow(text, service)
    rel, elem, comp, rep = service.release, service.element, service.component, service.repetition
    specials = (comp, elem, service.segment, rel, rep)
    if rel is not None and rel in text:
        pattern = _release_patterns.get(rel)
        if pattern is None:
            pattern = _release_patterns[rel] = re.compile(re.escape(rel) + "(.)", re.DOTALL)
        hide = {char: _PLACEHOLDERS[i] for i, char in enumerate(specials) if char}
        text = pattern.sub(lambda match: hide.get(match.group(1), match.group(1)), text)
        if text.endswith(rel):
            text = text[:-1]
    restore = {ord(_PLACEHOLDERS[i]): char for i, char in enumerate(specials) if char}
    parts = text.split(elem)
    head = parts[0].split(rep, 1)[0] if rep is not None else parts[0]
    tag = head.split(comp, 1)[0].translate(restore)
    elements: list[list[str]] = []
    repeats: dict[int, list[list[str]]] | None = None
    for number, part in enumerate(parts[1:], start=1):
        if rep is not None and rep in part:
            reps = [[c.translate(restore) for c in value.split(comp)] for value in part.split(rep)]
            repeats = repeats or {}
            repeats[number] = reps
            elements.append(reps[0])
        else:
            elements.append([c.translate(restore) for c in part.split(comp)])
    return tag, elements, repeats


def _split_slow(text: str, service: ServiceChars) -> tuple[str, list[list[str]], dict[int, list[list[str]]] | None]:
    """Split one segment holding release or repetition characters, character by character.

    A release character makes the next character data, whatever it is; a release character at
    the very end of the segment is dropped.
    """
    rel, elem, comp, rep = service.release, service.element, service.component, service.repetition
    body: list[list[list[str]]] = []  # element -> repetitions -> components
    repetitions: list[list[str]] = [[]]
    current: list[str] = []
    released = False
    for char in text:
        if released:
            current.append(char)
            released = False
        elif char == rel:
            released = True
        elif char == comp:
            repetitions[-1].append("".join(current))
            current = []
        elif char == elem:
            repetitions[-1].append("".join(current))
            body.append(repetitions)
            repetitions, current = [[]], []
        elif char == rep:
            repetitions[-1].append("".join(current))
            repetitions.append([])
            current = []
        else:
            current.append(char)
    repetitions[-1].append("".join(current))
    body.append(repetitions)
    tag = body[0][0][0]
    elements = body[1:]
    repeats = {i: reps for i, reps in enumerate(elements, start=1) if len(reps) > 1} or None
    return tag, [reps[0] for reps in elements], repeats
