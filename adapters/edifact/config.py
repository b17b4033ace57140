"""Options of an `edifact` connection: the hub's own EDIFACT identity, the default partner, currency and CONTRL."""

from __future__ import annotations

from pydantic import Field, field_validator

from hub.edi.config import EdiConnectionConfig
from hub.partners.profile import EdifactIdentity


class EdifactConfig(EdiConnectionConfig):
    """Who the hub is on EDIFACT, whom it writes to by default, and how it acknowledges what it receives."""

    hub_id: str = Field(
        default="HUB",
        description="the hub's EDIFACT identity as ID or ID:QUAL: UNB recipient it accepts, UNB sender it writes",
    )
    default_currency: str = Field(default="EUR", description="when neither CUX nor the partner profile names one")
    timezone: str = Field(default="UTC", description="IANA zone for EDIFACT dates without an offset")
    contrl: bool = Field(
        default=True,
        description="send CONTRL as partner profiles ask (`ack: contrl`, or UNB 0031 = 1); false sends none",
    )

    @field_validator("hub_id")
    @classmethod
    def _hub_id(cls, value: str) -> str:
        return str(EdifactIdentity.parse(value))

    @property
    def hub_identity(self) -> EdifactIdentity:
        return EdifactIdentity.parse(self.hub_id)
