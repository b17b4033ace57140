"""The console's read pages: orders, an order with its timeline, a raw message, exceptions, failed and dead-lettered
messages, connections health, stock by node. Each needs a signed-in session (any role)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from hub.console import reads
from hub.console.session import Session
from hub.console.templating import render
from hub.exceptions import ExceptionKind, kind_spec, list_exceptions
from hub.exceptions.actions import available_actions
from hub.exceptions.states import UNRESOLVED, ExceptionState
from hub.store import queries
from hub.store.db import read_only
from hub.timeline import order_timeline

EXCEPTION_STATES = ("unresolved", "open", "acknowledged", "resolved", "all")


def not_found(request: Request, session: Session, text: str, status: int = 404) -> HTMLResponse:
    return render(request, "error.html", session, status_code=status, title="Not found", message=text)


def exception_view(record: Any) -> dict[str, Any]:
    """An exception with what its page needs: the actions that can run here, the suggested one first."""
    spec = kind_spec(record.kind)
    runnable = available_actions(record.kind)
    runnable.sort(key=lambda a: a != record.suggested_action)
    return record.as_dict() | {
        "description": spec.description,
        "runnable": runnable if record.state != ExceptionState.RESOLVED else [],
        "advisory": not spec.allows(record.suggested_action),
    }


def add_pages(router: APIRouter, current: Callable[..., Session]) -> None:
    signed_in = Depends(current)

    @router.get("/", response_class=HTMLResponse, name="console_orders")
    def orders_page(
        request: Request, session: Session = signed_in, q: str = "", status: str = "", source: str = ""
    ) -> HTMLResponse:
        with read_only(session.ctx.engine) as conn:
            found = reads.search_orders(conn, session.ctx.tenant, q=q, status=status or None, source=source or None)
            facets = reads.order_facets(conn, session.ctx.tenant)
        filters = {"q": q, "status": status, "source": source}
        return render(request, "orders.html", session, orders=found, facets=facets, filters=filters)

    @router.get("/order/{key}", response_class=HTMLResponse, name="console_order")
    def order_page(request: Request, key: str, session: Session = signed_in) -> HTMLResponse:
        tenant = session.ctx.tenant
        try:
            with read_only(session.ctx.engine) as conn:
                order = queries.get_order(conn, tenant, key)
                timeline = order_timeline(conn, tenant, order["id"])
                records = list_exceptions(conn, tenant, order_id=order["id"])
        except queries.Ambiguous as exc:
            return not_found(request, session, str(exc), status=409)
        except queries.NotFound as exc:
            return not_found(request, session, str(exc))
        return render(
            request,
            "order.html",
            session,
            order=order,
            timeline=timeline,
            exceptions=[exception_view(r) for r in records],
        )

    @router.get("/message/{message_id}", response_class=HTMLResponse, name="console_message")
    def message_page(request: Request, message_id: str, session: Session = signed_in) -> HTMLResponse:
        try:
            with read_only(session.ctx.engine) as conn:
                message = reads.message_view(session.ctx, conn, message_id)
        except queries.NotFound as exc:
            return not_found(request, session, str(exc))
        return render(request, "message.html", session, message=message)

    @router.get("/exceptions", response_class=HTMLResponse, name="console_exceptions")
    def exceptions_page(
        request: Request, session: Session = signed_in, state: str = "unresolved", kind: str = ""
    ) -> HTMLResponse:
        state = state if state in EXCEPTION_STATES else "unresolved"
        states: Any = {"unresolved": UNRESOLVED, "all": None}.get(state, state)
        chosen = kind if kind in {k.value for k in ExceptionKind} else None
        with read_only(session.ctx.engine) as conn:
            records = list_exceptions(conn, session.ctx.tenant, state=states, kind=chosen)
        return render(
            request,
            "exceptions.html",
            session,
            exceptions=[exception_view(r) for r in records],
            filters={"state": state, "kind": chosen or ""},
            states=EXCEPTION_STATES,
            kinds=[k.value for k in ExceptionKind],
        )

    @router.get("/failures", response_class=HTMLResponse, name="console_messages")
    def messages_page(
        request: Request, session: Session = signed_in, box: str = "inbox", status: str = ""
    ) -> HTMLResponse:
        box = box if box in {"inbox", "outbox"} else "inbox"
        with read_only(session.ctx.engine) as conn:
            rows = reads.problem_messages(conn, session.ctx.tenant, box=box, status=status or None)
        statuses = (
            ("failed", "received", "processed", "duplicate")
            if box == "inbox"
            else ("dead", "pending", "delivering", "delivered", "superseded")
        )
        shown = status if status in statuses else statuses[0]
        return render(request, "messages.html", session, messages=rows, box=box, status=shown, statuses=statuses)

    @router.get("/connections", response_class=HTMLResponse, name="console_connections")
    def connections_page(request: Request, session: Session = signed_in) -> HTMLResponse:
        with read_only(session.ctx.engine) as conn:
            rows = reads.connection_health(session.ctx, conn)
        return render(request, "connections.html", session, connections=rows)

    @router.get("/stock", response_class=HTMLResponse, name="console_stock")
    def stock_page(request: Request, session: Session = signed_in, sku: str = "") -> HTMLResponse:
        with read_only(session.ctx.engine) as conn:
            by_node = reads.stock_by_node(conn, session.ctx.tenant, sku=sku)
        hours = int(reads.STALE_AFTER.total_seconds() // 3600)
        return render(request, "stock.html", session, nodes=by_node, sku=sku, stale_hours=hours)
