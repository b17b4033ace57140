"""Errors that refuse a whole EDI message: the sender is no known partner, or the hub is not the receiver."""

from __future__ import annotations

from hub.errors import RecordError


class UnknownPartner(RecordError):
    """No partner profile has the interchange sender's identity (X12 ISA05/06, EDIFACT UNB 0004/0007)."""

    code = "unknown_partner"


class WrongReceiver(RecordError):
    """The interchange is addressed to someone else than the hub (X12 ISA07/08, EDIFACT UNB 0010/0007)."""

    code = "wrong_receiver"
