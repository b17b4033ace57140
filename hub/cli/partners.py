"""`hub partners add|list|show|remove`: trading partner profiles (X12 and EDIFACT identities, acks, SKU ids)."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from hub.partners.profile import PartnerProfile
from hub.partners.store import (
    PartnerError,
    all_profiles,
    profile_from_data,
    remove_profile,
    save_profile,
    stored_profiles,
)
from hub.store.db import read_only

from .common import fail, hub, out, print_json, usage_error

app = typer.Typer(help="Trading partners: who sends EDI, how they are acknowledged.", no_args_is_help=True)

ACK_CHOICES = ("997", "999", "contrl", "none")


def _origin(profile: PartnerProfile, stored: set[str]) -> str:
    return "stored" if profile.name in stored else "file"


def _row(profile: PartnerProfile, origin: str) -> dict[str, Any]:
    data = profile.model_dump(mode="json", exclude_none=True)
    data["x12"] = str(profile.x12) if profile.x12 else None
    data["edifact"] = str(profile.edifact) if profile.edifact else None
    data["ack_x12"] = profile.x12_ack() if profile.x12 else None
    data["origin"] = origin
    return data


def _profiles(ctx: typer.Context) -> tuple[list[PartnerProfile], set[str]]:
    hub_ctx = hub(ctx)
    with read_only(hub_ctx.engine) as conn:
        profiles = all_profiles(conn, hub_ctx.tenant)
        stored = {p.name for p in stored_profiles(conn, hub_ctx.tenant)}
    return profiles, stored


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Partner name, e.g. acme-retail."),
    x12: str | None = typer.Option(None, "--x12", help="X12 identity QUAL:ID (ISA05/06 they send from)."),
    edifact: str | None = typer.Option(None, "--edifact", help="EDIFACT identity ID[:QUAL] (UNB sender)."),
    ack: str | None = typer.Option(
        None, "--ack", help="Acknowledgment they get: 997, 999, contrl or none (default by version)."
    ),
    sku_qualifier: str | None = typer.Option(
        None, "--sku-qualifier", help="Which product id is the hub SKU: VP, BP, SK, UP, EN, SA... (X12 default VP)."
    ),
    x12_version: str | None = typer.Option(None, "--x12-version", help="GS08 version sent, e.g. 004010 or 005010."),
    edifact_version: str | None = typer.Option(None, "--edifact-version", help="UNH directory sent, e.g. D96A."),
    currency: str | None = typer.Option(None, "--currency", help="Currency when their documents name none."),
    test: bool = typer.Option(False, "--test", help="Mark what the hub sends them as test (ISA15 T, UNB 0035 1)."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite a stored partner of that name."),
    as_json: bool = typer.Option(False, "--json", help="Print the stored profile as JSON."),
) -> None:
    """Add a partner (at least one of --x12 / --edifact); identities may not clash with another partner's."""
    if not x12 and not edifact:
        usage_error("a partner needs at least one identifier: --x12 QUAL:ID and/or --edifact ID[:QUAL]")
    if ack is not None and ack.lower() not in ACK_CHOICES:
        usage_error(f"--ack {ack!r}: choose one of {', '.join(ACK_CHOICES)}")
    data: dict[str, Any] = {"name": name, "x12": x12, "edifact": edifact, "test": test}
    optional = {
        "ack": ack.lower() if ack else None,
        "sku_qualifier": sku_qualifier.upper() if sku_qualifier else None,
        "x12_version": x12_version,
        "edifact_version": edifact_version,
        "currency": currency,
    }
    data |= {k: v for k, v in optional.items() if v is not None}
    try:
        profile = profile_from_data(data, file="command line")
    except PartnerError as exc:
        usage_error(str(exc))
    hub_ctx = hub(ctx)
    with hub_ctx.engine.begin() as conn:
        existing = {p.name for p in all_profiles(conn, hub_ctx.tenant)}
        if name in existing and not replace:
            fail(f"partner {name!r} exists (stored or in mappings/partners); pass --replace to overwrite it")
        save_profile(conn, hub_ctx.tenant, profile)
    if as_json:
        print_json({"partner": _row(profile, "stored")})
        return
    ids = ", ".join(f"{k} {v}" for k, v in (("x12", profile.x12), ("edifact", profile.edifact)) if v)
    out().print(f"partner {name} added ({ids})")


@app.command("list")
def list_(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List partners, stored ones and those from mappings/partners/*.yaml."""
    profiles, stored = _profiles(ctx)
    rows = [_row(p, _origin(p, stored)) for p in profiles]
    if as_json:
        print_json({"partners": rows})
        return
    table = Table(title=f"Partners ({len(rows)})", title_justify="left")
    for column in ("name", "x12", "edifact", "ack", "sku", "origin"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            r["name"],
            r["x12"] or "",
            r["edifact"] or "",
            r.get("ack") or r.get("ack_x12") or "",
            r.get("sku_qualifier") or "",
            r["origin"],
        )
    out().print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Partner name."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Show one partner's whole profile."""
    profiles, stored = _profiles(ctx)
    found = next((p for p in profiles if p.name == name), None)
    if found is None:
        fail(f"no partner named {name!r} (see `hub partners list`)")
    row = _row(found, _origin(found, stored))
    if as_json:
        print_json({"partner": row})
        return
    for key, value in row.items():
        out().print(f"{key}: {value}", highlight=False)


@app.command("remove")
def remove(ctx: typer.Context, name: str = typer.Argument(..., help="Partner name.")) -> None:
    """Remove a stored partner (a partner from mappings/partners/*.yaml is removed by deleting its file)."""
    hub_ctx = hub(ctx)
    with hub_ctx.engine.begin() as conn:
        removed = remove_profile(conn, hub_ctx.tenant, name)
    if not removed:
        fail(f"no stored partner named {name!r}")
    out().print(f"partner {name} removed")
