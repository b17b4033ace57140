"""A local SP-API simulator for tests and demos: LWA, searchOrders, confirmShipment, patchListingsItem and feeds
(createFeedDocument, the presigned upload URL on its own host, createFeed, getFeed).

Use as the transport of an httpx.Client (`httpx.MockTransport(sim.handle)`) or as a respx side effect. It checks
what the real service checks that matters to the adapter (access token, query parameters kept across pages,
required fields) and records every request. `fail(operation, *responses)` queues answers (an httpx.Response
or an exception to raise) returned before the normal ones, to play 429s, 5xx bursts, expired tokens and
garbage bodies.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict, deque
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx

TOKEN_HOST = "api.amazon.com"
UPLOAD_HOST = "tortuga-prod-na.s3-external-1.amazonaws.com"
"""Host of the simulator's presigned feed-document URLs (Amazon hands out S3 URLs; the tests route this host)."""


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class SellingPartnerSimulator:
    def __init__(
        self,
        orders: list[dict[str, Any]] | None = None,
        *,
        client_id: str = "amzn1.application-oa2-client.sim",
        client_secret: str = "sim-secret",
        refresh_token: str = "Atzr|sim-refresh",
    ) -> None:
        self.orders = list(orders or [])
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.tokens_issued = 0
        self.current_token: str | None = None
        self.requests: list[httpx.Request] = []
        self.shipments: list[tuple[str, dict[str, Any]]] = []
        self.listings: list[tuple[str, str, dict[str, str], dict[str, Any]]] = []
        self.invalid_skus: set[str] = set()
        self.documents: dict[str, dict[str, Any]] = {}  # feedDocumentId -> contentType, content (None until PUT)
        self.feeds: list[dict[str, Any]] = []  # createFeed bodies as accepted, with their feedId
        self.queued: dict[str, deque[Any]] = defaultdict(deque)
        self._ids = 0

    # -- controls ------------------------------------------------------------------------------------
    def fail(self, operation: str, *answers: Any) -> None:
        self.queued[operation].extend(answers)

    def expire_token(self) -> None:
        """The current access token stops working (Amazon answers 403 Unauthorized until a refresh)."""
        self.current_token = "expired"

    def calls(self, operation: str) -> list[httpx.Request]:
        return [r for r in self.requests if self.operation(r) == operation]

    # -- the service ---------------------------------------------------------------------------------
    @staticmethod
    def operation(request: httpx.Request) -> str:
        path = request.url.path
        if request.url.host == TOKEN_HOST:
            return "lwa"
        if request.url.host == UPLOAD_HOST:
            return "uploadFeedDocument"
        if path == "/feeds/2021-06-30/documents" and request.method == "POST":
            return "createFeedDocument"
        if path == "/feeds/2021-06-30/feeds" and request.method == "POST":
            return "createFeed"
        if path.startswith("/feeds/2021-06-30/feeds/") and request.method == "GET":
            return "getFeed"
        if path == "/orders/2026-01-01/orders":
            return "searchOrders"
        if path.startswith("/orders/2026-01-01/orders/"):
            return "getOrder"
        if path.endswith("/shipmentConfirmation"):
            return "confirmShipment"
        if path.startswith("/listings/2021-08-01/items/") and request.method == "PATCH":
            return "patchListingsItem"
        return "unknown"

    def _rid(self) -> str:
        self._ids += 1
        return f"sim-{self._ids:06d}"

    def _json(self, status: int, data: Any) -> httpx.Response:
        return httpx.Response(status, json=data, headers={"x-amzn-RequestId": self._rid()})

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        op = self.operation(request)
        if self.queued[op]:
            answer = self.queued[op].popleft()
            if isinstance(answer, BaseException):
                raise answer
            answer.headers.setdefault("x-amzn-RequestId", self._rid())
            return answer
        if op == "lwa":
            return self._token(request)
        if op == "uploadFeedDocument":  # S3, not SP-API: the URL's signature is the credential
            return self._upload(request)
        if request.headers.get("x-amz-access-token") != self.current_token or self.current_token is None:
            return self._json(
                403,
                {
                    "errors": [
                        {
                            "code": "Unauthorized",
                            "message": "Access to requested resource is denied.",
                            "details": "The access token you provided has expired.",
                        }
                    ]
                },
            )
        if op == "searchOrders":
            return self._search(request)
        if op == "confirmShipment":
            return self._confirm(request)
        if op == "patchListingsItem":
            return self._patch(request)
        if op == "createFeedDocument":
            return self._create_document(request)
        if op == "createFeed":
            return self._create_feed(request)
        if op == "getFeed":
            return self._get_feed(request)
        return self._json(404, {"errors": [{"code": "NotFound", "message": "Resource not found"}]})

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
            return self._json(400, {"error": "invalid_grant", "error_description": "The request has an invalid grant"})
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return self._json(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        self.tokens_issued += 1
        self.current_token = f"Atza|sim-access-{self.tokens_issued}"
        return self._json(
            200,
            {
                "access_token": self.current_token,
                "token_type": "bearer",
                "expires_in": 3600,
                "refresh_token": self.refresh_token,
            },
        )

    def _search(self, request: httpx.Request) -> httpx.Response:
        q = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        token = q.pop("paginationToken", None)
        if "lastUpdatedAfter" not in q:
            return self._json(400, {"errors": [{"code": "InvalidInput", "message": "Invalid Input"}]})
        offset = 0
        if token:
            saved = json.loads(base64.urlsafe_b64decode(token))
            if saved["query"] != {k: v for k, v in q.items() if k not in {"maxResultsPerPage", "includedData"}}:
                return self._json(
                    400,
                    {
                        "errors": [
                            {
                                "code": "InvalidInput",
                                "message": "Invalid Input",
                                "details": "paginationToken used with other parameters",
                            }
                        ]
                    },
                )
            offset = saved["offset"]
        after, before = _when(q["lastUpdatedAfter"]), _when(q.get("lastUpdatedBefore", "9999-12-31T00:00:00Z"))
        statuses = set(q["fulfillmentStatuses"].split(",")) if q.get("fulfillmentStatuses") else None
        by = set(q["fulfilledBy"].split(",")) if q.get("fulfilledBy") else None
        marketplaces = set(q["marketplaceIds"].split(",")) if q.get("marketplaceIds") else None
        match = [
            o
            for o in self.orders
            if after <= _when(o["lastUpdatedTime"]) <= before
            and (statuses is None or o["fulfillment"]["fulfillmentStatus"] in statuses)
            and (by is None or o["fulfillment"].get("fulfilledBy", "MERCHANT") in by)
            and (marketplaces is None or o["salesChannel"]["marketplaceId"] in marketplaces)
        ]
        size = int(q.get("maxResultsPerPage", 100))
        page = match[offset : offset + size]
        data: dict[str, Any] = {"orders": page, "lastUpdatedBefore": q.get("lastUpdatedBefore")}
        if offset + size < len(match):
            query = {k: v for k, v in q.items() if k not in {"maxResultsPerPage", "includedData"}}
            raw = json.dumps({"query": query, "offset": offset + size}).encode()
            data["pagination"] = {"nextToken": base64.urlsafe_b64encode(raw).decode()}
        return self._json(200, data)

    def _confirm(self, request: httpx.Request) -> httpx.Response:
        order_id = unquote(request.url.path.split("/")[4])
        body = json.loads(request.content)
        detail = body.get("packageDetail") or {}
        required = ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate", "orderItems")
        if not body.get("marketplaceId") or any(not detail.get(k) for k in required):
            return self._json(400, {"errors": [{"code": "InvalidInput", "message": "Invalid Input"}]})
        self.shipments.append((order_id, body))
        return httpx.Response(204, headers={"x-amzn-RequestId": self._rid()})

    def _patch(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")
        seller, sku = unquote(parts[4]), unquote(parts[5])
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        body = json.loads(request.content)
        self.listings.append((seller, sku, query, body))
        if sku in self.invalid_skus:
            return self._json(
                200,
                {
                    "sku": sku,
                    "status": "INVALID",
                    "submissionId": "sim-sub",
                    "issues": [
                        {
                            "code": "90000900",
                            "message": "The attributes are invalid.",
                            "severity": "ERROR",
                            "attributeNames": ["fulfillment_availability"],
                        }
                    ],
                },
            )
        return self._json(
            200, {"sku": sku, "status": "ACCEPTED", "submissionId": f"sim-sub-{len(self.listings)}", "issues": []}
        )

    # -- feeds 2021-06-30 ----------------------------------------------------------------------------
    def feed_content(self, feed_id: str) -> bytes:
        """The uploaded content of the document a created feed names."""
        feed = next(f for f in self.feeds if f["feedId"] == feed_id)
        return self.documents[feed["inputFeedDocumentId"]]["content"]

    def _create_document(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        if not isinstance(body, dict) or not body.get("contentType"):
            return self._json(400, {"errors": [{"code": "InvalidInput", "message": "contentType is required"}]})
        document_id = f"amzn1.tortuga.4.na.sim-{len(self.documents) + 1:04d}"
        self.documents[document_id] = {"contentType": body["contentType"], "content": None, "put_headers": None}
        url = f"https://{UPLOAD_HOST}/NinetyDays/{document_id}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=sim"
        return self._json(201, {"feedDocumentId": document_id, "url": url})

    def _upload(self, request: httpx.Request) -> httpx.Response:
        document_id = request.url.path.rsplit("/", 1)[-1]
        document = self.documents.get(document_id)
        if request.method != "PUT" or document is None or "X-Amz-Signature" not in str(request.url):
            return httpx.Response(403, text="<Error><Code>AccessDenied</Code></Error>")
        if request.headers.get("content-type") != document["contentType"]:  # the content type is signed
            return httpx.Response(403, text="<Error><Code>SignatureDoesNotMatch</Code></Error>")
        document["content"] = request.content
        document["put_headers"] = dict(request.headers)
        return httpx.Response(200)

    def _create_feed(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        document = self.documents.get(body.get("inputFeedDocumentId")) if isinstance(body, dict) else None
        if (
            not isinstance(body, dict)
            or not body.get("feedType")
            or not isinstance(body.get("marketplaceIds"), list)
            or not body["marketplaceIds"]
            or document is None
            or document["content"] is None
        ):
            return self._json(400, {"errors": [{"code": "InvalidInput", "message": "Invalid Input"}]})
        feed_id = str(50_000 + len(self.feeds) + 1)
        self.feeds.append(body | {"feedId": feed_id})
        return self._json(202, {"feedId": feed_id})

    def _get_feed(self, request: httpx.Request) -> httpx.Response:
        feed_id = unquote(request.url.path.rsplit("/", 1)[-1])
        feed = next((f for f in self.feeds if f["feedId"] == feed_id), None)
        if feed is None:
            return self._json(404, {"errors": [{"code": "NotFound", "message": "Resource not found"}]})
        return self._json(
            200,
            {
                "feedId": feed_id,
                "feedType": feed["feedType"],
                "marketplaceIds": feed["marketplaceIds"],
                "createdTime": "2026-12-02T15:30:00Z",
                "processingStatus": "IN_QUEUE",
            },
        )
