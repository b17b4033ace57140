"""Options of an `order_files` connection (no secrets: files come from a folder the hub already trusts)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.model.money import currency_code


class OrderFilesConfig(BaseModel):
    """Which mappings read the files, how CSV is laid out, and what to do with a bad record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    csv_mapping: str = Field(
        default="order_files/csv_v1",
        description="mapping name under $HUB_MAPPINGS_DIR or the repository's mappings/, or an absolute path",
    )
    jsonl_mapping: str = Field(default="order_files/jsonl_v1", description="mapping for .jsonl/.ndjson/.json orders")
    csv_delimiter: str = Field(default=",", min_length=1, max_length=1)
    default_currency: str = Field(default="EUR", description="used when a record names no currency")
    order_key: str = Field(default="order_id", min_length=1, description="CSV column grouping rows into one order")
    csv_required_columns: tuple[str, ...] = Field(
        default=("sku", "quantity", "unit_price"),
        description="columns a CSV header must have besides order_key; a file without them is rejected whole",
    )
    on_bad_record: Literal["fail", "skip"] = Field(
        default="fail",
        description="fail: one bad order rejects the file; skip: keep the good orders, report the bad in errors",
    )

    @field_validator("default_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return currency_code(value)
