"""Mutated EDIFACT interchanges: reading, validating and answering raise nothing but the hub's typed errors."""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.edifact.contrl import contrl_content, read_aperak, read_contrl
from adapters.edifact.envelope import InterchangeEnd, InterchangeStart, Message, read_interchanges
from adapters.edifact.schema import validate_message
from hub.errors import HubError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "edifact" / "syntax"
SEEDS = sorted(p.read_bytes() for p in FIXTURES.glob("*.edi"))
SPECIALS = [
    b"'",
    b"+",
    b":",
    b"?",
    b"*",
    b"UNA:+.? '",
    b"UNB+",
    b"UNH+1+ORDERS:D:96A:UN'",
    b"UNT+",
    b"UNZ+",
    b"\n",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"9" * 50,
    b"UNG+ORDERS'",
    b"UNE+1'",
    "²".encode(),
    b"UNOW:3",
    b"U\nNA",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "cut"]))
        piece = draw(st.sampled_from(SPECIALS) | st.binary(max_size=8))
        if kind == "insert":
            data[at:at] = piece
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 20))]
        elif kind == "replace":
            data[at : at + len(piece)] = piece
        else:
            del data[at:]
    return bytes(data)


def exercise(data: bytes) -> int:
    """Read everything, validate every message and build every CONTRL; the number of events."""
    count = 0
    interchange = None
    answered: list = []  # type: ignore[type-arg]
    for event in read_interchanges(data, filename="fuzz.edi"):
        count += 1
        if isinstance(event, InterchangeStart):
            interchange, answered = event.interchange, []
        elif isinstance(event, Message):
            problems = validate_message(event)
            answered.append((event, problems))
            if event.type == "CONTRL":
                read_contrl(event)
            elif event.type == "APERAK":
                read_aperak(event)
        elif isinstance(event, InterchangeEnd) and interchange is not None:
            contrl_content(interchange, answered, [])
    return count


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutations_raise_only_hub_errors(data: bytes) -> None:
    try:
        count = exercise(data)
    except HubError as error:
        assert error.code and error.location.position is not None
        return
    assert count <= len(data) + 1  # bounded: no more events than bytes


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_hub_errors(data: bytes) -> None:
    with contextlib.suppress(HubError):
        exercise(data)
