"""Options of an `x12` connection: the hub's own X12 identity, the default partner, currency and acknowledgments."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.edi.config import time_zone_name
from hub.model.money import currency_code
from hub.partners.profile import X12Identity


class X12Config(BaseModel):
    """Who the hub is on X12, whom it writes to by default, and how it acknowledges what it receives."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hub_id: str = Field(
        default="ZZ:HUB",
        description="the hub's X12 identity as QUAL:ID: ISA07/08 of what it accepts, ISA05/06 of what it sends",
    )
    partner: str | None = Field(
        default=None, description="partner profile to address when an outbound message names none"
    )
    default_currency: str = Field(default="USD", description="when neither CUR02 nor the partner profile names one")
    timezone: str = Field(default="UTC", description="IANA zone for X12 dates and times (they carry none)")
    functional_acks: bool = Field(
        default=True, description="send a 997/999 per received group (the profile's `ack: none` also turns it off)"
    )
    ta1: Literal["requested", "always"] = Field(
        default="requested",
        description="requested: a TA1 when ISA14 is 1 or the interchange is rejected; always: for every interchange",
    )
    partner_profiles: tuple[str, ...] = Field(
        default=(),
        description="extra partner profile YAML files or folders this connection knows besides the hub's directory",
    )

    @field_validator("hub_id")
    @classmethod
    def _hub_id(cls, value: str) -> str:
        identity = X12Identity.parse(value)
        return str(identity)

    @field_validator("default_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return currency_code(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return time_zone_name(value, example="America/Chicago")

    @property
    def hub_identity(self) -> X12Identity:
        return X12Identity.parse(self.hub_id)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
