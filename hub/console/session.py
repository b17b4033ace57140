"""Who is using the console: the API token in the `hub_token` cookie, the CSRF token derived from it, and roles.

The cookie holds the token itself (HttpOnly, SameSite=Strict, Secure over HTTPS), so nothing is kept on the
server and any number of console instances can serve the same operator. The CSRF token of a form is an HMAC
of a fixed label keyed by that token: a page of another site can neither read the cookie nor compute it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from hub.auth import Principal, Role, authenticate
from hub.context import HubContext

COOKIE = "hub_token"
FLASH_COOKIE = "hub_flash"
_CSRF_LABEL = b"hub-console-csrf-v1"


class NotSignedIn(Exception):
    """No valid token: a page answers with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Forbidden(Exception):
    """A signed-in user may not do this (a viewer posting an action, or a bad CSRF token)."""


@dataclass(frozen=True)
class Session:
    """A signed-in console user: who (the principal), as which tenant (its context), and the form token."""

    principal: Principal
    ctx: HubContext
    csrf: str

    @property
    def can_act(self) -> bool:
        """Operators and admins get the action buttons; viewers only look."""
        return self.principal.role.allows(Role.OPERATOR)


def csrf_token(token: str) -> str:
    return hmac.new(token.encode("utf-8"), _CSRF_LABEL, hashlib.sha256).hexdigest()


def presented_token(request: Request) -> str | None:
    """The cookie, else an `Authorization: Bearer` header (scripts may use the console's pages too)."""
    cookie = request.cookies.get(COOKIE)
    if cookie:
        return cookie
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class Sessions:
    """Turns requests into sessions for one app; keeps one hub context per tenant that signs in."""

    def __init__(self, ctx: HubContext) -> None:
        self.ctx = ctx
        self._contexts: dict[str, HubContext] = {ctx.tenant: ctx}

    def context_for(self, tenant: str) -> HubContext:
        if tenant not in self._contexts:
            self._contexts[tenant] = self.ctx.for_tenant(tenant)
        return self._contexts[tenant]

    def principal(self, token: str | None) -> Principal | None:
        if not token:
            return None
        return authenticate(self.ctx.engine, token)

    def session(self, request: Request) -> Session:
        """The signed-in session; NotSignedIn (pages redirect to /login) otherwise."""
        token = presented_token(request)
        principal = self.principal(token)
        if principal is None or token is None:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise NotSignedIn(path)
        return Session(principal=principal, ctx=self.context_for(principal.tenant), csrf=csrf_token(token))

    def acting(self, request: Request, form_csrf: str | None) -> Session:
        """The session of a POST action: an operator (or admin) with the right CSRF token; Forbidden otherwise."""
        session = self.session(request)
        if not form_csrf or not hmac.compare_digest(form_csrf, session.csrf):
            raise Forbidden("the form's CSRF token does not match this session; reload the page and try again")
        if not session.can_act:
            raise Forbidden(f"a {session.principal.role} token may look but not act; an operator token is needed")
        return session


def sign_in(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def sign_out(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def safe_next(target: str | None) -> str:
    """A local path to go back to after login; anything else (another host, `//x`, `/\\x`) becomes `/`."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def redirect(to: str, flash: tuple[str, str] | None = None) -> RedirectResponse:
    """303 See Other (after a POST), with an optional one-time notice (level, text) for the next page."""
    response = RedirectResponse(to, status_code=303)
    if flash is not None:
        set_flash(response, *flash)
    return response


def set_flash(response: Response, level: str, text: str) -> None:
    value = f"{level}:{text}"[:600].encode("utf-8").hex()
    response.set_cookie(FLASH_COOKIE, value, max_age=120, httponly=True, samesite="strict", path="/")


def take_flash(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        level, _, text = bytes.fromhex(raw).decode("utf-8").partition(":")
    except ValueError:
        return None
    return {"level": level if level in {"ok", "error"} else "ok", "text": text}
