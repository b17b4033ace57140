"""Feeds API 2021-06-30: build an order acknowledgement (cancellation) XML feed and submit it (document, upload, feed).

Submitting a feed is three calls: createFeedDocument (SP-API, returns a presigned upload URL), a PUT of the content
to that URL (plain HTTPS, no SP-API access token: the URL carries its own signature) and createFeed naming the
document. The feed is then processed asynchronously; its processing report is not read here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from adapters.amazon.api import CREATE_FEED, CREATE_FEED_DOCUMENT, SpApi
from hub.channels import call, read_json
from hub.errors import DecodeError, Location

ORDER_ACKNOWLEDGEMENT = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
XML_CONTENT_TYPE = "text/xml; charset=UTF-8"

CANCEL_REASONS = {"inventory": "NoInventory", "customer": "BuyerCanceled"}
"""Hub reason_code -> Amazon CancelReason; every other code (fraud, declined, other, none) is GeneralAdjustment."""
DEFAULT_CANCEL_REASON = "GeneralAdjustment"


def cancel_reason(reason_code: str | None) -> str:
    return CANCEL_REASONS.get((reason_code or "").lower(), DEFAULT_CANCEL_REASON)


def message_id(basis: str) -> int:
    """A stable positive MessageID (at most 18 digits) derived from `basis` (the outbox idempotency key)."""
    return int.from_bytes(hashlib.sha256(basis.encode()).digest()[:8], "big") % 10**18 + 1


@dataclass(frozen=True)
class Acknowledgement:
    """One OrderAcknowledgement message: StatusCode Failure cancels the items named (all of them: the order)."""

    amazon_order_id: str
    item_codes: Sequence[str]
    cancel_reason: str
    message_id: int


def acknowledgement_feed(merchant_id: str, messages: Sequence[Acknowledgement]) -> bytes:
    """The AmazonEnvelope XML (MessageType OrderAcknowledgement) cancelling the given orders/items."""
    envelope = ET.Element(
        "AmazonEnvelope",
        {
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:noNamespaceSchemaLocation": "amzn-envelope.xsd",
        },
    )
    header = ET.SubElement(envelope, "Header")
    ET.SubElement(header, "DocumentVersion").text = "1.01"
    ET.SubElement(header, "MerchantIdentifier").text = merchant_id
    ET.SubElement(envelope, "MessageType").text = "OrderAcknowledgement"
    for ack in messages:
        message = ET.SubElement(envelope, "Message")
        ET.SubElement(message, "MessageID").text = str(ack.message_id)
        body = ET.SubElement(message, "OrderAcknowledgement")
        ET.SubElement(body, "AmazonOrderID").text = ack.amazon_order_id
        ET.SubElement(body, "StatusCode").text = "Failure"
        for code in ack.item_codes:
            item = ET.SubElement(body, "Item")
            ET.SubElement(item, "AmazonOrderItemCode").text = code
            ET.SubElement(item, "CancelReason").text = ack.cancel_reason
    return ET.tostring(envelope, encoding="UTF-8", xml_declaration=True)


def submit_feed(
    api: SpApi, feed_type: str, marketplace_ids: Sequence[str], content: bytes, content_type: str = XML_CONTENT_TYPE
) -> str:
    """createFeedDocument, upload, createFeed; returns Amazon's feedId.

    createFeed refills one token every ~2 minutes: when none is at hand the whole submission is refused up front
    (RateLimited with the wait) so no document is created and uploaded for nothing.
    """
    api.ensure_capacity(CREATE_FEED)
    api.ensure_capacity(CREATE_FEED_DOCUMENT)
    answer = _object(
        api.request(CREATE_FEED_DOCUMENT, "POST", "/feeds/2021-06-30/documents", json={"contentType": content_type}),
        "createFeedDocument",
    )
    document_id, url = answer.get("feedDocumentId"), answer.get("url")
    if not isinstance(document_id, str) or not document_id or not isinstance(url, str) or not _https(url):
        raise DecodeError(
            "Amazon createFeedDocument answer has no feedDocumentId or https url",
            code="bad_answer",
            location=Location(field="feedDocumentId"),
        )
    # the presigned URL is its own credential: no x-amz-access-token (and no SP-API host) on this request
    call(
        api.client,
        "PUT",
        url,
        what="Amazon feed document upload",
        content=content,
        headers={"content-type": content_type},
    )
    spec = {"feedType": feed_type, "marketplaceIds": list(marketplace_ids), "inputFeedDocumentId": document_id}
    created = _object(api.request(CREATE_FEED, "POST", "/feeds/2021-06-30/feeds", json=spec), "createFeed")
    feed_id = created.get("feedId")
    if not isinstance(feed_id, str) or not feed_id:
        raise DecodeError(
            "Amazon createFeed answer has no feedId", code="bad_answer", location=Location(field="feedId")
        )
    return feed_id


def _https(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname)


def _object(response: Any, operation: str) -> dict[str, Any]:
    answer = read_json(response, what=f"Amazon {operation} answer")
    if not isinstance(answer, dict):
        raise DecodeError(f"Amazon {operation} answer is not a JSON object", code="bad_answer")
    return answer
