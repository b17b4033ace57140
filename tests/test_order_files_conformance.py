"""The order_files reference adapter passes the same conformance kit every adapter inherits."""

from __future__ import annotations

from pathlib import Path

from adapters.order_files import ADAPTER
from hub.testing.conformance import AdapterConformance

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "order_files"


class TestOrderFilesConformance(AdapterConformance):
    adapter = ADAPTER
    valid_options = {"csv_delimiter": ",", "default_currency": "EUR"}
    invalid_options = {"default_currency": "euro"}
    not_secret_fields = frozenset({"order_key"})  # a CSV column name, not a key in the secret sense
    fixtures_dir = FIXTURES
    fixture_pattern = "orders-*"
    malformed_fixtures = [
        FIXTURES / n for n in ("bad-json.jsonl", "bad-columns.csv", "bad-values.csv", "bad-encoding.csv", "empty.csv")
    ]
