"""Who is calling the API (an API token as `Authorization: Bearer` or the console's `hub_token` cookie), what
their role allows, and errors as RFC 9457 problem details (application/problem+json).

Routes find the hub through `request.app.state.hub_ctx` (set by `install`); each tenant gets its own HubContext,
made once per app from that base context, so a token only ever reaches its own tenant's rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.auth import Principal, Role, authenticate
from hub.context import HubContext
from hub.jsonable import to_jsonable

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
COOKIE = "hub_token"
API_PREFIX = "/api/"
"""Problem details answer every error under this prefix; other routes keep FastAPI's own error shape."""


def problem(status: int, title: str | None = None, detail: str | None = None, type_: str = "about:blank", **extra: Any):
    """An RFC 9457 problem response; `extra` members (e.g. `instance`, `errors`, `code`) are added as given."""
    body: dict[str, Any] = {"type": type_, "title": title or HTTPStatus(status).phrase, "status": status}
    if detail is not None:
        body["detail"] = detail
    body |= to_jsonable({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": 'Bearer realm="hub"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


class Problem(Exception):
    """Raised by a route or dependency to answer with a problem document."""

    def __init__(self, status: int, detail: str | None = None, *, title: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title or str(status))
        self.status = status
        self.title = title or HTTPStatus(status).phrase
        self.detail = detail
        self.extra = extra


def presented_token(request: Request) -> str | None:
    """`Authorization: Bearer <token>`, else the console's `hub_token` cookie."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE) or None


def _authenticate(ctx: HubContext, request: Request) -> Principal:
    token = presented_token(request)
    if not token:
        raise Problem(401, "an API token is needed: send `Authorization: Bearer <token>`")
    principal = authenticate(ctx.engine, token)
    if principal is None:
        raise Problem(401, "the API token is unknown, malformed or revoked")
    return principal


def hub_context(request: Request) -> HubContext:
    """The base context the app was installed with (`install`)."""
    state = getattr(request.app.state, "hub_api", None)
    if state is None:
        raise RuntimeError("the API v1 router is mounted without hub.api.security.install(app, ctx)")
    return state.ctx


_BEARER = HTTPBearer(auto_error=False, description="An API token (`hub tokens create`).")
_COOKIE = APIKeyCookie(name=COOKIE, auto_error=False, description="The console's sign-in cookie (the same token).")


def current_principal(
    request: Request,
    _bearer: HTTPAuthorizationCredentials | None = Depends(_BEARER),  # documents the schemes in OpenAPI
    _cookie: str | None = Depends(_COOKIE),
) -> Principal:
    """Dependency: the authenticated caller (401 problem otherwise)."""
    return _authenticate(hub_context(request), request)


def require(role: Role | str) -> Callable[..., Principal]:
    """Dependency: the caller, if their role allows `role` (403 problem otherwise)."""
    needed = Role(role)

    def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.role.allows(needed):
            raise Problem(403, f"this needs a {needed} token; yours is a {principal.role} token")
        return principal

    dependency.__name__ = f"require_{needed.value}"
    return dependency


@dataclass
class ApiState:
    """What the API keeps per app: the base context and one context per tenant that called."""

    ctx: HubContext
    contexts: dict[str, HubContext] = field(default_factory=dict)

    def for_tenant(self, tenant: str) -> HubContext:
        if tenant not in self.contexts:
            self.contexts[tenant] = self.ctx.for_tenant(tenant)
        return self.contexts[tenant]


def tenant_context(request: Request, principal: Principal) -> HubContext:
    """The hub context of the caller's tenant (never another's)."""
    return request.app.state.hub_api.for_tenant(principal.tenant)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem(exc.status, exc.title, exc.detail, instance=request.url.path, **exc.extra)


async def _on_http(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, StarletteHTTPException)
    if not _is_api(request):
        return await http_exception_handler(request, exc)
    detail = exc.detail if isinstance(exc.detail, str) else None
    response = problem(exc.status_code, None, detail, instance=request.url.path)
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


async def _on_validation(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, RequestValidationError)
    if not _is_api(request):
        return await request_validation_exception_handler(request, exc)
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors()
    ]
    first = errors[0] if errors else None
    detail = f"{'.'.join(first['loc'])}: {first['msg']}" if first else "the request is not valid"
    return problem(422, "Unprocessable Content", detail, instance=request.url.path, errors=errors)


async def _on_error(request: Request, exc: Exception) -> Any:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if not _is_api(request):
        return PlainTextResponse("Internal Server Error", status_code=500)
    return problem(500, None, "the hub failed to answer; the error is logged", instance=request.url.path)


def install(app: FastAPI, ctx: HubContext) -> None:
    """Give the app its hub context and the problem-details error handlers (for paths under /api/)."""
    app.state.hub_api = ApiState(ctx)
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(Exception, _on_error)
