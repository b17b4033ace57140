"""Render X12 text: segments with the partner's delimiters, whole interchanges (ISA/GS/ST..SE/GE/IEA) and TA1s.

Deterministic: dates and times come from `created_at` (converted to UTC when it carries a zone), control
numbers from the caller. X12 has no release character, so a value containing a delimiter (or a line
break, or a control character) raises MappingError naming the segment and element.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from hub.errors import Location, MappingError

Row = Sequence["str | Sequence[str]"]
MAX_CONTROL = 999_999_999


class DelimiterSet(Protocol):
    """hub.partners.profile.X12Delimiters or adapters.x12.syntax.Delimiters."""

    element: str
    component: str
    repetition: str | None
    segment: str
    suffix: str


class _Identity(Protocol):
    qualifier: str
    id: str


def _forbidden(delimiters: DelimiterSet) -> str:
    chars = delimiters.element + delimiters.component + delimiters.segment + (delimiters.repetition or "")
    return chars + "\r\n"


def _check(value: str, forbidden: str, tag: str, position: int) -> str:
    bad = [ch for ch in value if ch in forbidden or ord(ch) < 32 or ord(ch) == 127]
    if bad:
        raise MappingError(
            f"{tag}{position:02d} value {value!r} contains {bad[0]!r}, a delimiter or control character; "
            "X12 has no release character",
            code="x12_delimiter_in_data",
            location=Location(segment=tag, field=f"{tag}{position:02d}"),
        )
    return value


def render_segments(rows: Sequence[Row], delimiters: DelimiterSet) -> str:
    """Segments as text: tag, elements (a list is a composite), trailing empty elements dropped."""
    forbidden = _forbidden(delimiters)
    element, component = delimiters.element, delimiters.component
    end = delimiters.segment + delimiters.suffix
    out: list[str] = []
    for row in rows:
        if not row or not isinstance(row[0], str) or not row[0]:
            raise MappingError(f"segment row {row!r} has no tag", code="x12_bad_row")
        tag = _check(row[0], forbidden, row[0], 0)
        values: list[str] = []
        for position, value in enumerate(row[1:], start=1):
            if value is None:
                values.append("")
            elif isinstance(value, str):
                values.append(_check(value, forbidden, tag, position))
            else:
                parts = [_check(str(part), forbidden, tag, position) for part in value]
                while parts and parts[-1] == "":
                    parts.pop()
                values.append(component.join(parts))
        while values and values[-1] == "":
            values.pop()
        out.append(element.join([tag, *values]) + end)
    return "".join(out)


def _stamp(created_at: datetime) -> datetime:
    return created_at.astimezone(UTC) if created_at.tzinfo else created_at


def _control(number: int, what: str) -> int:
    if not 1 <= int(number) <= MAX_CONTROL:
        raise MappingError(f"{what} control number {number} is outside 1..{MAX_CONTROL}", code="x12_control_number")
    return int(number)


def _padded(value: str, width: int, what: str) -> str:
    if len(value) > width:
        raise MappingError(f"{what} {value!r} is longer than {width} characters", code="x12_isa_field")
    return value.ljust(width)


def isa_version(version: str) -> str:
    """ISA12 for a GS08 version: "004010" -> "00401", "005010X231A1" -> "00501"."""
    if len(version) < 5 or not version[:5].isdecimal():
        raise MappingError(f"X12 version {version!r} is not like 004010", code="x12_version")
    return version[:5]


def isa_row(
    *,
    sender: _Identity,
    receiver: _Identity,
    interchange_control: int,
    version: str,
    delimiters: DelimiterSet,
    created_at: datetime,
    test: bool,
    ack_requested: bool,
) -> list[str]:
    """The 16 ISA elements (fixed widths), ISA16 included."""
    stamp = _stamp(created_at)
    control_version = isa_version(version)
    repetition = delimiters.repetition if control_version >= "00402" and delimiters.repetition else "U"
    return [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        _padded(sender.qualifier, 2, "ISA05"),
        _padded(sender.id, 15, "ISA06"),
        _padded(receiver.qualifier, 2, "ISA07"),
        _padded(receiver.id, 15, "ISA08"),
        stamp.strftime("%y%m%d"),
        stamp.strftime("%H%M"),
        repetition,
        control_version,
        f"{_control(interchange_control, 'interchange'):09d}",
        "1" if ack_requested else "0",
        "T" if test else "P",
        delimiters.component,
    ]


def _isa_text(row: list[str], delimiters: DelimiterSet) -> str:
    forbidden = delimiters.element + delimiters.segment + "\r\n"
    for position, value in enumerate(row[1:16], start=1):
        if position == 11 and value == delimiters.repetition:
            continue  # ISA11 is the repetition separator itself (it may be a control character such as 0x1E)
        _check(value, forbidden + (delimiters.component if position != 11 else ""), "ISA", position)
    return delimiters.element.join(row) + delimiters.segment + delimiters.suffix


def render_interchange(
    *,
    sender: _Identity,
    receiver: _Identity,
    interchange_control: int,
    group_control: int,
    functional_id: str,
    version: str,
    sets: Sequence[tuple[str, Sequence[Row]]],
    delimiters: DelimiterSet,
    created_at: datetime,
    test: bool,
    ack_requested: bool,
) -> str:
    """One interchange with one functional group holding `sets` (set id, body rows without ST/SE)."""
    if not sets:
        raise MappingError("an X12 functional group needs at least one transaction set", code="x12_empty_group")
    stamp = _stamp(created_at)
    group = _control(group_control, "group")
    isa = isa_row(
        sender=sender,
        receiver=receiver,
        interchange_control=interchange_control,
        version=version,
        delimiters=delimiters,
        created_at=created_at,
        test=test,
        ack_requested=ack_requested,
    )
    gs_date, gs_time = stamp.strftime("%Y%m%d"), stamp.strftime("%H%M")
    rows: list[Row] = [["GS", functional_id, sender.id, receiver.id, gs_date, gs_time, str(group), "X", version]]
    implementation = version if version[:6] >= "005010" and len(version) > 6 else ""
    for number, (set_id, body) in enumerate(sets, start=1):
        control = f"{number:04d}"
        rows.append(["ST", set_id, control, *([implementation] if implementation else [])])
        rows.extend(body)
        rows.append(["SE", str(len(body) + 2), control])
    rows.append(["GE", str(len(sets)), str(group)])
    rows.append(["IEA", "1", isa[13]])
    return _isa_text(isa, delimiters) + render_segments(rows, delimiters)


def render_ta1_interchange(
    *,
    sender: _Identity,
    receiver: _Identity,
    interchange_control: int,
    ta1: Sequence[str],
    version: str,
    delimiters: DelimiterSet,
    created_at: datetime,
    test: bool,
) -> str:
    """An interchange carrying one TA1 directly under the ISA (no GS); IEA01 counts no group."""
    if not ta1 or ta1[0] != "TA1":
        raise MappingError(f"{list(ta1)!r} is not a TA1 segment row", code="x12_bad_row")
    isa = isa_row(
        sender=sender,
        receiver=receiver,
        interchange_control=interchange_control,
        version=version,
        delimiters=delimiters,
        created_at=created_at,
        test=test,
        ack_requested=False,
    )
    return _isa_text(isa, delimiters) + render_segments([list(ta1), ["IEA", "0", isa[13]]], delimiters)
