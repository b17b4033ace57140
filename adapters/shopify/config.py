"""Options of a `shopify` connection: the shop, the Admin API version, secrets from the environment, poll window."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

SHOP = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
API_VERSION = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
DEFAULT_API_VERSION = "2026-10"


class ShopifyConfig(BaseModel):
    """One Shopify store reached through the GraphQL Admin API, plus its webhook signing secret."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    shop: str = Field(description="the shop's permanent domain, <name>.myshopify.com")
    api_version: str = Field(default=DEFAULT_API_VERSION, description="Admin API version YYYY-MM")
    access_token: SecretStr = Field(description="Admin API access token (secret, from the environment)")
    webhook_secret: SecretStr | None = Field(default=None, description="the app's webhook signing secret")
    sku_map: str | None = Field(default=None, description="mappings/skus/<name>.yaml; None = identity")
    location_id: str | None = Field(default=None, description="Shopify location whose `available` stock is pushed")
    poll_overlap_seconds: int = Field(default=300, ge=0, le=86_400, description="re-read this far behind the cursor")
    poll_lag_seconds: int = Field(default=60, ge=0, le=3_600, description="never read orders newer than now - lag")
    poll_since: str | None = Field(default=None, description="first poll starts here (ISO 8601); None = all orders")
    notify_customer: bool = Field(default=False, description="fulfillments send Shopify's shipping notification")
    refund_on_cancel: bool = Field(default=False, description="orderCancel refunds to the original payment methods")
    timeout_seconds: float = Field(default=20.0, gt=0, le=120)
    max_retries: int = Field(default=3, ge=0, le=10, description="retries of THROTTLED/429/5xx inside one call")

    @field_validator("shop")
    @classmethod
    def _shop(cls, value: str) -> str:
        text = value.strip().lower().removeprefix("https://").rstrip("/")
        if not SHOP.match(text):
            raise ValueError("must be the shop's <name>.myshopify.com domain")
        return text

    @field_validator("api_version")
    @classmethod
    def _api_version(cls, value: str) -> str:
        if not API_VERSION.match(value.strip()):
            raise ValueError("must be an Admin API version like 2026-10 (YYYY-MM)")
        return value.strip()

    @field_validator("location_id")
    @classmethod
    def _location(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = str(value).strip()
        if text.isdigit():
            return f"gid://shopify/Location/{text}"
        if not re.match(r"^gid://shopify/Location/\d+$", text):
            raise ValueError("must be a location id (digits or gid://shopify/Location/<id>)")
        return text

    @field_validator("poll_since")
    @classmethod
    def _since(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("must be an ISO 8601 timestamp like 2026-01-01T00:00:00Z") from None
        if moment.tzinfo is None:
            raise ValueError("must carry a UTC offset (Z or +hh:mm)")
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def endpoint(self) -> str:
        return f"https://{self.shop}/admin/api/{self.api_version}/graphql.json"

    def at_least(self, version: str) -> bool:
        """Whether the configured API version is `version` or newer (versions sort as text)."""
        return self.api_version >= version
