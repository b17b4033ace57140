"""Plain EDIFACT values the inbound mappings read: DTM dates by their format code, segment groups, item id
pairs, line numbers, control references, content digests and per-partner overrides."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from adapters.edifact.syntax import Segment

# re-exported: the mappings (and tests) read these shared values from here
from hub.edi.numbers import decimal_text as decimal_text
from hub.edi.values import control_value as control_value
from hub.edi.values import line_numbers as line_numbers
from hub.edi.values import override as override

DATE_FORMATS = {
    "101": "%y%m%d",
    "102": "%Y%m%d",
    "201": "%y%m%d%H%M",
    "203": "%Y%m%d%H%M",
    "204": "%Y%m%d%H%M%S",
}
"""DTM 2379 format qualifiers read: 101 YYMMDD, 102 CCYYMMDD, 201 YYMMDDHHMM, 203 CCYYMMDDHHMM,
204 CCYYMMDDHHMMSS; 205 (CCYYMMDDHHMMZZZ, with an offset) and 718 (a CCYYMMDD-CCYYMMDD range, its start)
are read too. Without 2379 the format follows from the length (6, 8, 12 or 14 digits)."""
BY_LENGTH = {6: "101", 8: "102", 10: "201", 12: "203", 14: "204"}


def split_groups(
    segments: Sequence[Segment], start: str, *, end: Iterable[str] = ()
) -> tuple[list[Segment], list[list[Segment]], list[Segment]]:
    """(segments before the first `start`, one list per `start` group, segments from the first `end` tag on)."""
    stop = frozenset(end)
    head: list[Segment] = []
    groups: list[list[Segment]] = []
    tail: list[Segment] = []
    for seg in segments:
        if tail or seg.tag in stop:
            tail.append(seg)
        elif seg.tag == start:
            groups.append([seg])
        elif groups:
            groups[-1].append(seg)
        else:
            head.append(seg)
    return head, groups, tail


def parse_moment(value: str, format_code: str, zone: tzinfo) -> datetime | None:
    """A DTM value in its 2379 format as an aware datetime (`zone` when the format carries no offset)."""
    text = value.strip()
    code = format_code.strip() or BY_LENGTH.get(len(text), "")
    if code == "718":
        text, code = text.split("-", 1)[0], "102"
    offset: tzinfo = zone
    if code == "205":
        if len(text) != 17 or not text[:12].isdecimal() or text[12] not in "+-" or not text[13:].isdecimal():
            return None
        minutes = int(text[13:15]) * 60 + int(text[15:17])
        offset = timezone(timedelta(minutes=minutes if text[12] == "+" else -minutes))
        text, code = text[:12], "203"
    pattern = DATE_FORMATS.get(code)
    if pattern is None or not text.isdecimal():
        return None
    try:
        parsed = datetime.strptime(text, pattern)
    except ValueError:
        return None
    return parsed.replace(tzinfo=offset)


def envelope_moment(day: str, at: str, zone: tzinfo) -> datetime:
    """UNB/UNG date (YYMMDD or CCYYMMDD) and time (HHMM) as a datetime; 2000-01-01 when unreadable."""
    text = day.strip()
    pattern = "%Y%m%d" if len(text) == 8 else "%y%m%d"
    try:
        parsed_day = datetime.strptime(text, pattern).date()
    except ValueError:
        parsed_day = date(2000, 1, 1)
    clock = at.strip()
    moment = time(0)
    if len(clock) >= 4 and clock[:4].isdecimal():
        hour, minute = int(clock[:2]), int(clock[2:4])
        if hour < 24 and minute < 60:
            moment = time(hour, minute)
    return datetime.combine(parsed_day, moment, tzinfo=zone)


def content_digest(segments: Sequence[Segment]) -> str:
    """A short stable digest of segments' tags and elements (the same content resent digests the same)."""
    h = hashlib.sha256()
    for seg in segments:
        h.update(seg.tag.encode())
        for element in seg.elements:
            h.update(b"\x1d" + "\x1f".join(element).encode())
        h.update(b"\x1c")
    return h.hexdigest()[:16]


def item_ids(group: Sequence[Segment]) -> tuple[str, str, dict[str, str]]:
    """A LIN group's item ids: (LIN 7140 item number, its 7143 type, {type: id} of LIN C212 and every PIA
    C212 (PIA+1 additional / PIA+5 product identification), first one per type kept)."""
    lin = group[0]
    number, kind = lin.get(3, 1).strip(), lin.get(3, 2).strip()
    ids: dict[str, str] = {}
    if number:
        ids[kind or "LIN"] = number
    for seg in group[1:]:
        if seg.tag != "PIA":
            continue
        for index in range(2, 7):
            value, qualifier = seg.get(index, 1).strip(), seg.get(index, 2).strip()
            if value and qualifier:
                ids.setdefault(qualifier, value)
    return number, kind, ids
