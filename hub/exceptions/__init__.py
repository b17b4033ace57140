"""Typed exceptions with a lifecycle (open, acknowledged, resolved), suggested actions and order timeline events."""

from __future__ import annotations

from hub.exceptions.errors import (
    ActionUnavailable,
    ExceptionNotFound,
    IllegalExceptionTransition,
    InvalidReturn,
    UnknownAction,
    UnknownKind,
)
from hub.exceptions.kinds import ExceptionKind, KindSpec, kind_spec, parse_kind
from hub.exceptions.states import ExceptionState
from hub.exceptions.store import (
    ExceptionRecord,
    acknowledge,
    get_exception,
    list_exceptions,
    raise_exception,
)

__all__ = [
    "ActionUnavailable",
    "ExceptionKind",
    "ExceptionNotFound",
    "ExceptionRecord",
    "ExceptionState",
    "IllegalExceptionTransition",
    "InvalidReturn",
    "KindSpec",
    "UnknownAction",
    "UnknownKind",
    "acknowledge",
    "get_exception",
    "kind_spec",
    "list_exceptions",
    "parse_kind",
    "raise_exception",
]
