"""Typed errors of delivery promises."""

from __future__ import annotations

from hub.errors import RecordError


class PromiseError(RecordError):
    """A promise request that cannot be answered as asked (bad items, naive time, unknown country)."""

    code = "promise_error"
