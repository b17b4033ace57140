"""Options every EDI connection has (default partner, currency, time zone, extra profiles) and their checks."""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.model.money import currency_code


def time_zone_name(value: str, *, example: str) -> str:
    """`value` when it names an IANA time zone, else a ValueError suggesting `example` (for a field validator)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone (for example UTC or {example})") from None
    return value


class EdiConnectionConfig(BaseModel):
    """The options X12 and EDIFACT connections share; each adapter adds its identity and acknowledgment options
    (and may redeclare `default_currency` or `timezone` with its own default and description)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    zone_example: ClassVar[str] = "Europe/Amsterdam"  # named when a time zone is wrong

    partner: str | None = Field(
        default=None, description="partner profile to address when an outbound message names none"
    )
    default_currency: str = Field(default="USD", description="when neither the document nor the profile names one")
    timezone: str = Field(default="UTC", description="IANA zone for dates the documents give without an offset")
    partner_profiles: tuple[str, ...] = Field(
        default=(),
        description="extra partner profile YAML files or folders this connection knows besides the hub's directory",
    )

    @field_validator("default_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return currency_code(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return time_zone_name(value, example=cls.zone_example)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
