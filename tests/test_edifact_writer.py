"""EDIFACT writer: envelope, counts, escaping, character sets; re-read by the tokenizer it equals its input."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.edifact.envelope import InterchangeEnd, InterchangeStart, Message, read_interchanges
from adapters.edifact.syntax import ServiceChars
from adapters.edifact.writer import (
    encoding_for,
    format_decimal,
    message_identifier,
    render_interchange,
    render_segments,
)
from hub.errors import MappingError
from hub.partners.profile import EdifactDelimiters, EdifactIdentity

SENDER = EdifactIdentity(id="HUB")
RECIPIENT = EdifactIdentity(id="5412345000013", qualifier="14")
WHEN = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def render(messages: list, **kwargs: object) -> str:  # type: ignore[type-arg]
    options: dict[str, object] = {"sender": SENDER, "recipient": RECIPIENT, "reference": 42, "created_at": WHEN}
    options.update(kwargs)
    return render_interchange(messages=messages, **options)  # type: ignore[arg-type]


def test_envelope_and_counts() -> None:
    body = [["BGM", ["231"], "PO1", "29"], ["DTM", ["137", "20260105", "102"]]]
    text = render([("1", message_identifier("ORDRSP"), body), ("2", "ORDRSP:D:96A:UN", body)], ack_request=True)
    lines = text.split("'")
    assert lines[0] == "UNA:+.? "
    assert lines[1] == "UNB+UNOC:3+HUB+5412345000013:14+260105:0930+42++++1"
    assert lines[2] == "UNH+1+ORDRSP:D:96A:UN" and lines[5] == "UNT+4+1"
    assert lines[-2] == "UNZ+2+42"
    items = list(read_interchanges(text.encode("latin-1")))
    assert all(not m.problems for m in items if isinstance(m, Message))
    closing = next(e for e in items if isinstance(e, InterchangeEnd))
    assert closing.problems == [] and closing.interchange.ack_requested


def test_test_flag_application_reference_and_suffix() -> None:
    text = render(
        [("1", "INVOIC:D:96A:UN", [["BGM", "380", "INV1"]])],
        test=True,
        application_reference="INVOIC",
        service=EdifactDelimiters(),
    )
    assert "UNB+UNOC:3+HUB+5412345000013:14+260105:0930+42++INVOIC++++1'\n" in text
    start = next(e for e in read_interchanges(text.encode()) if isinstance(e, InterchangeStart))
    assert start.interchange.test and start.interchange.application_reference == "INVOIC"


def test_escaping_with_the_release_character() -> None:
    text = render_segments([["FTX", "AAI", None, None, ["A+B:C'D?E"]]])
    assert text == "FTX+AAI+++A?+B?:C?'D??E'"


def test_no_release_character_rejects_service_characters_in_data() -> None:
    service = ServiceChars(release=None)
    with pytest.raises(MappingError) as caught:
        render_segments([["FTX", "AAI", None, None, ["A+B"]]], service)
    assert caught.value.code == "edifact_service_char_in_data"


def test_unoa_upper_cases_and_rejects_what_level_a_lacks() -> None:
    assert render_segments([["NAD", "BY", None, None, "Acme Ltd"]], syntax="UNOA:2") == "NAD+BY+++ACME LTD'"
    with pytest.raises(MappingError) as caught:
        render_segments([["NAD", "BY", None, None, "Müller"]], syntax="UNOA:2")
    assert caught.value.code == "edifact_character_set"


@pytest.mark.parametrize("value", ["line\nbreak", "tab\there", "ctrl\x01"])
def test_control_characters_are_refused(value: str) -> None:
    with pytest.raises(MappingError):
        render_segments([["FTX", "AAI", None, None, value]])


def test_characters_outside_the_character_set() -> None:
    with pytest.raises(MappingError):
        render_segments([["NAD", "BY", None, None, "東京"]], syntax="UNOC:3")
    assert render_segments([["NAD", "BY", None, None, "東京"]], syntax="UNOY:4").endswith("東京'")
    assert encoding_for("UNOY:4") == "utf-8" and encoding_for("UNOC") == "latin-1"


def test_syntax_4_date_and_repetition_separator() -> None:
    text = render([("1", "ORDRSP:D:01B:UN", [["FTX", "AAI", None, None, "A*B"]])], syntax="UNOC:4")
    assert text.startswith("UNA:+.?*'UNB+UNOC:4+HUB+5412345000013:14+20260105:0930+42'")
    assert "FTX+AAI+++A?*B'" in text


def test_bad_rows_and_references() -> None:
    with pytest.raises(MappingError):
        render([("1", "ORDRSP:D:96A:UN", [["bgm", "1"]])])
    with pytest.raises(MappingError):
        render([("1", "ORDRSP:D:96A:UN", [])], reference="123456789012345")
    with pytest.raises(MappingError):
        render([])


def test_numbers_and_identifiers() -> None:
    assert format_decimal(Decimal("12.500")) == "12.5"
    assert format_decimal(Decimal("1E+2")) == "100"
    assert format_decimal("0.10", ",") == "0,1"
    assert message_identifier("DESADV", "D01B", "EAN007") == ["DESADV", "D", "01B", "UN", "EAN007"]
    assert render_segments([["QTY", ["12", 5]], ["MOA", ["203", Decimal("9.95")]]]) == "QTY+12:5'MOA+203:9.95'"


# -- round trip --------------------------------------------------------------------------------------------

TEXT = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_categories=("Cc", "Cs")),
    max_size=12,
)
ELEMENT = st.lists(TEXT, min_size=1, max_size=4)
TAG = st.sampled_from(["BGM", "DTM", "FTX", "NAD", "LIN", "QTY", "RFF", "IMD"])
ROW = st.tuples(TAG, st.lists(ELEMENT, max_size=5))
SERVICES = st.sampled_from(
    [
        ServiceChars(),
        ServiceChars(component="=", element="*", decimal=",", release="!", segment="~"),
        ServiceChars(component=":", element="+", release="?", segment="'", repetition=None),
    ]
)


def _normal(elements: list[list[str]]) -> list[list[str]]:
    """What the writer keeps: trailing empty components and elements dropped."""
    out = []
    for parts in elements:
        parts = list(parts)
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        out.append(parts if parts else [""])
    while out and out[-1] == [""]:
        out.pop()
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=6), SERVICES, st.sampled_from(["UNOW:3", "UNOY:4"]), st.booleans())
def test_round_trip(rows: list[tuple[str, list[list[str]]]], service: ServiceChars, syntax: str, una: bool) -> None:
    if not una:
        service = ServiceChars()
    body = [[tag, *elements] for tag, elements in rows]
    text = render([("M1", "ORDERS:D:96A:UN", body)], service=service, syntax=syntax, una=una, suffix="\n")
    read = [e for e in read_interchanges(text.encode("utf-8")) if isinstance(e, Message)]
    assert len(read) == 1 and not read[0].problems
    got = [(s.tag, s.elements) for s in read[0].body]
    assert got == [(tag, _normal(elements)) for tag, elements in rows]
