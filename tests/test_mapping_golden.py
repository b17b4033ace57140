"""Golden mapping cases: every `fixtures/mapping/<mapping name>/<case>.in.json` is mapped and compared.

Convention: the folder path under fixtures/mapping is the mapping name (found like any mapping
name, under mappings/), `<case>.expected.json` holds the mapped output as JSON (Decimals as
strings, datetimes in ISO 8601), or `<case>.error.json` holds the expected MappingError
(`code`, `field`, `segment`). A new partner case is a new pair of files, no new code.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from hub.errors import HubError
from hub.jsonable import to_jsonable
from hub.mapping import find_mapping, load_named_mapping

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "fixtures" / "mapping"
MAPPINGS = [REPO / "mappings"]


def _cases() -> list[Path]:
    return sorted(GOLDEN.rglob("*.in.json"))


def _case_id(path: Path) -> str:
    return str(path.relative_to(GOLDEN))[: -len(".in.json")]


@pytest.mark.parametrize("source_file", _cases(), ids=_case_id)
def test_golden_case(source_file: Path) -> None:
    case = source_file.name[: -len(".in.json")]
    mapping = load_named_mapping(str(source_file.parent.relative_to(GOLDEN)), MAPPINGS)
    source = json.loads(source_file.read_text(encoding="utf-8"), parse_float=Decimal)
    expected_file = source_file.with_name(f"{case}.expected.json")
    error_file = source_file.with_name(f"{case}.error.json")
    assert expected_file.exists() != error_file.exists(), f"{case}: give exactly one of .expected.json / .error.json"
    if expected_file.exists():
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        assert to_jsonable(mapping.apply(source)) == expected
    else:
        expected_error = json.loads(error_file.read_text(encoding="utf-8"))
        with pytest.raises(HubError) as caught:
            mapping.apply(source)
        actual = {"code": caught.value.code, **caught.value.location.as_dict()}
        assert {k: actual.get(k) for k in expected_error} == expected_error


def test_there_are_golden_cases_for_every_shipped_mapping() -> None:
    folders = {p.parent.relative_to(GOLDEN).as_posix() for p in _cases()}
    assert {"order_files/csv_v1", "order_files/jsonl_v1", "examples/acme_orders_v1"} <= folders
    for name in folders:
        assert find_mapping(name, MAPPINGS).is_file()
