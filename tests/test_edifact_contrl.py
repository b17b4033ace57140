"""CONTRL content (UCI/UCM/UCS/UCD action and error codes) and the readers of a partner's CONTRL and APERAK."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from adapters.edifact.contrl import contrl_content, read_aperak, read_contrl
from adapters.edifact.envelope import Event, Interchange, InterchangeStart, Message, read_interchanges
from adapters.edifact.schema import validate_message
from adapters.edifact.syntax import SyntaxProblem
from adapters.edifact.writer import render_interchange
from hub.partners.profile import EdifactIdentity

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "edifact" / "syntax"


def read(name: str) -> tuple[Interchange, list[tuple[Message, list[SyntaxProblem]]]]:
    items: list[Event] = list(read_interchanges((FIXTURES / name).read_bytes()))
    interchange = next(e for e in items if isinstance(e, InterchangeStart)).interchange
    return interchange, [(m, validate_message(m)) for m in items if isinstance(m, Message)]


def answer(name: str, **kwargs: bool) -> dict:  # type: ignore[type-arg]
    interchange, messages = read(name)
    return contrl_content(interchange, messages, [], **kwargs)


def test_accepted_interchange_is_uci_7_without_ucm() -> None:
    content = answer("valid-two-orders.edi")
    assert content["action"] == "7" and content["identifier"] == ["CONTRL", "D", "3", "UN"]
    assert content["segments"] == [["UCI", "1001", ["BUYER", "14"], ["HUB", ""], "7", "", "", ""]]
    assert [m["action"] for m in content["messages"]] == ["7", "7"]


def test_bad_messages_get_ucm_4_with_ucs_and_ucd() -> None:
    content = answer("mixed-good-bad.edi")
    assert content["action"] == "7"
    assert content["segments"][1:] == [
        ["UCM", "2", ["ORDERS", "D", "96A", "UN"], "4", "", "", ""],
        ["UCS", "6", ""],
        ["UCD", "13", ["1", "2"]],
        ["UCM", "3", ["ORDERS", "D", "96A", "UN"], "4", "", "", ""],
        ["UCS", "6", ""],
        ["UCD", "37", ["1", "2"]],
    ]
    assert [(m["reference"], m["action"], m["codes"]) for m in content["messages"]] == [
        ("1", "7", []),
        ("2", "4", ["13"]),
        ("3", "4", ["37"]),
        ("4", "7", []),
    ]


def test_unt_count_is_reported_on_the_ucm_with_the_service_segment() -> None:
    content = answer("bad-unt-count.edi")
    assert ["UCM", "2", ["ORDERS", "D", "96A", "UN"], "4", "29", "UNT", ["1", ""]] in content["segments"]


def test_interchange_problems_reject_it_whole() -> None:
    content = answer("bad-unz-count.edi")
    assert content["action"] == "4"
    assert content["segments"][0] == ["UCI", "1016", ["BUYER", "14"], ["HUB", ""], "4", "29", "UNZ", ["1", ""]]
    assert [m["action"] for m in content["messages"]] == ["4", "4"]
    assert answer("bad-unz-reference.edi")["segments"][0][4:7] == ["4", "28", "UNZ"]
    assert answer("truncated.edi")["segments"][0][4:6] == ["4", "13"]


def test_duplicate_and_received_only() -> None:
    interchange, messages = read("valid-two-orders.edi")
    duplicate = SyntaxProblem("26", "seen before", level="interchange", segment="UNB", position=1, element=5)
    content = contrl_content(interchange, messages, [duplicate])
    assert content["segments"][0][4:] == ["4", "26", "UNB", ["5", ""]]
    received = contrl_content(interchange, messages, [], received_only=True)
    assert received["action"] == "8" and len(received["segments"]) == 1


def test_list_accepted_writes_ucm_7() -> None:
    content = answer("valid-two-orders.edi", list_accepted=True)
    assert [row[:4] for row in content["segments"][1:]] == [
        ["UCM", "1", ["ORDERS", "D", "96A", "UN"], "7"],
        ["UCM", "2", ["ORDERS", "D", "96A", "UN"], "7"],
    ]


def test_syntax_4_identifier() -> None:
    interchange, messages = read("syntax4-repetition.edi")
    assert contrl_content(interchange, messages, [])["identifier"] == ["CONTRL", "4", "1", "UN"]


def test_rendered_contrl_validates_and_reads_back() -> None:
    interchange, messages = read("mixed-good-bad.edi")
    content = contrl_content(interchange, messages, [])
    text = render_interchange(
        sender=EdifactIdentity(id="HUB"),
        recipient=EdifactIdentity(id="BUYER", qualifier="14"),
        reference=9,
        messages=[("1", content["identifier"], content["segments"])],
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    (message,) = [e for e in read_interchanges(text.encode()) if isinstance(e, Message)]
    assert validate_message(message) == [] and message.problems == []
    back = read_contrl(message)
    assert (back["interchange_reference"], back["action"], back["status"]) == ("1015", "7", "accepted_with_errors")
    assert [(m["reference"], m["status"]) for m in back["messages"]] == [("2", "rejected"), ("3", "rejected")]
    assert back["messages"][0]["segments"] == [
        {"position": "6", "code": "", "elements": [{"code": "13", "element": "1", "component": "2"}]}
    ]


def test_read_contrl_fixture() -> None:
    _, messages = read("contrl-received.edi")
    back = read_contrl(messages[0][0])
    assert back["interchange_reference"] == "5001" and back["sender"] == "HUB"
    assert back["messages"][0]["identifier"] == "ORDRSP:D:96A:UN"
    assert back["messages"][0]["segments"][0]["code"] == "13"


def test_read_aperak_fixture() -> None:
    _, messages = read("aperak-rejected.edi")
    back = read_aperak(messages[0][0])
    assert back["status"] == "rejected" and back["document_reference"] == "7001"
    assert back["errors"] == [{"code": "12", "text": "Unknown item 4000862141404"}]
    assert back["reference"] == "AP77" and back["date"] == "20260105"


def test_read_aperak_corpus(corpus: Path) -> None:
    statuses = {}
    for name in ("pydifact-messages-v3-aperak.edi", "pydifact-messages-v3-aperak_rejected.edi"):
        items = read_interchanges((corpus / "edifact" / name).read_bytes())
        message = next(e for e in items if isinstance(e, Message))
        statuses[name] = read_aperak(message)
    assert statuses["pydifact-messages-v3-aperak_rejected.edi"]["status"] == "rejected"
    assert statuses["pydifact-messages-v3-aperak_rejected.edi"]["errors"][0]["code"] == "12"
    assert statuses["pydifact-messages-v3-aperak.edi"]["document_reference"]
