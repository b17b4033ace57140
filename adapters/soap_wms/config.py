"""Options of a `soap_wms` connection: the profile, the local WSDL, the endpoint, credentials, timeouts, polling."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class SoapWmsConfig(BaseModel):
    """One warehouse reached over SOAP. The WSDL is always a local file; `endpoint` overrides its address."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: str = Field(
        default="peoplevox", description="mappings/soap_wms/<profile>.yaml (operations, templates, faults, mappings)"
    )
    wsdl: str = Field(description="path of the service's WSDL on this machine (never fetched over the network)")
    endpoint: str | None = Field(default=None, description="http(s) URL of the service; default: the WSDL's address")
    node: str = Field(min_length=1, description="the hub node code this warehouse is (shipments and stock)")
    poll: Literal["despatches", "stock"] = Field(
        default="despatches", description="what this connection's poller reads: despatches or stock levels"
    )
    client_id: str | None = Field(default=None, description="account / client id (Peoplevox: the client id)")
    username: str | None = Field(default=None, description="user name for a login operation")
    password: SecretStr | None = Field(default=None, description="password for a login operation")
    api_key: SecretStr | None = Field(default=None, description="key for services that take it in a SOAP header")
    operation_timeout: float = Field(default=30.0, gt=0, le=600, description="seconds one SOAP call may take")
    connect_timeout: float = Field(default=10.0, gt=0, le=120, description="seconds to open the HTTP connection")
    page_size: int = Field(default=100, ge=1, le=1000, description="records asked for per call (Peoplevox: <=1000)")
    lag_seconds: int = Field(
        default=5, ge=0, description="a poll reads up to its start minus this lag, so late writers are not skipped"
    )

    @field_validator("wsdl")
    @classmethod
    def _local_wsdl(cls, value: str) -> str:
        text = value.strip()
        if "://" in text:
            raise ValueError("must be a local file path: the adapter never loads a WSDL over the network")
        if not Path(text).is_file():
            raise ValueError("no such file")
        return text

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = value.strip()
        if not text.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return text
