"""Parties and postal addresses."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator


class Address(BaseModel):
    """A postal address; country is ISO 3166-1 alpha-2."""

    model_config = ConfigDict(frozen=True)

    name: str
    country_code: str
    postal_code: str | None = None
    city: str | None = None
    line1: str | None = None
    line2: str | None = None
    region: str | None = None
    phone: str | None = None
    email: str | None = None

    @field_validator("country_code")
    @classmethod
    def _country(cls, value: str) -> str:
        code = value.strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
        return code


class Party(BaseModel):
    """Someone the hub deals with: a customer, a trading partner, a warehouse."""

    model_config = ConfigDict(frozen=True)

    name: str
    id: str | None = None
    qualifier: str | None = None  # e.g. GLN, DUNS, an X12 ID qualifier
    address: Address | None = None
