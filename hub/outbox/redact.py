"""Keeping secrets out of dead letters: an error's text with the connection's secret values blanked out."""

from __future__ import annotations

from collections.abc import Iterable

from hub.errors import HubError
from hub.secrets import redact

MAX_ERROR_CHARS = 2000


def error_text(error: BaseException, secrets: Iterable[str] = ()) -> str:
    """What may be stored and logged about `error`: a HubError's message only (a plain exception's
    type and text), with every secret value replaced, cut to MAX_ERROR_CHARS."""
    text = error.message if isinstance(error, HubError) else f"{type(error).__name__}: {error}"
    return redact(text, secrets)[:MAX_ERROR_CHARS]
