"""A trading partner's profile: who it is on each EDI standard and how the hub talks to it."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.model.money import ExactDecimal

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

AckPolicy = Literal["997", "999", "contrl", "none"]
SkuQualifier = Literal["VP", "BP", "SK", "UP", "EN", "SA", "IN", "MG", "VN", "CB", "UK", "VC"]


class X12Identity(BaseModel):
    """An ISA sender/receiver: qualifier (ISA05/07, e.g. ZZ, 01, 12) and id (ISA06/08, unpadded)."""

    model_config = ConfigDict(frozen=True, coerce_numbers_to_str=True)

    qualifier: str = Field(min_length=1, max_length=2)
    id: str = Field(min_length=1, max_length=15)

    @classmethod
    def parse(cls, text: str) -> X12Identity:
        """`QUAL:ID`, as on the command line (`ZZ:ACME`)."""
        qualifier, sep, ident = text.partition(":")
        if not sep or not qualifier.strip() or not ident.strip():
            raise ValueError(f"{text!r} is not an X12 identity of the form QUAL:ID (for example ZZ:ACME)")
        return cls(qualifier=qualifier.strip(), id=ident.strip())

    def __str__(self) -> str:
        return f"{self.qualifier}:{self.id}"


class EdifactIdentity(BaseModel):
    """A UNB sender/recipient: identification (0004/0010) and optional code qualifier (0007, e.g. 14 = GLN)."""

    model_config = ConfigDict(frozen=True, coerce_numbers_to_str=True)

    id: str = Field(min_length=1, max_length=35)
    qualifier: str | None = Field(default=None, max_length=4)

    @classmethod
    def parse(cls, text: str) -> EdifactIdentity:
        """`ID` or `ID:QUAL`, as on the command line (`5412345000013:14`)."""
        ident, _, qualifier = text.partition(":")
        if not ident.strip():
            raise ValueError(f"{text!r} is not an EDIFACT identity of the form ID or ID:QUAL")
        return cls(id=ident.strip(), qualifier=qualifier.strip() or None)

    def matches(self, ident: str, qualifier: str | None) -> bool:
        """A sender matches on its id, and on its qualifier when this profile gives one."""
        return ident == self.id and (self.qualifier is None or (qualifier or None) == self.qualifier)

    def __str__(self) -> str:
        return f"{self.id}:{self.qualifier}" if self.qualifier else self.id


class X12Delimiters(BaseModel):
    """The delimiters the hub uses when it writes X12 to this partner."""

    model_config = ConfigDict(frozen=True)

    element: str = Field(default="*", min_length=1, max_length=1)
    component: str = Field(default=">", min_length=1, max_length=1)
    repetition: str = Field(default="^", min_length=1, max_length=1)
    segment: str = Field(default="~", min_length=1, max_length=1)
    suffix: str = Field(default="\n", max_length=2, description="written after each segment terminator")

    @model_validator(mode="after")
    def _distinct(self) -> X12Delimiters:
        chars = [self.element, self.component, self.repetition, self.segment]
        if len(set(chars)) != 4:
            raise ValueError(f"X12 delimiters must differ from each other, got {chars}")
        return self


class EdifactDelimiters(BaseModel):
    """The service characters the hub uses when it writes EDIFACT to this partner (UNA)."""

    model_config = ConfigDict(frozen=True)

    component: str = Field(default=":", min_length=1, max_length=1)
    element: str = Field(default="+", min_length=1, max_length=1)
    decimal: str = Field(default=".", min_length=1, max_length=1)
    release: str = Field(default="?", min_length=1, max_length=1)
    segment: str = Field(default="'", min_length=1, max_length=1)
    suffix: str = Field(default="\n", max_length=2)
    una: bool = Field(default=True, description="write the UNA service string advice")


class PartnerProfile(BaseModel):
    """Everything the hub knows about one trading partner. A new partner is a file, not code.

    `units` converts the partner's units to the hub's (`{"CA": {"uom": "EA", "factor": 12}}`:
    one case is twelve each). `overrides` are per-partner mapping settings the EDI
    adapters read (for instance `{"850": {"ship_to": "N1*BT"}}`); each adapter documents
    the keys it honours.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", coerce_numbers_to_str=True)

    name: str
    x12: X12Identity | None = None
    edifact: EdifactIdentity | None = None
    ack: AckPolicy | None = Field(default=None, description="default: 997 for 004010 and earlier, 999 for 005010+")
    x12_version: str = Field(default="004010", pattern=r"^\d{6}$", description="GS08 version we send")
    edifact_version: str = Field(default="D96A", pattern=r"^D\d{2}[A-C]$", description="UNH directory we send")
    edifact_syntax: str = Field(default="UNOC:3", description="UNB syntax identifier and version we send")
    x12_delimiters: X12Delimiters = Field(default_factory=X12Delimiters)
    edifact_delimiters: EdifactDelimiters = Field(default_factory=EdifactDelimiters)
    sku_qualifier: SkuQualifier | None = Field(
        default=None, description="which product id is the hub SKU: X12 default VP, EDIFACT the LIN item number"
    )
    units: dict[str, UnitConversion] = Field(default_factory=dict)
    overrides: dict[str, Any] = Field(default_factory=dict)
    send_invoices: bool = Field(default=False, description="send an 810/INVOIC after each shipment")
    currency: str | None = Field(default=None, description="when the documents name none")
    test: bool = Field(default=False, description="ISA15 T / UNB test indicator on what we send")

    @field_validator("x12", mode="before")
    @classmethod
    def _x12_text(cls, value: Any) -> Any:
        return X12Identity.parse(value) if isinstance(value, str) else value

    @field_validator("edifact", mode="before")
    @classmethod
    def _edifact_text(cls, value: Any) -> Any:
        return EdifactIdentity.parse(str(value)) if isinstance(value, str | int) else value

    @field_validator("ack", mode="before")
    @classmethod
    def _ack_text(cls, value: Any) -> Any:
        return str(value).lower() if isinstance(value, int | str) else value

    @field_validator("x12_version", mode="before")
    @classmethod
    def _version_digits(cls, value: Any) -> Any:
        # YAML reads an unquoted 004010 as the number 4010: put the leading zeros back.
        return str(value).zfill(6) if isinstance(value, int) else value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"partner name {value!r}: letters, digits, '_', '.', '-' (max 64), starting alnum")
        return value

    @model_validator(mode="after")
    def _identified(self) -> PartnerProfile:
        if self.x12 is None and self.edifact is None:
            raise ValueError(f"partner {self.name!r} needs at least one identifier (x12 or edifact)")
        return self

    def x12_ack(self) -> AckPolicy:
        """The functional acknowledgment this partner gets for X12."""
        if self.ack in ("997", "999", "none"):
            return self.ack
        return "999" if self.x12_version >= "005010" else "997"

    def convert(self, quantity: Decimal, uom: str | None) -> tuple[Decimal, str | None]:
        """A partner quantity in the hub's unit, by the profile's unit table (unchanged when not listed)."""
        conversion = self.units.get((uom or "").upper())
        if conversion is None:
            return quantity, uom
        return quantity * conversion.factor, conversion.uom


class UnitConversion(BaseModel):
    model_config = ConfigDict(frozen=True)

    uom: str = Field(min_length=1)
    factor: ExactDecimal = Field(gt=0)


PartnerProfile.model_rebuild()
