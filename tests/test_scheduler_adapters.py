"""In-test polling adapters for the scheduler tests: a counting feed whose every call is recorded, a scripted one.

`counting_adapter(instance, log)` polls a feed that always has one more item: item n+1 after a
cursor at n. Each call records (instance, cursor.lower) in the shared `log`, so a test sees
which instance polled from which cursor: two polls from the same cursor would be a double poll.
`scripted_adapter(script)` raises the errors a test queues, then serves a small feed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, SecretStr

from hub.plugins import Adapter, Capability, ConnectionContext, Cursor, Page, ParseResult, RawMessage


class TickConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    token: SecretStr | None = None


@dataclass
class CallLog:
    """Every poll call of the counting adapter, across instances: (instance, cursor.lower)."""

    calls: list[tuple[str, str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, instance: str, lower: str | None) -> None:
        with self.lock:
            self.calls.append((instance, lower))

    def snapshot(self) -> list[tuple[str, str | None]]:
        with self.lock:
            return list(self.calls)


def seq(n: int) -> str:
    return f"{n:06d}"


def _page(context: ConnectionContext, cursor: Cursor, numbers: list[int], has_more: bool) -> Page:
    messages = [
        RawMessage(
            body=b'{"n": %d}' % n,
            connection=context.connection,
            transport="poll",
            transport_id=seq(n),
            tenant=context.tenant,
        )
        for n in numbers
    ]
    return Page(messages, cursor.advance([(seq(n), seq(n)) for n in numbers]), has_more=has_more)


def counting_adapter(instance: str, log: CallLog, gate: Callable[[str, str | None], None] | None = None) -> Adapter:
    """Adapter `test_ticks` as seen by one hub instance; `gate(instance, lower)` runs inside each call (may block)."""

    class CountingPoller:
        capability = Capability.POLLER

        def __init__(self, config: TickConfig, context: ConnectionContext) -> None:
            self.context = context

        def poll(self, cursor: Cursor, *, limit: int) -> Page:
            log.add(instance, cursor.lower)
            if gate is not None:
                gate(instance, cursor.lower)
            return _page(self.context, cursor, [int(cursor.lower or 0) + 1], has_more=False)

        def parse(self, message: RawMessage) -> ParseResult:
            return ParseResult()

    return Adapter(
        name="test_ticks",
        version="0.1.0",
        feature_card=f"In-test counting poller (instance {instance}).",
        config=TickConfig,
        capabilities=frozenset({Capability.POLLER}),
        implementations=(CountingPoller,),
    )


@dataclass
class Script:
    """What the scripted poller does: raise the queued errors first (one per call), then serve `feed` items."""

    errors: list[BaseException | Callable[[ConnectionContext, Cursor], Page]] = field(default_factory=list)
    feed: int = 0  # items 1..feed exist
    calls: int = 0


def scripted_adapter(script: Script) -> Adapter:
    class ScriptedPoller:
        capability = Capability.POLLER

        def __init__(self, config: TickConfig, context: ConnectionContext) -> None:
            self.context = context

        def poll(self, cursor: Cursor, *, limit: int) -> Page:
            script.calls += 1
            if script.errors:
                step = script.errors.pop(0)
                if isinstance(step, BaseException):
                    raise step
                return step(self.context, cursor)
            start = int(cursor.lower or 0) + 1
            numbers = list(range(start, min(start + limit, script.feed + 1)))
            return _page(self.context, cursor, numbers, has_more=start + limit <= script.feed)

        def parse(self, message: RawMessage) -> ParseResult:
            return ParseResult()

    return Adapter(
        name="test_script",
        version="0.1.0",
        feature_card="In-test scripted poller: queued errors, then a numbered feed.",
        config=TickConfig,
        capabilities=frozenset({Capability.POLLER}),
        implementations=(ScriptedPoller,),
    )


def page_of(context: ConnectionContext, cursor: Cursor, numbers: list[int], has_more: bool = False) -> Page:
    return _page(context, cursor, numbers, has_more)
