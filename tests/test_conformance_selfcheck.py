"""The conformance kit checked against itself: it passes good adapters and catches broken ones."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, SecretStr, field_validator, model_validator

from hub.errors import ConfigError, Location
from hub.model import Order
from hub.plugins import Adapter, Capability, ConnectionContext, Cursor, Page, ParseResult, RawMessage
from hub.testing import checks
from hub.testing.checks import ConformanceFailure, Fixture
from hub.testing.conformance import AdapterConformance
from tests.support.adapters import TEST_ADAPTER, JsonOrderParser

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "plugins" / "test_json"
MALFORMED = [FIXTURES / "malformed" / "truncated.json", FIXTURES / "malformed" / "no-lines.json"]
GOOD = [Fixture.read(p) for p in sorted(FIXTURES.glob("*.json"))]
BAD = [Fixture.read(p) for p in MALFORMED]


class TestTestJsonConformance(AdapterConformance):
    adapter = TEST_ADAPTER
    valid_options = {"fail_deliveries": 0, "api_key": "k-123"}
    invalid_options = {"fail_deliveries": "many"}
    fixtures_dir = FIXTURES
    fixture_pattern = "*.json"
    malformed_fixtures = MALFORMED


# -- a feed adapter with a webhook receiver and a poller, to exercise those checks ------------------------


class FeedConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    webhook_secret: SecretStr
    page_size: int = 50


def _sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


FEED: list[tuple[str, str]] = [  # (updated_at, id): equal timestamps straddle the page boundaries
    ("2024-05-01T10:00", "a"),
    ("2024-05-01T10:00", "b"),
    ("2024-05-01T10:00", "c"),
    ("2024-05-01T11:00", "d"),
    ("2024-05-01T12:00", "e"),
    ("2024-05-01T12:00", "f"),
    ("2024-05-01T13:00", "g"),
]


class FeedReceiver(JsonOrderParser):
    capability = Capability.WEBHOOK_RECEIVER

    def __init__(self, config: FeedConfig, context: ConnectionContext) -> None:  # type: ignore[override]
        self.config = config
        self.context = context

    def verify(self, headers: dict[str, str], body: bytes) -> None:
        expected = _sign(self.config.webhook_secret.get_secret_value(), body)
        if not hmac.compare_digest(headers.get("x-signature", ""), expected):
            raise ConfigError("webhook signature does not match", location=Location(field="x-signature"))


class FeedPoller(JsonOrderParser):
    """Closed lower bound, skips ids already seen at it, as the Cursor contract says."""

    capability = Capability.POLLER
    closed_bound = True

    def __init__(self, config: FeedConfig, context: ConnectionContext) -> None:  # type: ignore[override]
        self.context = context

    def poll(self, cursor: Cursor, *, limit: int) -> Page:
        if self.closed_bound:
            items = [i for i in FEED if cursor.lower is None or i[0] > cursor.lower or i[0] == cursor.lower]
            items = [i for i in items if not (i[0] == cursor.lower and i[1] in cursor.seen_at_lower)]
        else:  # the classic bug: an open bound loses the rest of a timestamp split across pages
            items = [i for i in FEED if cursor.lower is None or i[0] > cursor.lower]
        page = items[:limit]
        messages = [RawMessage(body=b"{}", connection=self.context.connection, transport_id=i) for _, i in page]
        return Page(messages=messages, next_cursor=cursor.advance(page), has_more=len(items) > limit)


class OpenBoundPoller(FeedPoller):
    closed_bound = False


FEED_ADAPTER = Adapter(
    name="fake_feed",
    version="0.2.0",
    feature_card="In-test feed: JSON orders by signed webhook and by polling a simulated API.",
    config=FeedConfig,
    capabilities=frozenset({Capability.WEBHOOK_RECEIVER, Capability.POLLER}),
    implementations=(FeedReceiver, FeedPoller),
)
GOLDEN_BODY = (FIXTURES / "order-1001.json").read_bytes()


class TestFeedConformance(AdapterConformance):
    adapter = FEED_ADAPTER
    valid_options = {"webhook_secret": "whsec-golden", "page_size": 10}
    invalid_options = {"page_size": "lots"}
    fixtures_dir = FIXTURES
    fixture_pattern = "*.json"
    malformed_fixtures = MALFORMED
    webhook_fixture = ({"x-signature": _sign("whsec-golden", GOLDEN_BODY)}, GOLDEN_BODY)

    def webhook_headers(self, body: bytes) -> dict[str, str]:
        return {"x-signature": _sign("whsec-golden", body)}

    def poll_source(self) -> FeedPoller:
        return FeedPoller(FeedConfig(webhook_secret=SecretStr("x")), ConnectionContext("feed", "feed:api"))


# -- the kit skips what an adapter lacks, with the reason --------------------------------------------------


def test_checks_for_missing_capabilities_are_skipped_with_a_reason() -> None:
    kit = TestTestJsonConformance()
    with pytest.raises(pytest.skip.Exception, match="no poller capability"):
        kit.test_cursor_resumption()
    with pytest.raises(pytest.skip.Exception, match="no webhook_receiver capability"):
        kit.test_webhook_signature(Path("unused"))


def test_poller_without_simulated_source_is_skipped() -> None:
    class NoSource(TestFeedConformance):
        def poll_source(self) -> Any | None:
            return None

    with pytest.raises(pytest.skip.Exception, match="poll_source"):
        NoSource().test_cursor_resumption()


# -- and catches broken adapters ---------------------------------------------------------------------------


class SourceDroppingParser(JsonOrderParser):
    def parse(self, message: RawMessage) -> ParseResult:
        result = super().parse(message)
        result.documents = [d.model_copy(update={"source": "unknown"}) for d in result.documents]
        return result


class RandomIdParser(JsonOrderParser):
    def parse(self, message: RawMessage) -> ParseResult:
        result = super().parse(message)
        result.documents = [d.model_copy(update={"external_id": uuid.uuid4().hex}) for d in result.documents]
        return result


class UntypedErrorParser(JsonOrderParser):
    def parse(self, message: RawMessage) -> ParseResult:
        data = json.loads(message.body, parse_float=Decimal)  # JSONDecodeError escapes untyped
        items = data if isinstance(data, list) else [data]
        docs = [Order(**{**item, "source": self.context.channel}) for item in items]
        return ParseResult(documents=docs, format="json")


def with_parser(parser: type) -> Adapter:
    impls = tuple(parser if i is JsonOrderParser else i for i in TEST_ADAPTER.implementations)
    return dataclasses.replace(TEST_ADAPTER, implementations=impls)


class PlainTokenConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    api_token: str = ""
    fail_deliveries: int = 0


class LeakyConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    api_key: SecretStr
    fail_deliveries: int = 0

    @field_validator("api_key")
    @classmethod
    def _prefix(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("sk_"):
            raise ValueError(f"{value.get_secret_value()} does not start with sk_")
        return value


class RootErrorConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    fail_deliveries: int = 0

    @model_validator(mode="after")
    def _check(self) -> RootErrorConfig:
        if self.fail_deliveries > 3:
            raise ValueError("that is too many")
        return self


class MutableConfig(BaseModel):
    fail_deliveries: int = 0


def test_manifest_check_catches_a_mutable_config() -> None:
    with pytest.raises(ConformanceFailure, match="must be frozen"):
        checks.check_manifest(dataclasses.replace(TEST_ADAPTER, config=MutableConfig))


def test_secret_check_catches_a_plain_str_token() -> None:
    with pytest.raises(ConformanceFailure, match="api_token look like secrets but are not SecretStr"):
        checks.check_secret_fields(dataclasses.replace(TEST_ADAPTER, config=PlainTokenConfig))
    checks.check_secret_fields(dataclasses.replace(TEST_ADAPTER, config=PlainTokenConfig), not_secret={"api_token"})


def test_secret_check_catches_a_validator_that_echoes_the_value() -> None:
    leaky = dataclasses.replace(TEST_ADAPTER, config=LeakyConfig)
    with pytest.raises(ConformanceFailure, match="ConfigError for an invalid config shows the value of secret"):
        checks.check_secrets_not_echoed(leaky, {}, {"fail_deliveries": "x"})


def test_invalid_config_check_wants_the_field_named() -> None:
    adapter = dataclasses.replace(TEST_ADAPTER, config=RootErrorConfig)
    with pytest.raises(ConformanceFailure, match="does not name the field"):
        checks.check_invalid_config(adapter, {"fail_deliveries": 9}, fields=["fail_deliveries"])
    with pytest.raises(ConformanceFailure, match="built a config"):
        checks.check_invalid_config(adapter, {"fail_deliveries": 1}, fields=["fail_deliveries"])


def test_records_check_catches_a_parser_that_drops_the_source(tmp_path: Path) -> None:
    with pytest.raises(ConformanceFailure, match="source 'unknown'; it must be the connection's channel"):
        checks.check_records(with_parser(SourceDroppingParser), {}, GOOD, tmp_path)
    # an EDI-like adapter names the source its documents must carry (the partner), and it is checked too
    checks.check_records(with_parser(SourceDroppingParser), {}, GOOD, tmp_path, expected_source=lambda f: "unknown")
    with pytest.raises(ConformanceFailure, match="source 'unknown'; it must be the source 'acme'"):
        checks.check_records(with_parser(SourceDroppingParser), {}, GOOD, tmp_path, expected_source=lambda f: "acme")


def test_replay_check_catches_a_parser_that_is_not_idempotent(tmp_path: Path) -> None:
    with pytest.raises(ConformanceFailure, match="not 'duplicate'"):
        checks.check_replay_idempotent(with_parser(RandomIdParser), {}, GOOD, tmp_path)


def test_malformed_checks_catch_untyped_errors(tmp_path: Path) -> None:
    adapter = with_parser(UntypedErrorParser)
    with pytest.raises(ConformanceFailure, match="not a RecordError subclass"):
        checks.check_malformed(adapter, {}, BAD, tmp_path)
    with pytest.raises(ConformanceFailure, match="no typed error"):
        checks.check_malformed_kept(adapter, {}, BAD, tmp_path / "pipeline")


def test_malformed_check_catches_a_parser_that_accepts_garbage(tmp_path: Path) -> None:
    with pytest.raises(ConformanceFailure, match="was accepted"):
        checks.check_malformed(TEST_ADAPTER, {}, GOOD[:1], tmp_path)


def test_cursor_check_catches_an_open_lower_bound() -> None:
    def make() -> OpenBoundPoller:
        return OpenBoundPoller(FeedConfig(webhook_secret=SecretStr("x")), ConnectionContext("feed", "feed:api"))

    with pytest.raises(ConformanceFailure, match="skipped"):
        checks.check_cursor_resumption(make, limit=2)


def test_webhook_check_catches_a_receiver_that_verifies_nothing() -> None:
    class Trusting:
        def verify(self, headers: dict[str, str], body: bytes) -> None:
            return None

    with pytest.raises(ConformanceFailure, match="body was changed after signing"):
        checks.check_webhook(Trusting(), {}, b"{}")


def test_webhook_check_wants_a_typed_refusal() -> None:
    class Crashing:
        def verify(self, headers: dict[str, str], body: bytes) -> None:
            if body != b"{}":
                raise KeyError("signature")

    with pytest.raises(ConformanceFailure, match="not a HubError subclass"):
        checks.check_webhook(Crashing(), {}, b"{}")
