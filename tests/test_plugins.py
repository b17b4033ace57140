"""The plugin contract at load time: capability checks, broken third-party plugins, did-you-mean, secrets."""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, SecretStr

from hub.errors import ConfigError, PluginError, UnknownAdapter
from hub.plugins import Adapter, Capability, Registry, build_config
from tests.support.adapters import TEST_ADAPTER, JsonOrderParser, RecordingSink, RecordingStockSink


def broken(**changes: object) -> Adapter:
    return dataclasses.replace(TEST_ADAPTER, **changes)  # type: ignore[arg-type]


def contract_error(adapter: Adapter) -> str:
    with pytest.raises(PluginError) as caught:
        adapter.validate()
    return str(caught.value)


def test_the_test_adapter_keeps_the_contract() -> None:
    TEST_ADAPTER.validate()
    assert TEST_ADAPTER.secret_fields() == ["api_key"]


def test_declared_capability_without_implementation() -> None:
    adapter = broken(capabilities=TEST_ADAPTER.capabilities | {Capability.POLLER})
    assert "declares capability poller but implements nothing for it" in contract_error(adapter)


def test_implemented_capability_not_declared() -> None:
    adapter = broken(capabilities=frozenset({Capability.FILE_PARSER, Capability.ORDER_SINK}))
    assert "implements stock_sink (RecordingStockSink) but does not declare it" in contract_error(adapter)


def test_implementation_missing_a_method() -> None:
    class HalfPoller(JsonOrderParser):
        capability = Capability.POLLER

    adapter = broken(
        capabilities=TEST_ADAPTER.capabilities | {Capability.POLLER},
        implementations=(*TEST_ADAPTER.implementations, HalfPoller),
    )
    assert "HalfPoller provides poller but lacks method(s): poll" in contract_error(adapter)


def test_capability_outside_the_vocabulary() -> None:
    class Teleporter(RecordingSink):
        capability = "teleport_sink"  # type: ignore[assignment]

    message = contract_error(broken(implementations=(*TEST_ADAPTER.implementations, Teleporter)))
    assert "Teleporter.capability is 'teleport_sink', not one of: webhook_receiver, poller" in message


def test_capability_implemented_twice() -> None:
    class OtherStockSink(RecordingStockSink):
        pass

    message = contract_error(broken(implementations=(*TEST_ADAPTER.implementations, OtherStockSink)))
    assert "stock_sink is implemented twice (RecordingStockSink, OtherStockSink)" in message


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": "Order-Files"}, "name 'Order-Files' must be lower_snake_case"),
        ({"name": "x"}, "name 'x' must be lower_snake_case, 2-40 characters"),
        ({"version": "latest"}, "version 'latest' is not a version like 1.2.0"),
        ({"feature_card": "  "}, "feature card is empty"),
    ],
)
def test_bad_name_version_or_card(changes: dict[str, object], expected: str) -> None:
    assert expected in contract_error(broken(**changes))


def test_config_must_be_frozen() -> None:
    class LooseConfig(BaseModel):
        fail_deliveries: int = 0

    assert "config model LooseConfig must be frozen" in contract_error(broken(config=LooseConfig))


def test_every_problem_is_reported_at_once() -> None:
    message = contract_error(broken(name="Bad Name", version="", capabilities=frozenset()))
    assert message.startswith("adapter 'Bad Name' breaks the plugin contract: ")
    assert message.count(";") >= 4


def test_register_refuses_a_broken_adapter() -> None:
    with pytest.raises(PluginError, match="does not declare it"):
        Registry().register(broken(capabilities=frozenset({Capability.FILE_PARSER})))


# -- discovery --------------------------------------------------------------------------------------------


@pytest.fixture
def third_party(tmp_path: Path) -> Iterator[Path]:
    """A folder on sys.path holding installed third-party plugins: one raises on import, one is no Adapter."""
    site = tmp_path / "site"
    info = site / "hub_adapter_exploding-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hub-adapter-exploding\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(
        "[hub.adapters]\nexploding = exploding_adapter:ADAPTER\nnot_an_adapter = exploding_adapter_other:ADAPTER\n"
    )
    (site / "exploding_adapter.py").write_text('raise RuntimeError("boom at import")\n')
    (site / "exploding_adapter_other.py").write_text('ADAPTER = "a string"\n')
    sys.path.insert(0, str(site))
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        for module in ("exploding_adapter", "exploding_adapter_other"):
            sys.modules.pop(module, None)


def test_broken_third_party_plugin_warns_and_is_left_out(third_party: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="hub.plugins.registry"):
        registry = Registry.discover()
    assert registry.failures["exploding"] == "RuntimeError: boom at import"
    assert "not a hub Adapter" in registry.failures["not_an_adapter"]
    assert "exploding" not in registry.names() and "not_an_adapter" not in registry.names()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("'exploding' could not be loaded and is left out: boom at import" in w for w in warnings)
    assert any("'not_an_adapter' could not be loaded" in w for w in warnings)


def test_discovery_without_the_broken_plugin_has_no_such_failure() -> None:
    registry = Registry.discover()
    assert "exploding" not in registry.failures


def test_misspelt_adapter_name_suggests_the_nearest() -> None:
    registry = Registry()
    registry.register(dataclasses.replace(TEST_ADAPTER, name="order_files"))
    registry.register(TEST_ADAPTER)
    with pytest.raises(UnknownAdapter, match=r"no adapter named 'order_file'; did you mean 'order_files'\?"):
        registry.get("order_file")
    with pytest.raises(UnknownAdapter, match="known adapters: order_files, test_json"):
        registry.get("zzz")


# -- secrets --------------------------------------------------------------------------------------------------


class TokenConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    api_token: SecretStr
    port: int = 443


SECRET = "tok_live_5up3r-s3cr3t"


def test_config_error_never_echoes_a_secret() -> None:
    with pytest.raises(ConfigError) as caught:
        build_config(
            TokenConfig,
            {"port": "not-a-port"},
            {"api_token": "SHOP_TOKEN"},
            adapter="shop",
            connection="eu",
            environ={"SHOP_TOKEN": SECRET},
        )
    text = f"{caught.value} {caught.value!r} {caught.value.args}"
    assert "port" in text and SECRET not in text
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_secret_that_fails_validation_is_not_echoed() -> None:
    with pytest.raises(ConfigError, match="api_token") as caught:
        build_config(TokenConfig, {"api_token": ["x", SECRET]}, {}, adapter="shop", connection="eu", environ={})
    assert SECRET not in str(caught.value)


def test_missing_secret_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="secret 'api_token' expects environment variable SHOP_TOKEN"):
        build_config(TokenConfig, {}, {"api_token": "SHOP_TOKEN"}, adapter="shop", connection="eu", environ={})


def test_built_config_hides_the_secret() -> None:
    config = build_config(
        TokenConfig, {}, {"api_token": "SHOP_TOKEN"}, adapter="shop", connection="eu", environ={"SHOP_TOKEN": SECRET}
    )
    for text in (repr(config), str(config), config.model_dump_json()):
        assert SECRET not in text
    assert config.api_token.get_secret_value() == SECRET  # type: ignore[attr-defined]
