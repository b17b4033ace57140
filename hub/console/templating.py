"""Rendering the console's pages: one autoescaping Jinja environment, the navigation, notices, security headers.

Other console pages (KPIs, alerts) extend `base.html` and render through `render()` so they get the same
navigation, notices and headers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.routing import Match

from hub.console.session import FLASH_COOKIE, Session, take_flash

TEMPLATES = Path(__file__).with_name("templates")

NAVIGATION: tuple[tuple[str, str], ...] = (
    ("Orders", "/"),
    ("Exceptions", "/exceptions"),
    ("Messages", "/failures"),
    ("Connections", "/connections"),
    ("Stock", "/stock"),
    ("KPIs", "/kpis"),
    ("Alerts", "/alerts"),
)
"""Menu entries; an entry shows only when the app serves its path (KPIs and alerts come with their own router)."""

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _parse(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def when(value: Any) -> str:
    """`2026-12-02 01:21:10Z`, or `-`."""
    moment = _parse(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if moment else "-"


def age(value: Any, now: datetime | None = None) -> str:
    """How long ago, roughly: `45s`, `12m`, `3h 5m`, `2d 4h`; `-` when unknown."""
    moment = _parse(value)
    if moment is None:
        return "-"
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    if seconds < 0:
        return "in the future"
    if seconds < 60:
        return f"{seconds}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours == 0:
        return f"{minutes}m"
    if days == 0:
        return f"{hours}h {minutes % 60}m"
    return f"{days}d {hours % 24}h"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["age"] = age
    return env


ENV = _environment()


def serves(app: Any, path: str, method: str = "GET") -> bool:
    """Whether a route of `app` (included routers too) fully matches `method path`."""
    scope = {"type": "http", "path": path, "method": method, "root_path": "", "headers": [], "query_string": b""}
    return any(route.matches(scope)[0] is Match.FULL for route in app.router.routes)


def navigation(request: Request) -> list[dict[str, Any]]:
    here = request.url.path
    items = []
    for label, path in NAVIGATION:
        if not serves(request.app, path):
            continue
        current = here == path if path == "/" else here == path or here.startswith(path + "/")
        if path == "/" and here.startswith("/order/"):
            current = True
        items.append({"label": label, "path": path, "current": current})
    return items


def render(
    request: Request, name: str, session: Session | None = None, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """The page `name` with the base layout's needs (navigation, session, notice) and the security headers."""
    flash = take_flash(request)
    html = ENV.get_template(name).render(
        request=request,
        session=session,
        nav=navigation(request) if session is not None else [],
        flash=flash,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/", httponly=True, samesite="strict")
    return response
