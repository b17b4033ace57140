"""`hub tokens create|list|revoke`: API tokens, each scoped to one tenant and a role; the token is printed once."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.auth import Role, create_token, list_tokens, revoke_token, token_id_of
from hub.store.db import read_only

from .common import fail, hub, out, print_json

app = typer.Typer(help="API tokens: create (printed once), list, revoke.", no_args_is_help=True)


@app.command("create")
def create(
    ctx: typer.Context,
    tenant: str = typer.Option(..., "--tenant", help="The only tenant the token can see."),
    role: Role = typer.Option(..., "--role", help="viewer reads; operator also acts; admin also manages."),
    name: str = typer.Option(..., "--name", help="Who or what uses it (shown in lists and in what it does)."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    token = create_token(hub(ctx).engine, tenant, role, name)
    token_id = token_id_of(token)
    if as_json:
        print_json({"id": token_id, "tenant": tenant, "role": role.value, "name": name, "token": token})
        return
    typer.echo(token)
    typer.echo(
        f"token {token_id} for tenant {tenant} ({role.value}, {name}): keep it now, it is not shown again", err=True
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    tenant: str | None = typer.Option(None, "--tenant", help="Only this tenant's tokens."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List tokens (never their secret)."""
    with read_only(hub(ctx).engine) as conn:
        tokens = list_tokens(conn, tenant)
    rows = [
        {
            "id": t.id,
            "tenant": t.tenant,
            "role": t.role.value,
            "name": t.name,
            "created_at": t.created_at,
            "last_used_at": t.last_used_at,
            "revoked_at": t.revoked_at,
        }
        for t in tokens
    ]
    if as_json:
        print_json({"tokens": rows})
        return
    table = Table(title=f"API tokens ({len(rows)})", title_justify="left")
    for column in ("id", "tenant", "role", "name", "created", "revoked"):
        table.add_column(column, overflow="fold")
    for r in rows:
        revoked = r["revoked_at"].isoformat(timespec="seconds") if r["revoked_at"] else ""
        table.add_row(
            r["id"], r["tenant"], r["role"], r["name"], r["created_at"].isoformat(timespec="seconds"), revoked
        )
    out().print(table)


@app.command("revoke")
def revoke(
    ctx: typer.Context, token_id: str = typer.Argument(..., metavar="ID", help="The token's id (tok_...).")
) -> None:
    """Revoke a token: it stops working at once."""
    if not revoke_token(hub(ctx).engine, token_id):
        fail(f"no active token {token_id!r} (see `hub tokens list`)")
    out().print(f"token {token_id} revoked")
