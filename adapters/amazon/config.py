"""Options of an `amazon` connection: LWA credentials (secrets), region, marketplaces, polling window, write-backs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

ENDPOINTS: dict[tuple[str, bool], str] = {
    ("na", False): "https://sellingpartnerapi-na.amazon.com",
    ("eu", False): "https://sellingpartnerapi-eu.amazon.com",
    ("fe", False): "https://sellingpartnerapi-fe.amazon.com",
    ("na", True): "https://sandbox.sellingpartnerapi-na.amazon.com",
    ("eu", True): "https://sandbox.sellingpartnerapi-eu.amazon.com",
    ("fe", True): "https://sandbox.sellingpartnerapi-fe.amazon.com",
}
"""SP-API hosts per region (North America, Europe, Far East) and for the static sandbox."""

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"


class AmazonConfig(BaseModel):
    """One selling partner account in one region, as authorised to this application."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lwa_client_id: SecretStr = Field(description="LWA client identifier of the application")
    lwa_client_secret: SecretStr = Field(description="LWA client secret of the application")
    refresh_token: SecretStr = Field(description="LWA refresh token the selling partner granted")
    region: Literal["na", "eu", "fe"] = "na"
    sandbox: bool = Field(default=False, description="call the SP-API static sandbox hosts")
    seller_id: str = Field(min_length=1, description="the merchant token (sellerId) the Listings API names")
    marketplace_ids: tuple[str, ...] = Field(min_length=1, max_length=50, description="marketplaces polled and listed")
    sku_map: str | None = Field(default=None, description="mappings/skus/<name> table; None = SKUs are the same")
    poll_overlap_seconds: int = Field(default=600, ge=0, le=86_400, description="re-read before the cursor")
    poll_lag_seconds: int = Field(
        default=180, ge=120, le=3_600, description="never ask for updates newer than now minus this (Amazon: >= 2 min)"
    )
    poll_window_hours: int = Field(default=24, ge=1, le=720, description="at most this much time per query")
    initial_lookback_hours: int = Field(default=24, ge=1, le=17_520, description="where a new connection starts")
    max_pages: int = Field(default=20, ge=1, le=1_000, description="searchOrders pages read per poll at most")
    max_wait_seconds: float = Field(
        default=5.0, ge=0, le=120, description="wait in-process for a rate-limit token at most this long"
    )
    product_type: str = Field(default="PRODUCT", min_length=1, description="productType of listings patches")
    fulfillment_channel_code: str = Field(default="DEFAULT", min_length=1, description="merchant-fulfilled stock")
    carrier_codes: dict[str, str] = Field(
        default_factory=dict, description="hub carrier name -> Amazon carrierCode (added to the built-in table)"
    )
    timeout_seconds: float = Field(default=30.0, gt=0, le=300)

    @field_validator("marketplace_ids", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _ids(self) -> AmazonConfig:
        for marketplace in self.marketplace_ids:
            if not marketplace.isalnum():
                raise ValueError(f"marketplace_ids: {marketplace!r} is not a marketplace id like ATVPDKIKX0DER")
        return self

    @property
    def endpoint(self) -> str:
        return ENDPOINTS[(self.region, self.sandbox)]
