"""CONTRL and APERAK a partner sent about OUR interchanges -> ReceivedAck (the core reconciles them).

A CONTRL answers one of our interchanges: counter "interchange", control number UCI 0020 (our UNB 0020).
An APERAK answers one of our messages: the hub writes one message per interchange with UNH 0062 equal to
UNB 0020, so an APERAK's RFF+ACW (reference to the previous message) is reconciled as counter
"interchange"; without RFF+ACW, its first other reference (RFF+ON...: the document) is given with counter
"message". References are given without leading zeros ("000042" -> "42"), as the hub draws them.
"""

from __future__ import annotations

from typing import Any

from adapters.edifact.contrl import read_aperak, read_contrl
from adapters.edifact.envelope import Message
from adapters.edifact.inbound.reading import MapSettings, MessageReader
from adapters.edifact.inbound.values import control_value
from hub.model import AckStatus, ReceivedAck
from hub.partners.profile import PartnerProfile


def map_contrl(message: Message, partner: PartnerProfile, settings: MapSettings | None = None) -> ReceivedAck:
    """A CONTRL: the status of the interchange it answers (UCI action) and a line per message in error."""
    r = MessageReader(message, partner, settings)
    uci = r.require("UCI", "missing_uci", "interchange response")
    read = read_contrl(message)
    answered = r.text(uci, 1, code="missing_reference", what="interchange control reference (UCI 0020)")
    if read["action"] not in ("4", "7", "8"):
        raise r.error("bad_ack_status", f"action {read['action']!r} (UCI 0083) is not 4, 7 or 8", uci, 4)
    errors = [_message_error(m) for m in read["messages"] if m["action"] == "4"]
    if read["action"] == "4":
        errors.insert(0, f"interchange {answered}: UCI 4 code {read['code'] or '(none)'}")
    return r.build(
        ReceivedAck,
        uci,
        tenant=r.settings.tenant,
        source=partner.name,
        external_id=_own_id(message),
        partner=partner.name,
        kind="CONTRL",
        counter="interchange",
        control_number=control_value(answered),
        status=AckStatus(read["status"]),
        errors=errors,
        received_at=r.interchange_moment(),
    )


def map_aperak(message: Message, partner: PartnerProfile, settings: MapSettings | None = None) -> ReceivedAck:
    """An APERAK: the status of the message or document it answers, with its ERC/FTX errors."""
    r = MessageReader(message, partner, settings)
    bgm = r.require("BGM", "missing_bgm", "beginning of message")
    read = read_aperak(message)
    if read["message_reference"]:
        counter, answered = "interchange", control_value(read["message_reference"])
    elif read["document_reference"]:
        counter, answered = "message", read["document_reference"]
    else:
        raise r.missing_segment("missing_reference", "RFF", "the APERAK names no message or document it answers (RFF)")
    errors = [f"{e['code']}: {e['text']}".rstrip(": ") for e in read["errors"]]
    return r.build(
        ReceivedAck,
        bgm,
        tenant=r.settings.tenant,
        source=partner.name,
        external_id=_own_id(message),
        partner=partner.name,
        kind="APERAK",
        counter=counter,
        control_number=answered,
        status=AckStatus(read["status"]),
        errors=errors,
        received_at=r.dated("137", message.body, what="message date (DTM+137)") or r.interchange_moment(),
    )


def _own_id(message: Message) -> str:
    interchange = message.interchange.control_reference if message.interchange is not None else ""
    return f"{interchange}:{message.type}:{message.reference}"


def _message_error(entry: dict[str, Any]) -> str:
    where = "; ".join(
        f"segment {s['position']} code {s['code'] or '-'}"
        + "".join(f", element {e['element']} code {e['code']}" for e in s["elements"])
        for s in entry["segments"]
    )
    text = f"message {entry['reference']} ({entry['type']}): UCM 4 code {entry['code'] or '(none)'}"
    return f"{text} ({where})" if where else text
