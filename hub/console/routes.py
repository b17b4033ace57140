"""The operator console's router: login and logout, the read pages, the POST actions and the console's own static
files (a small stylesheet and script, no framework, no CDN). Mount it with `app.include_router(console_router(ctx))`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from hub.allocation.flows import register_allocation_actions
from hub.console.actions import add_actions
from hub.console.pages import add_pages
from hub.console.session import NotSignedIn, Session, Sessions, redirect, safe_next, sign_in, sign_out
from hub.console.templating import SECURITY_HEADERS, render
from hub.context import HubContext

STATIC = Path(__file__).with_name("static")
STATIC_FILES = {"console.css": "text/css", "console.js": "text/javascript"}
STATIC_PREFIX = "/console-static"


def console_router(ctx: HubContext) -> APIRouter:
    """The console for the app serving `ctx` (each signed-in token acts for its own tenant)."""
    register_allocation_actions()
    sessions = Sessions(ctx)
    router = APIRouter(include_in_schema=False)

    def current(request: Request) -> Session:
        try:
            return sessions.session(request)
        except NotSignedIn as exc:
            target = "/login" if exc.next_path == "/" else f"/login?next={quote(exc.next_path, safe='')}"
            raise HTTPException(303, "sign in first", headers={"Location": target}) from None

    @router.get("/login", response_class=HTMLResponse, name="console_login")
    def login_page(request: Request, next: str = "/") -> HTMLResponse:
        return render(request, "login.html", None, next=safe_next(next), error=None)

    @router.post("/login", name="console_login_submit")
    def login(request: Request, token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
        principal = sessions.principal(token.strip())
        if principal is None:
            error = "That token is not valid (unknown, revoked or mistyped)."
            return render(request, "login.html", None, status_code=401, next=safe_next(next), error=error)
        response = redirect(safe_next(next))
        sign_in(response, request, token.strip())
        return response

    @router.post("/logout", name="console_logout")
    def logout() -> Response:
        # No CSRF check: signing someone out is harmless, and it must work with a revoked or expired token.
        response = redirect("/login")
        sign_out(response)
        return response

    @router.get(STATIC_PREFIX + "/{name}", name="console_static")
    def static(name: str) -> Response:
        if name not in STATIC_FILES:
            raise HTTPException(404, "no such file")
        headers = {k: v for k, v in SECURITY_HEADERS.items() if k != "Cache-Control"}
        return FileResponse(STATIC / name, media_type=STATIC_FILES[name], headers=headers)

    add_pages(router, current)
    add_actions(router, sessions)
    return router
