"""997/999 and TA1 a partner sent about OUR envelopes -> ReceivedAck (the core reconciles them with what it sent).

A 997/999 answers one of our functional groups: counter "group", control number AK102 (our GS06).
A TA1 answers one of our interchanges: counter "interchange", control number TA101 (our ISA13).
Control numbers are given without leading zeros ("000000042" -> "42"), as the hub draws them.
"""

from __future__ import annotations

from datetime import datetime, time

from adapters.x12.envelope import Interchange, TransactionSet
from adapters.x12.inbound.reading import MapSettings, SetReader
from adapters.x12.inbound.values import control_value, parse_date, parse_time
from adapters.x12.syntax import Segment
from hub.errors import Location, MappingError
from hub.model import AckStatus, ReceivedAck
from hub.partners.profile import PartnerProfile

GROUP_STATUS = {
    "A": AckStatus.ACCEPTED,
    "E": AckStatus.ACCEPTED_WITH_ERRORS,
    "P": AckStatus.ACCEPTED_WITH_ERRORS,
    "R": AckStatus.REJECTED,
    "M": AckStatus.REJECTED,
    "W": AckStatus.REJECTED,
    "X": AckStatus.REJECTED,
}
"""AK901: A accepted, E accepted with errors, P partially accepted, R/M/W/X rejected."""
TA1_STATUS = {"A": AckStatus.ACCEPTED, "E": AckStatus.ACCEPTED_WITH_ERRORS, "R": AckStatus.REJECTED}
SET_TRAILER = {"AK5", "IK5"}
SEGMENT_NOTE = {"AK3", "IK3"}
ELEMENT_NOTE = {"AK4", "IK4"}


def map_functional_ack(ts: TransactionSet, partner: PartnerProfile, settings: MapSettings | None = None) -> ReceivedAck:
    """A 997 or 999: the status of the group it answers (AK9) and a line per set in error."""
    r = SetReader(ts, partner, settings)
    ak1 = r.require("AK1", "missing_ak1", "functional group response header")
    ak9 = r.require("AK9", "missing_ak9", "functional group response trailer")
    answered = r.text(ak1, 2, code="missing_group_number", what="group control number (AK102)")
    status_code = r.text(ak9, 1, code="missing_status", what="acknowledgment code (AK901)")
    if status_code not in GROUP_STATUS:
        raise r.error(
            "bad_ack_status", f"acknowledgment code {status_code!r} (AK901) is not A, E, P, R, M, W or X", ak9, 1
        )
    errors = _set_errors(ts.body)
    group_codes = [code for code in ak9.elements[4:9] if code.strip()]
    if group_codes:
        errors.append(f"group {ak1.get(1)} {answered}: AK9 {status_code} {' '.join(group_codes)}")
    return r.build(
        ReceivedAck,
        ak1,
        tenant=r.settings.tenant,
        source=partner.name,
        external_id=f"{ts.group.interchange.control_number}:{ts.group.control_number}:{ts.control_number}",
        partner=partner.name,
        kind=ts.set_id,
        counter="group",
        control_number=control_value(answered),
        status=GROUP_STATUS[status_code],
        errors=errors,
        received_at=r.group_moment(),
    )


def _set_errors(segments: list[Segment]) -> list[str]:
    """One text per set the ack does not accept, with its segment and element notes."""
    errors: list[str] = []
    current = ""
    notes: list[str] = []
    for seg in segments:
        if seg.tag == "AK2":
            current, notes = f"{seg.get(1)} {seg.get(2)}", []
        elif seg.tag in SEGMENT_NOTE:
            notes.append(f"segment {seg.get(1)} at {seg.get(2)}: code {seg.get(4)}")
        elif seg.tag in ELEMENT_NOTE:
            notes.append(f"element {seg.get(1)}: code {seg.get(3)}")
        elif seg.tag in SET_TRAILER and seg.get(1).strip() != "A":
            codes = " ".join(code for code in seg.elements[1:6] if code.strip())
            detail = f" ({'; '.join(notes)})" if notes else ""
            errors.append(f"set {current}: {seg.tag} {seg.get(1)} {codes}".rstrip() + detail)
    return errors


def map_ta1(
    ta1: Segment, interchange: Interchange, partner: PartnerProfile, settings: MapSettings | None = None
) -> ReceivedAck:
    """A TA1: the status of the interchange it answers (TA101, our ISA13) and its note code (TA105)."""
    settings = settings or MapSettings()
    answered = ta1.get(1).strip()
    status_code = ta1.get(4).strip()
    if not answered or status_code not in TA1_STATUS:
        raise MappingError(
            f"TA1 answering {answered or '(no control number)'}: needs TA101 and a status A, E or R in TA104",
            code="bad_ta1",
            location=Location(file=settings.file, segment="TA1", position=ta1.position or None, field="TA104"),
        )
    note = ta1.get(5).strip()
    day = parse_date(ta1.get(2)) or parse_date(interchange.date)
    received_at = None
    if day is not None:
        received_at = datetime.combine(day, parse_time(ta1.get(3)) or time(0), tzinfo=settings.zone)
    return ReceivedAck(
        tenant=settings.tenant,
        source=partner.name,
        external_id=f"{interchange.control_number}:TA1:{answered}",
        partner=partner.name,
        kind="TA1",
        counter="interchange",
        control_number=control_value(answered),
        status=TA1_STATUS[status_code],
        errors=[f"interchange {answered}: TA1 {status_code} note {note}"] if note and note != "000" else [],
        received_at=received_at,
    )
