"""The shared channel layer: HTTP seam (rate limits, Retry-After, errors) and SKU maps used by channel adapters."""

from __future__ import annotations

from hub.channels.http import (
    REQUEST_ID_HEADERS,
    TokenBucket,
    call,
    check_response,
    read_json,
    request_id,
    retry_after,
)
from hub.channels.skus import SkuMap, UnknownSku

__all__ = [
    "REQUEST_ID_HEADERS",
    "SkuMap",
    "TokenBucket",
    "UnknownSku",
    "call",
    "check_response",
    "read_json",
    "request_id",
    "retry_after",
]
