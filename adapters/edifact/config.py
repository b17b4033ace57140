"""Options of an `edifact` connection: the hub's own EDIFACT identity, the default partner, currency and CONTRL."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.edi.config import time_zone_name
from hub.model.money import currency_code
from hub.partners.profile import EdifactIdentity


class EdifactConfig(BaseModel):
    """Who the hub is on EDIFACT, whom it writes to by default, and how it acknowledges what it receives."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hub_id: str = Field(
        default="HUB",
        description="the hub's EDIFACT identity as ID or ID:QUAL: UNB recipient it accepts, UNB sender it writes",
    )
    partner: str | None = Field(
        default=None, description="partner profile to address when an outbound message names none"
    )
    default_currency: str = Field(default="EUR", description="when neither CUX nor the partner profile names one")
    timezone: str = Field(default="UTC", description="IANA zone for EDIFACT dates without an offset")
    contrl: bool = Field(
        default=True,
        description="send CONTRL as partner profiles ask (`ack: contrl`, or UNB 0031 = 1); false sends none",
    )
    partner_profiles: tuple[str, ...] = Field(
        default=(),
        description="extra partner profile YAML files or folders this connection knows besides the hub's directory",
    )

    @field_validator("hub_id")
    @classmethod
    def _hub_id(cls, value: str) -> str:
        return str(EdifactIdentity.parse(value))

    @field_validator("default_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return currency_code(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return time_zone_name(value, example="Europe/Amsterdam")

    @property
    def hub_identity(self) -> EdifactIdentity:
        return EdifactIdentity.parse(self.hub_id)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
