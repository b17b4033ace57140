"""`hub adapters list` and `hub adapter new NAME`: what can be connected, and a skeleton for a new adapter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from hub.plugins.manifest import Adapter
from hub.plugins.registry import default_registry

from .common import out, print_json

list_app = typer.Typer(help="Installed adapters (and those that failed to load).", no_args_is_help=True)
new_app = typer.Typer(help="Create adapters.", no_args_is_help=True)


def summary(adapter: Adapter) -> str:
    lines = [ln.strip() for ln in (adapter.feature_card or "").strip().splitlines() if ln.strip()]
    return lines[0] if lines else ""


def describe(adapter: Adapter) -> dict[str, Any]:
    secrets = adapter.secret_fields()
    return {
        "name": adapter.name,
        "version": adapter.version,
        "capabilities": sorted(str(c) for c in adapter.capabilities),
        "summary": summary(adapter),
        "options": [n for n in adapter.config.model_fields if n not in secrets],
        "secrets": secrets,
    }


@list_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON.")) -> None:
    """List adapters: name, version, capabilities, the first line of the feature card; and load failures."""
    registry = default_registry()
    adapters = [describe(a) for a in registry.all()]
    failures = [{"name": name, "error": error} for name, error in sorted(registry.failures.items())]
    if as_json:
        print_json({"adapters": adapters, "failures": failures})
        return
    table = Table(title=f"Adapters ({len(adapters)})", title_justify="left")
    for column in ("name", "version", "capabilities", "summary"):
        table.add_column(column, overflow="fold")
    for a in adapters:
        table.add_row(a["name"], a["version"], ", ".join(a["capabilities"]), a["summary"])
    out().print(table)
    if failures:
        failed = Table(title=f"[red]Failed to load ({len(failures)})[/]", title_justify="left")
        failed.add_column("entry point")
        failed.add_column("error", overflow="fold")
        for f in failures:
            failed.add_row(f["name"], f["error"])
        out().print(failed)


@new_app.command("new")
def new(
    name: str = typer.Argument(..., help="lower_snake_case adapter name, e.g. acme_wms."),
    dest: Path = typer.Option(Path("."), "--dest", help="Folder to create the package folder hub-adapter-NAME in."),
) -> None:
    """Create a new adapter package (own pyproject, entry point, fixtures, conformance test) from the template."""
    from hub.plugins.scaffold import create_adapter

    root = create_adapter(name, dest)
    console = out()
    console.print(f"created adapter [bold]{name}[/] in {escape(str(root))}")
    console.print("next steps:")
    console.print(f"  1. install it:        pip install -e {escape(str(root))}")
    console.print(f"  2. run its tests:     pytest {escape(str(root / 'tests'))}")
    console.print(f"  3. check it is found: hub adapters list   ({name} should be listed)")
    console.print("  4. fill in the config model, the capabilities, the feature card and real fixtures")
