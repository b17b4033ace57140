"""A SOAP WMS profile: which operations release, cancel and read, with which mappings, and how faults are read.

A profile is a YAML file in `mappings/soap_wms/` (or a path). It names a `dialect` (how the service frames
data: `peoplevox` for CSV inside IntegrationResponse envelopes after an Authenticate login, `document` for
plain document/literal elements with a static SOAP header), the WSDL binding to use, the steps of each
outbound call (operation + mapping from the hub's message), the two read streams, and an ordered list of
fault rules (first match wins). See docs/soap_wms.md.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hub.errors import ConfigError, Location
from hub.mapping import load_named_mapping
from hub.mapping.engine import Mapping
from hub.mapping.loader import find_mapping
from hub.plugins.config import describe_validation_error
from hub.yamlio import parse_yaml

Action = Literal["config", "transient", "record", "session"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Step(_Frozen):
    """One SOAP call of an outbound message: the mapping builds its arguments from the message body."""

    operation: str
    mapping: str
    template: str | None = None  # peoplevox: the save template; the mapping yields {rows: [...]}
    columns: list[str] = Field(default_factory=list)  # peoplevox: CSV columns, in order
    action: int = 0  # peoplevox: SaveRequest.Action


class Stream(_Frozen):
    """A read: records after a cursor, each with an id and a time, mapped to canonical documents."""

    operation: str
    mapping: str
    id_field: str
    time_field: str
    template: str | None = None  # peoplevox: GetData template
    time_format: str | None = None  # strptime format of time_field (UTC); None: ISO 8601
    items: str | None = None  # document: the repeated element of the response


class FaultRule(_Frozen):
    """`code` is matched against the fault code and the detail's code, `text` against the fault/detail text."""

    action: Action
    code: str | None = None
    text: str | None = None

    @field_validator("code", "text")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value


class Session(_Frozen):
    header: str  # the SOAP header part name (UserSessionCredentials, AuthHeader)
    login: str | None = None  # peoplevox: the Authenticate operation
    key_field: str | None = None  # document: the header field holding config.api_key


class Profile(_Frozen):
    name: str
    dialect: Literal["peoplevox", "document"]
    binding: str  # {namespace}BindingName in the WSDL
    session: Session
    release: list[Step] = Field(min_length=1)
    cancel: list[Step] = Field(default_factory=list)
    despatches: Stream
    stock: Stream
    faults: list[FaultRule] = Field(default_factory=list)

    def mapping(self, name: str) -> Mapping:
        return _mapping(name)


@lru_cache(maxsize=64)
def _mapping(name: str) -> Mapping:
    return load_named_mapping(name)


@lru_cache(maxsize=32)
def load_profile(ref: str) -> Profile:
    """The profile `ref`: a path, or a name under mappings/soap_wms/. ConfigError names the file and key."""
    path = Path(ref) if Path(ref).is_absolute() else find_mapping(f"soap_wms/{ref}")
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except Exception as exc:
        raise ConfigError(
            f"SOAP WMS profile {path}: cannot be read: {exc}", location=Location(file=str(path))
        ) from None
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            f"SOAP WMS profile {path}: {describe_validation_error(exc)}", location=Location(file=str(path))
        ) from None
    for step in [*profile.release, *profile.cancel, profile.despatches, profile.stock]:
        profile.mapping(step.mapping)  # a broken mapping fails when the connection is built, not at 3 a.m.
    return profile
