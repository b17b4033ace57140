"""The hub's error vocabulary: every error says what the caller should do next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Location:
    """Where in a raw message something went wrong (any part may be unknown)."""

    file: str | None = None
    segment: str | None = None
    position: int | None = None
    line: int | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def __str__(self) -> str:
        parts = [f"{k}={v}" for k, v in self.as_dict().items()]
        return ", ".join(parts)


class HubError(Exception):
    """Base of every error the hub raises on purpose.

    `code` is a stable, machine-readable identifier (and the wire code where a protocol
    has one); `location` says where in the input the problem was.
    """

    code: str = "hub_error"

    def __init__(self, message: str, *, code: str | None = None, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.location = location or Location()

    def __str__(self) -> str:
        where = str(self.location)
        return f"{self.message} ({where})" if where else self.message

    def as_dict(self) -> dict[str, Any]:
        loc = self.location
        return {
            "code": self.code,
            "message": self.message,
            "segment": loc.segment,
            "position": loc.position if loc.position is not None else loc.line,
            "element": loc.field,
        }


class TransientError(HubError):
    """Temporary failure (timeout, 5xx, lock conflict): retry with backoff."""

    code = "transient"


class RateLimited(TransientError):
    """The other side asked us to slow down; `retry_after` seconds if it said."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ConfigError(HubError):
    """Bad configuration or credentials (401/403, bad host key): stop the connection and alert."""

    code = "config_error"


class RecordError(HubError):
    """This one record is bad: dead-letter it and go on with the others."""

    code = "record_error"


class DecodeError(RecordError):
    """The raw bytes cannot be read as the format they claim to be."""

    code = "decode_error"


class MappingError(RecordError):
    """The decoded message does not map to the canonical model."""

    code = "mapping_error"


class ValidationFailed(RecordError):
    """A mapped document breaks a rule of the canonical model."""

    code = "validation_error"


class IllegalTransition(HubError):
    """A status change that the state machine does not allow."""

    code = "illegal_transition"


class AmendmentRejected(RecordError):
    """A newer revision of a document arrived after the hub could no longer apply it."""

    code = "amendment_rejected"


class PluginError(HubError):
    """An adapter breaks the plugin contract (manifest, capabilities, config)."""

    code = "plugin_error"


class UnknownAdapter(PluginError):
    """No adapter of that name; the message suggests the nearest one."""

    code = "unknown_adapter"
