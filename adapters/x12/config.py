"""Options of an `x12` connection: the hub's own X12 identity, the default partner, currency and acknowledgments."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from hub.edi.config import EdiConnectionConfig
from hub.partners.profile import X12Identity


class X12Config(EdiConnectionConfig):
    """Who the hub is on X12, whom it writes to by default, and how it acknowledges what it receives."""

    zone_example: ClassVar[str] = "America/Chicago"

    hub_id: str = Field(
        default="ZZ:HUB",
        description="the hub's X12 identity as QUAL:ID: ISA07/08 of what it accepts, ISA05/06 of what it sends",
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

    @field_validator("hub_id")
    @classmethod
    def _hub_id(cls, value: str) -> str:
        return str(X12Identity.parse(value))

    @property
    def hub_identity(self) -> X12Identity:
        return X12Identity.parse(self.hub_id)
