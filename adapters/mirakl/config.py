"""Options of a `mirakl` connection: the operator's instance, the shop API key, polling, acceptance and write-back."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class MiraklConfig(BaseModel):
    """One Mirakl shop (seller account) on one operator's marketplace instance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = Field(description="the operator's instance, e.g. https://acme-prod.mirakl.net (no /api)")
    api_key: SecretStr = Field(description="the shop API key, sent as the Authorization header")
    shop_id: int | None = Field(default=None, ge=1, description="for a user with several shops; else the default shop")
    sku_map: str | None = Field(default=None, description="mappings/skus/<name>.yaml: offer SKU -> hub SKU")

    # -- polling (OR11) ---------------------------------------------------------------------------------------
    page_size: int = Field(default=100, ge=1, le=100, description="OR11 `max` per request (Mirakl allows 100)")
    overlap_seconds: int = Field(default=600, ge=0, description="re-read this much before the cursor (late writers)")
    lag_seconds: int = Field(default=30, ge=0, description="upper cap of a poll window: run start minus this lag")
    initial_lookback_hours: int = Field(default=72, ge=1, description="window of the very first poll")
    resume_slack: int = Field(
        default=20, ge=0, description="a resumed window re-reads this many positions before where it stopped"
    )
    requests_per_second: float = Field(default=2.0, gt=0, description="client-side pace of API calls")
    burst: int = Field(default=5, ge=1)
    timeout_seconds: float = Field(default=30.0, gt=0)

    # -- acceptance (OR21) -----------------------------------------------------------------------------------
    acceptance: Literal["known_sku", "accept_all", "manual"] = Field(
        default="known_sku",
        description="known_sku: accept a line whose offer SKU the SKU map knows (and within max_line_quantity), "
        "refuse the others; accept_all: accept every line; manual: never call OR21 (the shop decides in Mirakl)",
    )
    max_line_quantity: int | None = Field(default=None, ge=1, description="refuse a line ordering more than this")

    # -- write-back (OR23/OR24, OR29/OR30, STO01) ------------------------------------------------------------
    carrier_codes: dict[str, str] = Field(
        default_factory=dict, description="hub carrier name -> Mirakl carrier code (registered carriers)"
    )
    cancel_reason_code: str | None = Field(
        default=None, description="Mirakl reason code for line cancellations (OR30); whole orders use OR29"
    )
    warehouse_code: str | None = Field(default=None, description="STO01 warehouse-code column; none = global stock")
    stock_imports_per_minute: float = Field(
        default=1.0, gt=0, description="STO01 pace (Mirakl: at most once per minute); faster pushes wait"
    )

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        text = value.strip().rstrip("/")
        if not text.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL such as https://acme-prod.mirakl.net")
        if text.endswith("/api"):
            text = text[: -len("/api")]
        return text
