"""The hub's YAML dialect for data files: no float, no Norway problem, times and dates left to the schema."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from hub.yamlio import parse_yaml


def test_scalars_are_read_as_the_data_files_mean_them() -> None:
    data = parse_yaml("a: 4.20\nb: 7\nc: NO\nd: true\ne: 14:00\nf: 2026-02-30\ng: 1_000\nh: yes\n")
    assert data == {
        "a": Decimal("4.20"),
        "b": 7,
        "c": "NO",
        "d": True,
        "e": "14:00",
        "f": "2026-02-30",
        "g": 1000,
        "h": "yes",
    }
    assert isinstance(data["a"], Decimal)


def test_duplicate_keys_are_refused_with_their_line() -> None:
    with pytest.raises(yaml.YAMLError, match="duplicate key 'a'") as info:
        parse_yaml("a: 1\nb: 2\na: 3\n")
    assert info.value.problem_mark.line == 2  # type: ignore[attr-defined]


def test_only_safe_tags() -> None:
    with pytest.raises(yaml.YAMLError):
        parse_yaml("x: !!python/object/apply:os.system ['true']\n")
