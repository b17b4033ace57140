"""Options of an `sftp_wms` connection: server and pinned host key, credentials from the environment, folders,
which inbound files are read with which layout, how an order file is written, and when a file is ready."""

from __future__ import annotations

import fnmatch
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from adapters.sftp_wms.paths import check_folder
from hub.errors import ConfigError

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
FILENAME_FIELDS = frozenset({"external_id", "key", "node", "order_id"})


class InboundRule(BaseModel):
    """Files whose name matches `pattern` (a glob such as `SHP_*.csv`) are read with the layout `layout`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pattern: str = Field(min_length=1)
    layout: str = Field(min_length=1, description="layout name under mappings/ (e.g. sftp_wms/acme/shipments_csv)")

    @field_validator("pattern")
    @classmethod
    def _no_separator(cls, value: str) -> str:
        if "/" in value or "\\" in value:
            raise ValueError("a pattern matches file names inside the inbound folder, without '/'")
        return value

    def matches(self, name: str) -> bool:
        return fnmatch.fnmatchcase(name, self.pattern)


class SftpWmsConfig(BaseModel):
    """One 3PL file drop: an SFTP server (or a local folder) and the layouts of the files exchanged."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str | None = Field(default=None, description="SFTP server; give host or local_root")
    port: int = Field(default=22, ge=1, le=65535)
    username: str | None = None
    known_host: str | None = Field(
        default=None,
        description="the server's pinned public key as in known_hosts ('ssh-ed25519 AAAA...') or 'SHA256:...'",
    )
    password: SecretStr | None = None
    private_key: SecretStr | None = Field(default=None, description="OpenSSH or PEM private key text")
    private_key_passphrase: SecretStr | None = None
    local_root: str | None = Field(default=None, description="a local folder instead of a server (folder drops)")
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)

    outbound_folder: str = "to_wms"
    inbound_folder: str = "from_wms"
    archive_folder: str = "from_wms/archive"
    error_folder: str = "from_wms/error"
    inbound: tuple[InboundRule, ...] = ()
    parse_with: str | None = Field(
        default=None,
        description="an EDI drop folder: every file is handed, unread, to this connection's file parser (an x12 or "
        "edifact connection), which answers for it (acknowledgments, duplicate interchanges); inbound rules unused",
    )
    order_layout: str | None = Field(default=None, description="layout of order files out; none: no order sink")
    order_filename: str = Field(default="ORD_{external_id}_{key}.csv", min_length=1)
    temp_suffix: str = Field(default=".part", min_length=1)
    node: str | None = Field(default=None, description="node code for stock files that name none")

    ready: Literal["stable", "done_file"] = Field(
        default="stable",
        description="stable: size and mtime unchanged over stable_seconds; done_file: '<name><done_suffix>' exists",
    )
    stable_seconds: float = Field(default=5.0, ge=0, le=300)
    done_suffix: str = Field(default=".done", min_length=1)
    page_files: int = Field(default=50, ge=1, le=10_000, description="at most this many files per poll page")

    @field_validator("outbound_folder", "inbound_folder", "archive_folder", "error_folder")
    @classmethod
    def _folder(cls, value: str) -> str:
        try:
            return check_folder(value)
        except ConfigError as exc:
            raise ValueError(exc.message) from None

    @field_validator("temp_suffix", "done_suffix")
    @classmethod
    def _suffix(cls, value: str) -> str:
        if "/" in value or "\\" in value:
            raise ValueError("a suffix must not contain a path separator")
        return value

    @field_validator("order_filename")
    @classmethod
    def _filename(cls, value: str) -> str:
        unknown = set(_PLACEHOLDER.findall(value)) - FILENAME_FIELDS
        if unknown:
            raise ValueError(f"unknown placeholder(s) {sorted(unknown)}; use {sorted(FILENAME_FIELDS)}")
        if "/" in value or "\\" in value:
            raise ValueError("an order file name must not contain a path separator")
        return value

    @model_validator(mode="after")
    def _server_or_folder(self) -> SftpWmsConfig:
        if (self.host is None) == (self.local_root is None):
            raise ValueError("give exactly one of host (an SFTP server) or local_root (a local folder)")
        if self.host is not None:
            if not self.username:
                raise ValueError("username is required with host")
            if not self.known_host:
                raise ValueError("known_host is required with host: the server's key is pinned, never trusted blindly")
            if self.password is None and self.private_key is None:
                raise ValueError("give password or private_key (from the environment) with host")
        return self

    def rule_for(self, name: str) -> InboundRule | None:
        return next((rule for rule in self.inbound if rule.matches(name)), None)
