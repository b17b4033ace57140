"""The conformance checks as plain functions: each returns quietly or raises ConformanceFailure saying why."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr, ValidationError

from hub.errors import ConfigError, HubError, RecordError
from hub.pipeline.inbox import store_raw
from hub.pipeline.ingest import FileReport, report_for
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import Adapter
from hub.plugins.messages import Cursor, Page, ParseResult, RawMessage
from hub.testing.harness import (
    CONNECTION,
    DEFAULT_CHANNEL,
    TRANSPORT,
    ConfigInput,
    Hub,
    connection_context,
    receive_capability,
    temporary_hub,
)

HeadersFor = Callable[[bytes], Mapping[str, str]]

SECRET_WORDS = frozenset(
    {"token", "tokens", "secret", "secrets", "password", "passwd", "pwd", "passphrase", "key", "keys", "apikey"}
    | {"credential", "credentials", "private"}
)
SENTINEL = "cnfm-S3cr3t-{field}-do-not-print"


class ConformanceFailure(AssertionError):
    """The adapter breaks the plugin contract; the message says what to fix."""


@dataclass(frozen=True)
class Fixture:
    """One raw input file for the parser capability."""

    name: str
    body: bytes

    @classmethod
    def read(cls, path: Path) -> Fixture:
        return cls(path.name, path.read_bytes())


def fail(message: str) -> ConformanceFailure:
    return ConformanceFailure(message)


# -- manifest and config -----------------------------------------------------------------------------------


def check_manifest(adapter: Adapter) -> None:
    """validate() passes; name, version and a feature card are present."""
    if not isinstance(adapter, Adapter):
        raise fail(f"`adapter` must be a hub.plugins.Adapter, got {type(adapter).__name__}")
    try:
        adapter.validate()
    except HubError as exc:
        raise fail(str(exc)) from None
    if len(adapter.feature_card.split()) < 3:
        raise fail(f"adapter {adapter.name!r}: the feature card should say what it does, connects to and its limits")


def looks_secret(field_name: str) -> bool:
    return any(part in SECRET_WORDS for part in field_name.lower().split("_"))


def is_secret_type(annotation: Any) -> bool:
    args = getattr(annotation, "__args__", ()) or ()
    return annotation in (SecretStr, SecretBytes) or any(a in (SecretStr, SecretBytes) for a in args)


def check_secret_fields(adapter: Adapter, *, not_secret: Collection[str] = ()) -> None:
    """Every config field whose name suggests a secret is typed SecretStr (or SecretBytes)."""
    plain = [
        name
        for name, info in adapter.config.model_fields.items()
        if looks_secret(name) and name not in not_secret and not is_secret_type(info.annotation)
    ]
    if plain:
        raise fail(
            f"config {adapter.config.__name__}: field(s) {', '.join(plain)} look like secrets but are not SecretStr; "
            "type them SecretStr (or list them in `not_secret_fields` if they really are not secret)"
        )


def sentinel_values(adapter: Adapter, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    values = {name: SENTINEL.format(field=name) for name in adapter.secret_fields()}
    values.update(overrides or {})
    return values


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception plus what a traceback would show of its causes."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return seen


def _leaks(text: str, secrets: Mapping[str, str]) -> list[str]:
    return [name for name, value in secrets.items() if value and value in text]


def check_valid_config(adapter: Adapter, valid_options: Mapping[str, Any]) -> BaseModel:
    """The valid options build a frozen config of the adapter's model."""
    try:
        config = ConfigInput.split(adapter, valid_options).build(adapter)
    except ConfigError as exc:
        raise fail(f"`valid_options` do not build a config: {exc}") from None
    if not isinstance(config, adapter.config):
        raise fail(f"build_config returned {type(config).__name__}, not {adapter.config.__name__}")
    name = next(iter(adapter.config.model_fields), None)
    if name is not None:
        try:
            setattr(config, name, getattr(config, name))
        except (ValidationError, TypeError, AttributeError):
            pass
        else:
            raise fail(f"config {adapter.config.__name__} accepted an assignment to {name!r}: it must be frozen")
    return config


def check_secrets_not_echoed(
    adapter: Adapter,
    valid_options: Mapping[str, Any],
    invalid_options: Mapping[str, Any],
    *,
    secret_values: Mapping[str, str] | None = None,
) -> None:
    """repr/str/JSON of a config holding secrets, and a ConfigError for a bad one, never contain the values."""
    secrets = sentinel_values(adapter, secret_values)
    try:
        config = ConfigInput.split(adapter, {**valid_options, **secrets}).build(adapter)
    except ConfigError as exc:
        _fail_if_echoed(exc, secrets)
        raise fail(
            f"`valid_options` with test values for the secret fields do not build a config ({exc}); "
            "set `secret_values` to values the model accepts"
        ) from None
    for label, text in (
        ("repr()", repr(config)),
        ("str()", str(config)),
        ("model_dump_json()", config.model_dump_json()),
        ("model_dump(mode='json')", str(config.model_dump(mode="json"))),
    ):
        leaked = _leaks(text, secrets)
        if leaked:
            raise fail(f"{label} of {adapter.config.__name__} shows the value of secret field(s) {', '.join(leaked)}")
    try:
        ConfigInput.split(adapter, {**valid_options, **invalid_options, **secrets}).build(adapter)
    except ConfigError as exc:
        _fail_if_echoed(exc, secrets)
    else:
        raise fail("`invalid_options` (with secrets set) built a config; they must fail validation")


def _fail_if_echoed(exc: ConfigError, secrets: Mapping[str, str]) -> None:
    for err in _chain(exc):
        leaked = _leaks(f"{err}\n{err!r}\n{err.args!r}", secrets)
        if leaked:
            raise fail(
                f"a ConfigError for an invalid config shows the value of secret field(s) {', '.join(leaked)} "
                f"({type(err).__name__})"
            ) from None


def check_invalid_config(adapter: Adapter, invalid_options: Mapping[str, Any], *, fields: Collection[str]) -> None:
    """The invalid options fail with hub.errors.ConfigError naming one of `fields`."""
    if not invalid_options and not fields:
        raise fail("set `invalid_options` to options that must fail validation")
    try:
        ConfigInput.split(adapter, invalid_options).build(adapter)
    except ConfigError as exc:
        message = str(exc)
        if fields and not any(re.search(rf"\b{re.escape(f)}\b", message) for f in fields):
            raise fail(f"the ConfigError does not name the field ({', '.join(sorted(fields))}): {message}") from None
    except Exception as exc:
        raise fail(f"an invalid config raised {type(exc).__name__}, not hub.errors.ConfigError: {exc}") from None
    else:
        raise fail(f"`invalid_options` {sorted(invalid_options)} built a config; they must fail validation")


# -- parsing -----------------------------------------------------------------------------------------------


def _parser(adapter: Adapter, valid_options: Mapping[str, Any], home: Path, channel: str) -> tuple[Any, str]:
    cap = receive_capability(adapter)
    if cap is None:
        raise fail(f"adapter {adapter.name!r} has no receive capability to parse with")
    config = ConfigInput.split(adapter, valid_options).build(adapter)
    return adapter.build(cap, config, connection_context(home, channel)), TRANSPORT[cap]


def raw_message(fixture: Fixture, transport: str, headers: Mapping[str, str] | None = None) -> RawMessage:
    return RawMessage(
        body=fixture.body,
        connection=CONNECTION,
        transport=transport,
        transport_id=fixture.name,
        filename=fixture.name,
        headers=dict(headers or {}),
    )


def check_records(
    adapter: Adapter,
    valid_options: Mapping[str, Any],
    fixtures: Sequence[Fixture],
    home: Path,
    *,
    channel: str = DEFAULT_CHANNEL,
    expected_source: Callable[[Fixture], str | None] | None = None,
) -> int:
    """Every good fixture parses cleanly into canonical documents that re-validate and carry the channel.

    EDI parsers put documents and errors in per-interchange envelopes: they count as the result's own (as
    for an interchange the hub has not seen). `expected_source(fixture)` names the source the documents
    must carry when it is not the channel (an EDI document's source is the trading partner that sent it).
    """
    if not fixtures:
        raise fail("no good fixtures: set `fixtures_dir` to a folder of raw files the parser accepts")
    parser, transport = _parser(adapter, valid_options, home, channel)
    total = 0
    for fixture in fixtures:
        try:
            result = parser.parse(raw_message(fixture, transport))
        except HubError as exc:
            raise fail(f"good fixture {fixture.name} was refused: {type(exc).__name__}: {exc}") from None
        if not isinstance(result, ParseResult):
            raise fail(f"parse() returned {type(result).__name__}, not ParseResult ({fixture.name})")
        documents = [*result.documents, *(d for e in result.envelopes for d in e.documents)]
        errors = [*result.errors, *(x for e in result.envelopes for x in e.errors)]
        if errors:
            raise fail(f"good fixture {fixture.name} parsed with errors: {[str(e) for e in errors]}")
        if not documents:
            raise fail(f"good fixture {fixture.name} produced no documents")
        source = expected_source(fixture) if expected_source else None
        for doc in documents:
            _check_document(
                doc, fixture.name, source or channel, "the source" if source else "the connection's channel"
            )
        total += len(documents)
    return total


def _check_document(doc: Any, fixture: str, channel: str, what: str = "the connection's channel") -> None:
    kind = type(doc)
    if not isinstance(doc, BaseModel) or not kind.__module__.startswith("hub.model"):
        raise fail(f"{fixture}: parse() produced a {kind.__module__}.{kind.__name__}, not a hub.model document")
    try:
        again = kind.model_validate(doc.model_dump())
    except ValidationError as exc:
        raise fail(f"{fixture}: a {kind.__name__} does not re-validate: {exc.errors(include_input=False)}") from None
    if again != doc:
        raise fail(f"{fixture}: a {kind.__name__} changes when re-validated (was it built with model_construct?)")
    source = getattr(doc, "source", None)
    if "source" in kind.model_fields and source != channel:
        raise fail(f"{fixture}: {kind.__name__} has source {source!r}; it must be {what} {channel!r}")


def check_malformed(
    adapter: Adapter, valid_options: Mapping[str, Any], malformed: Sequence[Fixture], home: Path
) -> list[RecordError]:
    """Each malformed fixture raises a typed RecordError subclass that says where the problem is."""
    if not malformed:
        raise fail("no malformed fixtures: list raw files the parser must refuse in `malformed_fixtures`")
    parser, transport = _parser(adapter, valid_options, home, DEFAULT_CHANNEL)
    errors = []
    for fixture in malformed:
        try:
            parser.parse(raw_message(fixture, transport))
        except RecordError as exc:
            if type(exc) is RecordError:
                raise fail(
                    f"{fixture.name}: raise a specific RecordError subclass (DecodeError, MappingError, "
                    f"ValidationFailed...), not RecordError itself"
                ) from None
            if not exc.location.as_dict():
                raise fail(f"{fixture.name}: {type(exc).__name__} has no location (file, line, segment...)") from None
            errors.append(exc)
        except Exception as exc:
            raise fail(f"{fixture.name}: raised {type(exc).__name__} ({exc}), not a RecordError subclass") from None
        else:
            raise fail(f"malformed fixture {fixture.name} was accepted; it must raise a RecordError subclass")
    return errors


# -- through the pipeline ----------------------------------------------------------------------------------


def ingest(hub: Hub, adapter: Adapter, fixture: Fixture, headers_for: HeadersFor | None = None) -> FileReport:
    """Store one fixture raw (with the headers a sender would add), run it through the pipeline, report."""
    transport = TRANSPORT[receive_capability(adapter) or Capability.FILE_PARSER]
    headers = headers_for(fixture.body) if headers_for is not None else {}
    message = dataclasses.replace(
        raw_message(fixture, transport, headers), connection=hub.connection, tenant=hub.ctx.tenant
    )
    message_id = store_raw(hub.ctx.engine, message)
    hub.pipeline.run_once(ids=[message_id], limit=1)
    return report_for(hub.pipeline, message_id, fixture.name)


def check_replay_idempotent(
    adapter: Adapter,
    valid_options: Mapping[str, Any],
    fixtures: Sequence[Fixture],
    folder: Path,
    *,
    headers_for: HeadersFor | None = None,
    grows_per_replay: Collection[str] = (),
) -> dict[str, int]:
    """Ingesting every good fixture twice: the second pass is all duplicates and adds no rows.

    `grows_per_replay` names tables that may grow by exactly one row per replayed fixture (an EDI
    interchange sent again is answered, for instance by a TA1 with note 025: one outbox row and the
    control number it used).
    """
    if not fixtures:
        raise fail("no good fixtures: set `fixtures_dir` to a folder of raw files the parser accepts")
    with temporary_hub(adapter, valid_options, folder) as hub:
        for fixture in fixtures:
            report = ingest(hub, adapter, fixture, headers_for)
            if report.status == "rejected":
                hint = _verify_hint(report)
                raise fail(f"first pass: good fixture {fixture.name} was rejected: {report.errors}{hint}")
        after_first = hub.counts()
        for fixture in fixtures:
            report = ingest(hub, adapter, fixture, headers_for)
            if report.status != "duplicate":
                raise fail(f"replay: {fixture.name} came back {report.status!r}, not 'duplicate' ({report.documents})")
        after_second = hub.counts()
    expected = {k: after_first[k] + (len(fixtures) if k in grows_per_replay else 0) for k in after_first}
    grown = {k: (after_first[k], v) for k, v in after_second.items() if v != expected.get(k)}
    if grown:
        raise fail(f"replaying the fixtures added rows: {grown} (table: (after first pass, after replay))")
    return after_second


def _verify_hint(report: FileReport) -> str:
    if any(e.get("step") == "verify" for e in report.errors):
        return "; the pipeline verifies webhooks: override webhook_headers(body) to sign the fixtures"
    return ""


def check_malformed_kept(
    adapter: Adapter,
    valid_options: Mapping[str, Any],
    malformed: Sequence[Fixture],
    folder: Path,
    *,
    headers_for: HeadersFor | None = None,
) -> None:
    """Through the pipeline, each malformed fixture is rejected and stays in the inbox, failed, bytes intact."""
    if not malformed:
        raise fail("no malformed fixtures: list raw files the parser must refuse in `malformed_fixtures`")
    with temporary_hub(adapter, valid_options, folder) as hub:
        for fixture in malformed:
            report = ingest(hub, adapter, fixture, headers_for)
            row = hub.inbox_row(report.message_id)
            if report.status != "rejected" or row.status != "failed":
                raise fail(f"{fixture.name}: the pipeline gave {report.status!r} (inbox {row.status!r}), not rejected")
            if bytes(row.body) != fixture.body:
                raise fail(f"{fixture.name}: the raw message in the inbox is not the bytes received")
            if not row.error_code or row.error_code == "internal_error":
                raise fail(f"{fixture.name}: the inbox row carries no typed error (code {row.error_code!r})")


# -- pollers and webhooks ----------------------------------------------------------------------------------


def _identity(message: RawMessage) -> str:
    return message.transport_id or hashlib.sha256(message.body).hexdigest()


def _drain(poll: Callable[[Cursor, int], Page], cursor: Cursor, limit: int) -> tuple[list[str], Cursor]:
    seen: list[str] = []
    for _ in range(10_000):
        page = poll(cursor, limit)
        if not isinstance(page, Page):
            raise fail(f"poll() returned {type(page).__name__}, not Page")
        if len(page.messages) > limit:
            raise fail(f"poll(limit={limit}) returned {len(page.messages)} messages")
        seen += [_identity(m) for m in page.messages]
        cursor = Cursor.from_json(page.next_cursor.to_json())  # as the hub persists it
        if not page.has_more or not page.messages:
            return seen, cursor
    raise fail("poll() kept reporting has_more after 10,000 pages")


def check_cursor_resumption(make_poller: Callable[[], Any], *, limit: int = 2) -> list[str]:
    """Polling page by page from a saved cursor neither skips nor repeats; a re-poll from the end is empty."""
    everything, _ = _drain(lambda c, n: make_poller().poll(c, limit=n), Cursor(), 1_000_000)
    if len(everything) <= limit:
        raise fail(f"the simulated source holds {len(everything)} item(s); give it more than {limit} to page")
    if len(set(everything)) != len(everything):
        raise fail("one poll of the whole source returned an item twice")
    first_poller = make_poller()
    first = first_poller.poll(Cursor(), limit=limit)
    saved = Cursor.from_json(first.next_cursor.to_json())
    rest, end = _drain(lambda c, n: make_poller().poll(c, limit=n), saved, limit)
    paged = [_identity(m) for m in first.messages] + rest
    repeated = sorted({i for i in paged if paged.count(i) > 1})
    skipped = sorted(set(everything) - set(paged))
    if repeated or skipped:
        raise fail(f"sequential polls from saved cursors: repeated {repeated}, skipped {skipped}")
    again = make_poller().poll(end, limit=limit)
    if again.messages:
        raise fail(f"a re-poll from the saved end cursor returned {[_identity(m) for m in again.messages]}")
    return paged


def mutate(body: bytes) -> bytes:
    if not body:
        return b"x"
    return body[:-1] + bytes([body[-1] ^ 0x01])


def check_webhook(receiver: Any, headers: Mapping[str, str], body: bytes) -> None:
    """verify() accepts the golden delivery and refuses the same delivery with a mutated body."""
    try:
        receiver.verify(dict(headers), body)
    except HubError as exc:
        raise fail(f"verify() refused the golden webhook fixture: {type(exc).__name__}: {exc}") from None
    try:
        receiver.verify(dict(headers), mutate(body))
    except HubError:
        return
    except Exception as exc:
        raise fail(f"verify() on a mutated body raised {type(exc).__name__}, not a HubError subclass") from None
    raise fail("verify() accepted a webhook whose body was changed after signing")
