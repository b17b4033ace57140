"""Plain X12 values the inbound mappings read: dates, times, control numbers, product id pairs, line
numbers, loops, content digests and per-partner overrides."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, time

from adapters.x12.syntax import Segment

# re-exported: the mappings (and tests) read these shared values from here
from hub.edi.numbers import decimal_text as decimal_text
from hub.edi.values import control_value as control_value
from hub.edi.values import line_numbers as line_numbers
from hub.edi.values import override as override


def split_loops(
    segments: Sequence[Segment], start: str, *, end: Iterable[str] = ()
) -> tuple[list[Segment], list[list[Segment]], list[Segment]]:
    """(segments before the first `start`, one list per `start` loop, segments from the first `end` tag on)."""
    stop = frozenset(end)
    head: list[Segment] = []
    loops: list[list[Segment]] = []
    tail: list[Segment] = []
    for seg in segments:
        if tail or (seg.tag in stop and loops):
            tail.append(seg)
        elif seg.tag == start:
            loops.append([seg])
        elif loops:
            loops[-1].append(seg)
        else:
            head.append(seg)
    return head, loops, tail


def product_ids(seg: Segment, first: int, last: int) -> dict[str, str]:
    """Qualifier -> id for the pairs (first, first+1) ... (last-1, last) of a segment (PO106/PO107, ...)."""
    ids: dict[str, str] = {}
    pairs = seg.elements[first - 1 : last]
    for qualifier, value in zip(pairs[0::2], pairs[1::2], strict=False):
        qualifier, value = qualifier.strip(), value.strip()
        if qualifier and value:
            ids.setdefault(qualifier, value)
    return ids


def parse_date(text: str) -> date | None:
    """An X12 date: CCYYMMDD, or YYMMDD (00-49 read as 20xx); None when it is not one."""
    text = text.strip()
    if not text.isdecimal() or len(text) not in (6, 8):
        return None
    if len(text) == 6:
        yy = int(text[:2])
        text = f"{20 if yy < 50 else 19}{text}"
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    """An X12 time: HHMM, HHMMSS, HHMMSSD or HHMMSSDD; None when it is not one."""
    text = text.strip()
    if not text.isdecimal() or len(text) not in (4, 6, 7, 8):
        return None
    try:
        seconds = int(text[4:6]) if len(text) >= 6 else 0
        micro = int(text[6:].ljust(6, "0")) if len(text) > 6 else 0
        return time(int(text[:2]), int(text[2:4]), seconds, micro)
    except ValueError:
        return None


def content_digest(segments: Sequence[Segment]) -> str:
    """A short stable digest of segments' tags and elements (the same content resent digests the same)."""
    h = hashlib.sha256()
    for seg in segments:
        h.update(seg.tag.encode())
        for value in seg.elements:
            h.update(b"\x1f" + value.encode())
        h.update(b"\x1e")
    return h.hexdigest()[:16]
