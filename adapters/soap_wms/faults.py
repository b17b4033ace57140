"""SOAP faults and failed results as hub errors, by the profile's rules (first match wins), then by fault code.

The actions: `config` -> ConfigError (credentials refused: the connection stops), `transient` -> TransientError
(server busy: retried with backoff), `record` -> RecordError (this order's data was refused: dead-lettered),
`session` -> SessionExpired (log in again once, then repeat the call). Without a matching rule a
`soap:Client` fault is the record's fault and anything else is transient.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import etree

from adapters.soap_wms.profile import FaultRule
from hub.errors import ConfigError, HubError, Location, RecordError, TransientError


class SessionExpired(TransientError):
    """The service no longer knows our session: log in again."""

    code = "soap_session_expired"


def detail_code(detail: etree._Element | None) -> str:
    """The first `Code` / `ErrorCode` text inside a fault's detail, if any."""
    if detail is None:
        return ""
    for element in detail.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname in {"Code", "ErrorCode"}:
            return (element.text or "").strip()
    return ""


def detail_reference(detail: etree._Element | None) -> str | None:
    if detail is None:
        return None
    for element in detail.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname == "Reference":
            return (element.text or "").strip() or None
    return None


def classify(
    rules: Sequence[FaultRule], *, code: str, text: str, default: str, what: str, reference: str | None = None
) -> HubError:
    """The hub error for a failure with `code` (fault code and detail code) and `text`."""
    action = default
    for rule in rules:
        if rule.code is not None and not re.search(rule.code, code):
            continue
        if rule.text is not None and not re.search(rule.text, text):
            continue
        action = rule.action
        break
    message = f"{what}: {text.strip()[:500]}" + (f" [{code.strip()}]" if code.strip() else "")
    wire = _wire(code)
    location = Location(field=reference) if reference else None
    if action == "config":
        return ConfigError(message, code=f"soap_auth:{wire}" if wire else "soap_auth", location=location)
    if action == "session":
        return SessionExpired(message, location=location)
    if action == "record":
        return RecordError(message, code=f"soap_refused:{wire}" if wire else "soap_refused", location=location)
    return TransientError(message, code=f"soap_busy:{wire}" if wire else "soap_busy", location=location)


def _wire(code: str) -> str:
    """The most specific part of `code` for the error code: the detail's code, else the whole (ResponseId -1)."""
    tokens = code.split()
    chosen = tokens[-1] if len(tokens) > 1 and not tokens[0].startswith("ResponseId") else "_".join(tokens)
    return re.sub(r"[^A-Za-z0-9_-]+", "_", chosen)[:40]


def default_for_fault(fault_code: str) -> str:
    return "record" if fault_code.split(":")[-1].lower() in {"client", "sender"} else "transient"
