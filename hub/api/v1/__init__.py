"""The versioned HTTP API, /api/v1: orders, stock, promise, messages, exceptions, connections, partners, rules, KPIs
and tokens, each behind an API token scoped to one tenant and a role; errors are RFC 9457 problem details.

Mount it with `mount(app, ctx)`: it installs the hub context and the problem handlers (hub.api.security.install)
and includes `router` once.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from hub.api.security import install
from hub.api.v1 import connections, exceptions, kpis, messages, orders, partners, promise, rules, stock, tokens
from hub.api.v1.models import PROBLEMS
from hub.context import HubContext

PREFIX = "/api/v1"

router = APIRouter(prefix=PREFIX, responses=PROBLEMS)
for _module in (orders, stock, promise, messages, exceptions, connections, partners, rules, kpis, tokens):
    router.include_router(_module.router)


def mount(app: FastAPI, ctx: HubContext) -> FastAPI:
    """Install the hub context and problem handlers, and include the v1 routes unless they are there already."""
    install(app, ctx)
    if not is_mounted(app):
        app.include_router(router)
    return app


def is_mounted(app: FastAPI) -> bool:
    """Whether `router` is in the app already (included as a router, or as its routes)."""
    for route in app.routes:
        if getattr(route, "original_router", None) is router:
            return True
        if str(getattr(route, "path", "")).startswith(PREFIX + "/"):
            return True
    return False


__all__ = ["PREFIX", "is_mounted", "mount", "router"]
