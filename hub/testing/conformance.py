"""The conformance kit: a pytest base class every adapter's tests inherit to prove it honours the plugin contract."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from hub.plugins.capabilities import Capability
from hub.plugins.manifest import Adapter
from hub.testing import checks
from hub.testing.checks import ConformanceFailure, Fixture
from hub.testing.harness import ConfigInput, connection_context, receive_capability

__all__ = ["AdapterConformance", "ConformanceFailure", "Fixture"]


class AdapterConformance:
    """Inherit, set the class attributes, and pytest collects the contract's tests for your adapter.

    Usage, in an adapter's test module::

        class TestOrderFilesConformance(AdapterConformance):
            adapter = ADAPTER
            valid_options = {"csv_delimiter": ";"}           # options that make a valid config
            invalid_options = {"csv_delimiter": ";;"}        # options that must fail validation
            fixtures_dir = FIXTURES                          # good raw files for the receive capability
            malformed_fixtures = [FIXTURES / "bad.csv"]      # files that must raise a RecordError subclass

    Optional: `fixture_pattern` (glob in `fixtures_dir`, default "*"); `not_secret_fields` (names that look
    secret but are not); `secret_values` (values for secret fields when the model constrains them);
    `invalid_fields` (fields the ConfigError must name; default the keys of `invalid_options`). A webhook
    receiver sets `webhook_fixture = (headers, body)` and overrides `webhook_headers(body)` to sign fixtures
    (the pipeline verifies webhooks); a poller overrides `poll_source()` to return itself wired to a fake
    source. EDI adapters override `expected_source(fixture)` (documents carry the partner as source) and set
    `replay_grows` to the tables a replayed interchange's answer adds one row to (outbox, sent_envelopes).
    Secret fields may be given in `valid_options`: the kit passes them as secret references, as the
    hub does. Checks for a capability the adapter lacks are skipped with the reason.
    """

    adapter: ClassVar[Adapter | None] = None
    valid_options: ClassVar[dict[str, Any]] = {}
    invalid_options: ClassVar[dict[str, Any]] = {}
    invalid_fields: ClassVar[Sequence[str] | None] = None
    fixtures_dir: ClassVar[Path | None] = None
    fixture_pattern: ClassVar[str] = "*"
    malformed_fixtures: ClassVar[Sequence[Path]] = ()
    not_secret_fields: ClassVar[frozenset[str]] = frozenset()
    secret_values: ClassVar[dict[str, str]] = {}
    webhook_fixture: ClassVar[tuple[dict[str, str], bytes] | None] = None
    poll_limit: ClassVar[int] = 2
    replay_grows: ClassVar[frozenset[str]] = frozenset()

    def expected_source(self, fixture: Fixture) -> str | None:
        """Override when documents carry another source than the connection's channel (EDI: the partner)."""
        return None

    def webhook_headers(self, body: bytes) -> dict[str, str]:
        """Override for a webhook receiver: the headers a sender would sign `body` with (the pipeline verifies).

        By default the golden `webhook_fixture` headers for its own body, else none.
        """
        if self.webhook_fixture is not None and self.webhook_fixture[1] == body:
            return dict(self.webhook_fixture[0])
        return {}

    def poll_source(self) -> Any | None:
        """Override: a poller wired to a simulated source (same contents on every call). None skips the check."""
        return None

    # -- helpers --------------------------------------------------------------------------------------------
    def _adapter(self) -> Adapter:
        if self.adapter is None:
            raise ConformanceFailure(f"{type(self).__name__} must set `adapter = ADAPTER`")
        return self.adapter

    def good_fixtures(self) -> list[Fixture]:
        """The files in `fixtures_dir` matching `fixture_pattern`, minus the malformed ones and READMEs."""
        if self.fixtures_dir is None:
            return []
        if not Path(self.fixtures_dir).is_dir():
            raise ConformanceFailure(f"fixtures_dir {self.fixtures_dir} is not a folder")
        bad = {Path(p).resolve() for p in self.malformed_fixtures}
        return [
            Fixture.read(p)
            for p in sorted(Path(self.fixtures_dir).glob(self.fixture_pattern))
            if p.is_file() and p.resolve() not in bad and not p.name.startswith((".", "README"))
        ]

    def bad_fixtures(self) -> list[Fixture]:
        return [Fixture.read(Path(p)) for p in self.malformed_fixtures]

    def _require_receiver(self) -> Adapter:
        adapter = self._adapter()
        if receive_capability(adapter) is None:
            pytest.skip(f"adapter {adapter.name!r} receives nothing (no file_parser, webhook_receiver or poller)")
        return adapter

    # -- manifest and config --------------------------------------------------------------------------------
    def test_manifest_is_valid(self) -> None:
        checks.check_manifest(self._adapter())

    def test_secret_like_fields_are_secret(self) -> None:
        checks.check_secret_fields(self._adapter(), not_secret=self.not_secret_fields)

    def test_valid_config_builds_frozen(self) -> None:
        checks.check_valid_config(self._adapter(), self.valid_options)

    def test_secrets_never_echoed(self) -> None:
        adapter = self._adapter()
        if not adapter.secret_fields():
            pytest.skip(f"config {adapter.config.__name__} has no SecretStr fields")
        checks.check_secrets_not_echoed(
            adapter, self.valid_options, self.invalid_options, secret_values=self.secret_values
        )

    def test_invalid_config_fails_naming_the_field(self) -> None:
        adapter = self._adapter()
        if not adapter.config.model_fields:
            pytest.skip(f"config {adapter.config.__name__} has no fields, so no config can be invalid")
        fields = self.invalid_fields if self.invalid_fields is not None else list(self.invalid_options)
        checks.check_invalid_config(adapter, self.invalid_options, fields=fields)

    def test_capabilities_build(self, tmp_path: Path) -> None:
        adapter = self._adapter()
        config = ConfigInput.split(adapter, self.valid_options).build(adapter)
        for cap in sorted(adapter.capabilities):
            built = adapter.build(cap, config, connection_context(tmp_path))
            if built is None:
                raise ConformanceFailure(f"building {cap} returned None")

    # -- receiving --------------------------------------------------------------------------------------------
    def test_records_validate_and_carry_the_channel(self, tmp_path: Path) -> None:
        adapter = self._require_receiver()
        checks.check_records(
            adapter, self.valid_options, self.good_fixtures(), tmp_path, expected_source=self.expected_source
        )

    def test_replay_adds_no_rows(self, tmp_path: Path) -> None:
        adapter = self._require_receiver()
        checks.check_replay_idempotent(
            adapter,
            self.valid_options,
            self.good_fixtures(),
            tmp_path,
            headers_for=self.webhook_headers,
            grows_per_replay=self.replay_grows,
        )

    def test_malformed_input_raises_typed_error(self, tmp_path: Path) -> None:
        adapter = self._require_receiver()
        checks.check_malformed(adapter, self.valid_options, self.bad_fixtures(), tmp_path)

    def test_malformed_input_kept_failed_in_inbox(self, tmp_path: Path) -> None:
        adapter = self._require_receiver()
        checks.check_malformed_kept(
            adapter, self.valid_options, self.bad_fixtures(), tmp_path, headers_for=self.webhook_headers
        )

    def test_cursor_resumption(self) -> None:
        adapter = self._adapter()
        if Capability.POLLER not in adapter.capabilities:
            pytest.skip(f"adapter {adapter.name!r} has no poller capability")
        if self.poll_source() is None:
            pytest.skip("no simulated source: override poll_source() to return a poller wired to a fake")
        checks.check_cursor_resumption(self.poll_source, limit=self.poll_limit)

    def test_webhook_signature(self, tmp_path: Path) -> None:
        adapter = self._adapter()
        if Capability.WEBHOOK_RECEIVER not in adapter.capabilities:
            pytest.skip(f"adapter {adapter.name!r} has no webhook_receiver capability")
        if self.webhook_fixture is None:
            raise ConformanceFailure("a webhook receiver needs a golden `webhook_fixture = (headers, body)`")
        config = ConfigInput.split(adapter, self.valid_options).build(adapter)
        receiver = adapter.build(Capability.WEBHOOK_RECEIVER, config, connection_context(tmp_path))
        headers, body = self.webhook_fixture
        checks.check_webhook(receiver, headers, body)
