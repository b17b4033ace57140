"""CONTRL content answering a received interchange, and readers for a partner's CONTRL and APERAK.

API (stable; the mapping helper codes against it):

    contrl_content(interchange, messages, problems, *, list_accepted=False, received_only=False) -> dict
    read_contrl(message) -> dict
    read_aperak(message) -> dict

Action codes (0083) used, per ISO 9735 (the issue's "UCI 7" for rejection is read as the standard reads it):

- "4": this level and all lower levels rejected. UCI 4 when the interchange has a problem of its
  own (UNZ count 29, UNZ reference 28, truncated 13, unsupported syntax 2, duplicate 26, unknown
  sender 23, wrong recipient 7, stray segment 33...): nothing in it is processed.
  UCM 4 for a message with any problem (UNT count 29, missing element 13, bad value 12...).
- "7": this level acknowledged, lower levels acknowledged unless explicitly rejected: UCI 7 for an
  interchange that is accepted, wholly or in part (its rejected messages each get a UCM 4);
  UCM 7 only with `list_accepted=True`.
- "8": interchange received (UCI only, `received_only=True`): no checking reported.

Error codes (0085) are those of the problems (see adapters.edifact.syntax). Where they go:

- UCI: action, the first interchange problem's code, its service segment tag (0013) and S011
  (element, component).
- UCM: 0062 and S009 of the message, action, and for a problem of the message itself (UNH/UNT,
  or a mandatory segment that is missing, which has no position of its own) its code, 0013 and S011.
- UCS: the position of an erroneous segment in the message (UNH = 1) and, for a problem of the
  segment as a whole (15 not allowed, 35 repeated too often, 21 bad characters), its code.
- UCD: per erroneous element of that segment: code and S011 (element position, component position).
At most 999 UCS per message and 99 UCD per segment are written (the CONTRL limits).

`contrl_content` returns {"identifier": S009 of the CONTRL ("CONTRL:D:3:UN", syntax 4
"CONTRL:4:1:UN") as components, "segments": the rows between UNH and UNT for
adapters.edifact.writer, "action": the UCI action, "interchange_reference": the UNB 0020 answered,
"messages": [{"reference", "type", "action", "codes"}] for every message listed}.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from adapters.edifact.envelope import Interchange, Message
from adapters.edifact.syntax import MISSING, SyntaxProblem
from hub.model import AckStatus

ACTION_REJECTED = "4"
ACTION_ACKNOWLEDGED = "7"
ACTION_RECEIVED = "8"
MAX_UCS = 999
MAX_UCD = 99
SERVICE_TAGS = frozenset({"UNA", "UNB", "UNG", "UNH", "UNT", "UNE", "UNZ", "UNS"})

__all__ = ["contrl_content", "contrl_identifier", "read_aperak", "read_contrl"]


def contrl_identifier(syntax_version: str) -> list[str]:
    """The CONTRL S009 for a syntax version: "CONTRL:D:3:UN" up to syntax 3, "CONTRL:4:1:UN" for syntax 4."""
    return ["CONTRL", "4", "1", "UN"] if syntax_version >= "4" else ["CONTRL", "D", "3", "UN"]


def _unique(problems: Iterable[SyntaxProblem]) -> list[SyntaxProblem]:
    seen: list[SyntaxProblem] = []
    for problem in problems:
        if problem not in seen:
            seen.append(problem)
    return seen


def _s011(problem: SyntaxProblem) -> list[str] | str:
    if problem.element is None:
        return ""
    return [str(problem.element), str(problem.component) if problem.component else ""]


def _service_tag(problem: SyntaxProblem) -> str:
    return problem.segment if problem.segment in SERVICE_TAGS else ""


def _s009(message: Message) -> list[str]:
    unh = message.segments[0] if message.segments else None
    parts = list(unh.element(2)) if unh is not None and unh.tag == "UNH" else []
    if not any(parts):
        parts = [message.type, message.version, message.release, message.agency]
    while parts and parts[-1] == "":
        parts.pop()
    return parts[:5]


def _message_rows(message: Message, problems: Sequence[SyntaxProblem], action: str) -> list[list[Any]]:
    own = [p for p in problems if _message_level(p)]
    located = [p for p in problems if not _message_level(p)]
    head = own[0] if own else None
    rows: list[list[Any]] = [
        [
            "UCM",
            message.reference,
            _s009(message),
            action,
            head.code if head else "",
            _service_tag(head) if head else "",
            _s011(head) if head and head.segment in SERVICE_TAGS else "",
        ]
    ]
    by_position: dict[int, list[SyntaxProblem]] = {}
    for problem in located:
        by_position.setdefault(problem.position or 0, []).append(problem)
    for position in sorted(by_position)[:MAX_UCS]:
        group = by_position[position]
        whole = next((p for p in group if p.element is None), None)
        rows.append(["UCS", str(position), whole.code if whole else ""])
        for problem in [p for p in group if p.element is not None][:MAX_UCD]:
            rows.append(["UCD", problem.code, _s011(problem)])
    return rows


def _message_level(problem: SyntaxProblem) -> bool:
    """A problem of the message as a whole (UCM), not of one segment in it (UCS/UCD)."""
    if problem.segment is None or problem.segment in ("UNH", "UNT") or problem.position is None:
        return True
    return problem.code == MISSING and problem.level == "segment" and problem.element is None


def contrl_content(
    interchange: Interchange,
    messages: Sequence[tuple[Message, Sequence[SyntaxProblem]]],
    problems: Sequence[SyntaxProblem] = (),
    *,
    list_accepted: bool = False,
    received_only: bool = False,
) -> dict[str, Any]:
    """The CONTRL answering `interchange` (see the module docstring).

    `messages`: every message read, with the problems found by validation (the message's own
    structural `problems` are added here, duplicates dropped). `problems`: interchange-level
    problems found outside the envelope reader (duplicate 26, unknown sender 23, wrong recipient 7);
    `interchange.problems` are added here.
    """
    interchange_problems = _unique([*interchange.problems, *problems])
    rejected = bool(interchange_problems)
    action = ACTION_REJECTED if rejected else ACTION_ACKNOWLEDGED
    if received_only and not rejected:
        action = ACTION_RECEIVED
    head = interchange_problems[0] if rejected else None
    uci: list[Any] = [
        "UCI",
        interchange.control_reference,
        [interchange.sender_id, interchange.sender_qualifier or ""],
        [interchange.recipient_id, interchange.recipient_qualifier or ""],
        action,
        head.code if head else "",
        _service_tag(head) if head else "",
        _s011(head) if head and head.segment in SERVICE_TAGS else "",
    ]
    rows: list[list[Any]] = [uci]
    summary: list[dict[str, Any]] = []
    if action != ACTION_RECEIVED:
        for message, found in messages:
            own = _unique(p for p in [*message.problems, *found] if p.level != "interchange")
            if own:
                rows += _message_rows(message, own, ACTION_REJECTED)
                summary.append(
                    {
                        "reference": message.reference,
                        "type": message.type,
                        "action": ACTION_REJECTED,
                        "codes": sorted({p.code for p in own}, key=int),
                    }
                )
            elif list_accepted or rejected:
                message_action = ACTION_REJECTED if rejected else ACTION_ACKNOWLEDGED
                if list_accepted:
                    rows.append(["UCM", message.reference, _s009(message), message_action])
                summary.append(
                    {"reference": message.reference, "type": message.type, "action": message_action, "codes": []}
                )
            else:
                summary.append(
                    {"reference": message.reference, "type": message.type, "action": ACTION_ACKNOWLEDGED, "codes": []}
                )
    return {
        "identifier": contrl_identifier(interchange.syntax_version or "3"),
        "segments": rows,
        "action": action,
        "interchange_reference": interchange.control_reference,
        "messages": summary,
    }


# -- reading a partner's CONTRL -------------------------------------------------------------------------


def _status(action: str, lower_rejected: bool = False) -> AckStatus:
    if action == ACTION_REJECTED:
        return AckStatus.REJECTED
    return AckStatus.ACCEPTED_WITH_ERRORS if lower_rejected else AckStatus.ACCEPTED


def read_contrl(message: Message) -> dict[str, Any]:
    """What a received CONTRL says about an interchange we sent.

    Returns {"interchange_reference": UCI 0020, "sender", "recipient" (of the interchange
    acknowledged, i.e. us as sender), "action", "code", "status" (AckStatus value), "messages":
    [{"reference": UCM 0062, "type", "identifier", "action", "code", "status", "segments":
    [{"position", "code", "elements": [{"code", "element", "component"}]}]}], "groups": [{"reference":
    UCF 0048, "action", "code", "status"}]}. A CONTRL with no UCI gives "interchange_reference" None.
    """
    result: dict[str, Any] = {
        "interchange_reference": None,
        "sender": None,
        "recipient": None,
        "action": "",
        "code": "",
        "status": AckStatus.ACCEPTED.value,
        "messages": [],
        "groups": [],
    }
    current: dict[str, Any] | None = None
    segment_entry: dict[str, Any] | None = None
    for segment in message.body:
        tag = segment.tag
        if tag == "UCI":
            result.update(
                interchange_reference=segment.get(1),
                sender=segment.get(2, 1),
                recipient=segment.get(3, 1),
                action=segment.get(4),
                code=segment.get(5),
            )
        elif tag == "UCM":
            current = {
                "reference": segment.get(1),
                "type": segment.get(2, 1),
                "identifier": ":".join(p for p in segment.element(2) if p),
                "action": segment.get(3),
                "code": segment.get(4),
                "status": _status(segment.get(3)).value,
                "segments": [],
            }
            segment_entry = None
            result["messages"].append(current)
        elif tag == "UCF":
            result["groups"].append(
                {
                    "reference": segment.get(1),
                    "action": segment.get(4),
                    "code": segment.get(5),
                    "status": _status(segment.get(4)).value,
                }
            )
        elif tag == "UCS" and current is not None:
            segment_entry = {"position": segment.get(1), "code": segment.get(2), "elements": []}
            current["segments"].append(segment_entry)
        elif tag == "UCD" and segment_entry is not None:
            segment_entry["elements"].append(
                {"code": segment.get(1), "element": segment.get(2, 1), "component": segment.get(2, 2)}
            )
    lower_rejected = any(m["action"] == ACTION_REJECTED for m in result["messages"]) or any(
        g["action"] == ACTION_REJECTED for g in result["groups"]
    )
    result["status"] = _status(result["action"], lower_rejected).value
    return result


# -- reading a partner's APERAK -------------------------------------------------------------------------

_REJECTED_FUNCTIONS = frozenset({"27"})  # 1225: not accepted
_AMENDED_FUNCTIONS = frozenset({"28", "30", "34"})  # 1225: accepted with amendment
_REJECTED_RESPONSES = frozenset({"RE"})  # 4343: rejected
_AMENDED_RESPONSES = frozenset({"CA", "AI"})  # 4343: conditionally accepted, acknowledge with details
_ACCEPTED_FUNCTIONS = frozenset({"29", "6", "44"})  # 1225: accepted without amendment, confirmation, accepted


def read_aperak(message: Message) -> dict[str, Any]:
    """What a received APERAK says about a document we sent.

    Returns {"reference": BGM 1004 (the APERAK's own number), "document_type": BGM 1001,
    "function": BGM 1225, "response": BGM 4343, "status" (AckStatus value), "document_reference":
    the first RFF value other than ACW (else ACW's), "message_reference": RFF+ACW (reference to the
    previous message), "references": [{"qualifier", "value"}], "errors": [{"code": ERC 9321, "text":
    FTX text after it}], "date": DTM+137}.

    Status: 1225 27 / 4343 RE -> rejected;
    1225 28/30/34 / 4343 CA/AI -> accepted_with_errors; 1225 29/6/44 -> accepted; otherwise
    rejected when ERC segments are present (an application error report) and accepted when not.
    """
    bgm = message.first("BGM")
    document_type = bgm.get(1) if bgm else ""
    reference = (bgm.get(2, 1) if bgm else "") or ""
    function = bgm.get(3) if bgm else ""
    response = bgm.get(4) if bgm else ""
    references: list[dict[str, str]] = []
    errors: list[dict[str, str]] = []
    date = ""
    last_error: dict[str, str] | None = None
    for segment in message.body:
        if segment.tag == "RFF":
            references.append({"qualifier": segment.get(1, 1), "value": segment.get(1, 2)})
        elif segment.tag == "ERC":
            last_error = {"code": segment.get(1, 1), "text": ""}
            errors.append(last_error)
        elif segment.tag == "FTX" and last_error is not None:
            text = " ".join(part for part in segment.element(4) if part)
            last_error["text"] = (last_error["text"] + " " + text).strip()
        elif segment.tag == "DTM" and segment.get(1, 1) == "137" and not date:
            date = segment.get(1, 2)
    if function in _REJECTED_FUNCTIONS or response in _REJECTED_RESPONSES:
        status = AckStatus.REJECTED
    elif function in _AMENDED_FUNCTIONS or response in _AMENDED_RESPONSES:
        status = AckStatus.ACCEPTED_WITH_ERRORS
    elif function in _ACCEPTED_FUNCTIONS:
        status = AckStatus.ACCEPTED
    else:
        status = AckStatus.REJECTED if errors else AckStatus.ACCEPTED
    others = [r["value"] for r in references if r["qualifier"] != "ACW" and r["value"]]
    acw = next((r["value"] for r in references if r["qualifier"] == "ACW"), "")
    return {
        "reference": reference,
        "document_type": document_type,
        "function": function,
        "response": response,
        "status": status.value,
        "document_reference": others[0] if others else acw,
        "message_reference": acw,
        "references": references,
        "errors": errors,
        "date": date,
    }
