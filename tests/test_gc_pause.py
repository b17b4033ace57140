"""The collector pause used by the EDI parsers: nesting, threads, restoring the caller's state, and no cycles left."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.edifact import ADAPTER as EDIFACT
from adapters.edifact.config import EdifactConfig
from adapters.x12 import ADAPTER as X12
from adapters.x12.config import X12Config
from hub.gc_pause import gc_paused, paused_iteration
from hub.partners.directory import PartnerDirectory
from hub.partners.profile import PartnerProfile
from hub.partners.store import load_file
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import RawMessage

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_pause_nests_and_restores() -> None:
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "the inner pause must not end the outer one"
    assert gc.isenabled()


def test_pause_keeps_a_disabled_collector_disabled() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_pause_restores_after_an_exception() -> None:
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_pauses_of_two_threads_overlap() -> None:
    inside, release = threading.Event(), threading.Event()

    def worker() -> None:
        with gc_paused():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    inside.wait(10)
    with gc_paused():
        pass
    assert not gc.isenabled(), "the other thread's pause is still on"
    release.set()
    thread.join(10)
    assert gc.isenabled()


def test_paused_iteration_resumes_while_the_caller_holds_each_item() -> None:
    seen: list[bool] = []

    def produce() -> Iterator[int]:
        for n in range(3):
            seen.append(gc.isenabled())
            yield n

    for _ in paused_iteration(produce()):
        assert gc.isenabled()
    assert seen == [False, False, False]
    assert gc.isenabled()


def _x12_parse(body: bytes) -> object:
    partner = PartnerProfile(name="acme", x12={"qualifier": "ZZ", "id": "ACMERETAIL"}, ack="997")
    context = ConnectionContext(connection="edi", channel="edi", partners=PartnerDirectory([partner]))
    return X12.build(Capability.FILE_PARSER, X12Config(), context).parse(RawMessage(body=body, connection="edi"))


def test_parses_leave_no_reference_cycles() -> None:
    """Pausing the collector loses no memory only if a parse builds no cycles: check both parsers."""
    x12 = (FIXTURES / "x12" / "850-acme-three-lines.edi").read_bytes()
    partners = PartnerDirectory([load_file(p) for p in sorted((FIXTURES / "edifact" / "partners").glob("*.yaml"))])
    edifact_parser = EDIFACT.build(
        Capability.FILE_PARSER, EdifactConfig(), ConnectionContext(connection="edi", channel="edi", partners=partners)
    )
    edifact = (FIXTURES / "edifact" / "orders-d96a-nordmart-po-7001.edi").read_bytes()
    _x12_parse(x12)  # load definitions and schemas outside the measurement
    edifact_parser.parse(RawMessage(body=edifact, connection="edi"))
    gc.collect()
    gc.disable()
    try:
        for _ in range(5):
            assert _x12_parse(x12).envelopes[0].documents  # type: ignore[attr-defined]
            assert edifact_parser.parse(RawMessage(body=edifact, connection="edi")).envelopes[0].documents
        assert gc.collect() == 0
    finally:
        gc.enable()
