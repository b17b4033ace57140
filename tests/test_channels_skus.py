"""Channel SKU maps: identity by default, YAML and CSV tables in mappings/skus/, UnknownSku a typed record error."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.channels import SkuMap, UnknownSku
from hub.errors import ConfigError, MappingError, RecordError
from hub.outbox.actions import Action, decide

REPO = Path(__file__).resolve().parents[1]


def test_identity_maps_every_sku_to_itself() -> None:
    skus = SkuMap.identity()
    assert skus.is_identity
    assert skus.to_hub("ANY-1") == "ANY-1"
    assert skus.to_channel("SKU-9") == "SKU-9"


def test_yaml_table_maps_both_ways(tmp_path: Path) -> None:
    (tmp_path / "shop1.yaml").write_text("name: shop1\nskus:\n  TSHIRT-RED-M: SKU-1001\n  '0042': SKU-42\n")
    skus = SkuMap.load("shop1", base=tmp_path)
    assert len(skus) == 2
    assert skus.to_hub("TSHIRT-RED-M") == "SKU-1001"
    assert skus.to_hub("0042") == "SKU-42"
    assert skus.to_channel("SKU-1001") == "TSHIRT-RED-M"


def test_unknown_sku_is_a_typed_mapping_error_with_the_field(tmp_path: Path) -> None:
    (tmp_path / "shop1.yaml").write_text("name: shop1\nskus:\n  A: SKU-A\n")
    skus = SkuMap.load("shop1", base=tmp_path)
    with pytest.raises(UnknownSku) as info:
        skus.to_hub("B", field="line_items[2].sku")
    error = info.value
    assert isinstance(error, MappingError) and isinstance(error, RecordError)
    assert error.code == "unknown_sku"
    assert "shop1" in error.message and "'B'" in error.message
    assert error.location.field == "line_items[2].sku"
    assert decide(error).action is Action.DEAD_LETTER
    with pytest.raises(UnknownSku):
        skus.to_channel("SKU-Z")


def test_csv_table(tmp_path: Path) -> None:
    (tmp_path / "mk.csv").write_text("channel_sku,hub_sku\nOFFER-1,SKU-1\nOFFER-2,SKU-2\n")
    skus = SkuMap.load("mk", base=tmp_path)
    assert skus.to_hub("OFFER-2") == "SKU-2"
    assert skus.to_channel("SKU-1") == "OFFER-1"


@pytest.mark.parametrize(
    ("filename", "text", "needle"),
    [
        ("bad.yaml", "skus: [1, 2]\n", "skus"),
        ("bad.yaml", "name: other\nskus:\n  A: B\n", "other"),
        ("bad.yaml", "skus:\n  A: B\n  A: C\n", "duplicate"),
        ("bad.yaml", "skus:\n  A: SKU-1\n  B: SKU-1\n", "SKU-1"),
        ("bad.yaml", "skus:\n  A:\n", "A"),
        ("bad.csv", "sku,hub\nA,B\n", "channel_sku"),
        ("bad.csv", "channel_sku,hub_sku\nA,B\nA,C\n", "twice"),
    ],
)
def test_bad_tables_fail_clearly_at_load(tmp_path: Path, filename: str, text: str, needle: str) -> None:
    (tmp_path / filename).write_text(text)
    with pytest.raises(ConfigError) as info:
        SkuMap.load("bad", base=tmp_path)
    assert needle in info.value.message


def test_missing_table_and_path_like_names_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        SkuMap.load("nope", base=tmp_path)
    with pytest.raises(ConfigError, match="plain name"):
        SkuMap.load("../etc/passwd", base=tmp_path)


def test_repository_example_table_loads_from_the_default_folder() -> None:
    skus = SkuMap.load("example-shop")
    assert skus.to_hub("TSHIRT-RED-M") == "SKU-1001"
    assert (REPO / "mappings" / "skus" / "example-shop.yaml").is_file()
