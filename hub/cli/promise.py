"""`hub promise`: can this basket ship to this address, from where, with which service, and when will it arrive?"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

import typer
from pydantic import ValidationError
from rich.table import Table

from hub.promise import PromiseAnswer, PromiseRequest, answer_request

from .common import hub, out, print_json, usage_error


def _destination(text: str) -> tuple[str, str | None]:
    country, _, postal = text.partition(":")
    if len(country.strip()) != 2:
        usage_error(f"--to {text!r} must look like COUNTRY[:POSTCODE], e.g. DE:10115")
    return country.strip().upper(), postal.strip() or None


def _items(pairs: list[str]) -> dict[str, Decimal]:
    items: dict[str, Decimal] = {}
    for pair in pairs:
        sku, sep, qty = pair.rpartition("=")
        if not sep or not sku.strip():
            usage_error(f"item {pair!r} must look like SKU=QTY")
        try:
            value = Decimal(qty.strip())
        except InvalidOperation:
            usage_error(f"quantity {qty!r} of {sku} is not a number")
        items[sku.strip()] = items.get(sku.strip(), Decimal(0)) + value
    return items


def _time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        usage_error(f"--at {text!r} is not an ISO 8601 time, e.g. 2026-03-10T09:30:00+01:00")
    if when.tzinfo is None:
        usage_error(f"--at {text!r} needs a time zone offset, e.g. +01:00 or Z")
    return when


def promise(
    ctx: typer.Context,
    items: list[str] = typer.Argument(..., metavar="SKU=QTY...", help="What the customer wants."),
    to: str = typer.Option(..., "--to", metavar="COUNTRY[:POSTCODE]", help="Where to, e.g. DE:10115."),
    channel: str | None = typer.Option(None, "--channel", help="Sales channel (its stock holds apply)."),
    level: str | None = typer.Option(None, "--level", help="Service level wanted, e.g. standard or express."),
    at: str | None = typer.Option(None, "--at", metavar="ISO-TIME", help="Order time (default: now)."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    no_save: bool = typer.Option(False, "--no-save", help="Do not store the promise."),
) -> None:
    """Promise a ship date and delivery window from stock on hand and incoming stock (nothing is reserved)."""
    country, postal = _destination(to)
    try:
        request = PromiseRequest.model_validate(
            {
                "to": {"country": country, "postal_code": postal},
                "items": _items(items),
                "channel": channel,
                "service_level": level,
                "at": _time(at),
            }
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        usage_error(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
    answer = answer_request(hub(ctx), request, save=not no_save)
    if as_json:
        print_json(answer.as_dict())
        return
    _print(answer)


def _print(answer: PromiseAnswer) -> None:
    console = out()
    if answer.can_ship:
        window = (
            f"delivery {answer.delivery_earliest} to {answer.delivery_latest}"
            if answer.delivery_latest
            else "delivery date unknown"
        )
        console.print(f"can ship: yes, ships by {answer.ship_date}, {window}", markup=False)
    else:
        short = ", ".join(f"{sku} x{q}" for sku, q in answer.short.items())
        console.print(f"can ship: no (short: {short or 'nothing'})", markup=False)
    console.print(answer.reason, markup=False)
    for s in answer.shipments:
        table = Table(title=f"from {s.node}", title_justify="left")
        for column in ("lines", "carrier", "service", "ship date", "delivery"):
            table.add_column(column)
        lines = ", ".join(f"{sku} x{q}" for sku, q in s.lines.items())
        delivery = f"{s.delivery_earliest} - {s.delivery_latest}" if s.delivery_latest else "unknown"
        table.add_row(lines, s.carrier or "", s.service or "", str(s.ship_date), delivery)
        console.print(table)
        for reason in s.reasons:
            console.print(f"  - {reason}", markup=False)
    for note in answer.notes:
        console.print(f"note: {note}", markup=False)
    if answer.promise_id:
        console.print(f"promise {answer.promise_id}, open until {answer.expires_at:%Y-%m-%d %H:%M} UTC", markup=False)
