"""The console's POST actions (each a form with the session's CSRF token; operators and admins only, 403 for
viewers): resolve or acknowledge an exception, replay a message. Each answers 303 back to the page it came from
with a one-time notice saying what happened."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from hub.console import operations
from hub.console.session import Forbidden, NotSignedIn, Session, Sessions, redirect, safe_next
from hub.console.templating import render
from hub.errors import HubError
from hub.store.queries import NotFound

Field = Annotated[str, Form()]


def refused(request: Request, reason: str) -> HTMLResponse:
    return render(request, "error.html", None, status_code=403, title="Not allowed", message=reason)


def add_actions(router: APIRouter, sessions: Sessions) -> None:
    def acting(request: Request, csrf: str) -> Session | Response:
        try:
            return sessions.acting(request, csrf)
        except NotSignedIn:
            return redirect("/login")
        except Forbidden as exc:
            return refused(request, str(exc))

    def by(session: Session) -> str:
        return f"{session.principal.name} (console)"[:100]

    @router.post("/exceptions/{exception_id}/resolve", name="console_resolve")
    def resolve(
        request: Request,
        exception_id: str,
        csrf: Field = "",
        action: Field = "",
        note: Field = "",
        back: Field = "/exceptions",
    ) -> Response:
        session = acting(request, csrf)
        if not isinstance(session, Session):
            return session
        try:
            text = operations.resolve(session.ctx, exception_id, action or None, note, by(session))
        except (HubError, NotFound) as exc:
            return redirect(safe_next(back), ("error", f"{exception_id} not resolved: {_reason(exc)}"))
        return redirect(safe_next(back), ("ok", text))

    @router.post("/exceptions/{exception_id}/acknowledge", name="console_acknowledge")
    def acknowledge(request: Request, exception_id: str, csrf: Field = "", back: Field = "/exceptions") -> Response:
        session = acting(request, csrf)
        if not isinstance(session, Session):
            return session
        try:
            text = operations.acknowledge_exception(session.ctx, exception_id, by(session))
        except (HubError, NotFound) as exc:
            return redirect(safe_next(back), ("error", f"{exception_id} not acknowledged: {_reason(exc)}"))
        return redirect(safe_next(back), ("ok", text))

    @router.post("/message/{message_id}/replay", name="console_replay")
    def replay(request: Request, message_id: str, csrf: Field = "", back: Field = "/failures") -> Response:
        session = acting(request, csrf)
        if not isinstance(session, Session):
            return session
        try:
            worked, text = operations.replay_message(session.ctx, message_id)
        except (HubError, NotFound) as exc:
            return redirect(safe_next(back), ("error", f"{message_id} not replayed: {_reason(exc)}"))
        return redirect(safe_next(back), ("ok" if worked else "error", text))


def _reason(exc: Exception) -> str:
    return exc.message if isinstance(exc, HubError) else str(exc)
