"""Writes a new, installable out-of-tree adapter package from the templates in hub/plugins/templates."""

from __future__ import annotations

import keyword
import re
from importlib import resources
from pathlib import Path
from string import Template

from hub.errors import PluginError

NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
MAX_NAME = 40
RESERVED = frozenset({"hub", "adapters", "tests", "test", "fixtures"})

# (path in the new package, template); "{package}" in a path is the Python package's name.
FILES: tuple[tuple[str, str], ...] = (
    ("pyproject.toml", "pyproject.toml.tmpl"),
    ("README.md", "README.md.tmpl"),
    ("{package}/__init__.py", "package_init.py.tmpl"),
    ("{package}/config.py", "config.py.tmpl"),
    ("{package}/parser.py", "parser.py.tmpl"),
    ("{package}/sinks.py", "sinks.py.tmpl"),
    ("fixtures/orders/orders-1001-1002.json", "fixture_order.json.tmpl"),
    ("fixtures/malformed/truncated.json", "fixture_malformed.json.tmpl"),
    ("tests/test_conformance.py", "test_conformance.py.tmpl"),
)


class ScaffoldError(PluginError, ValueError):
    """The adapter package cannot be created as asked (bad name, folder in the way)."""

    code = "scaffold_error"


def check_name(name: str, *, what: str = "adapter name") -> str:
    """`name` if it is lower_snake_case, 2-40 characters, not a keyword or reserved; else ScaffoldError."""
    if not isinstance(name, str) or not NAME.match(name) or not 2 <= len(name) <= MAX_NAME:
        suggestion = re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")
        hint = f" (try {suggestion!r})" if suggestion and NAME.match(suggestion) and suggestion != name else ""
        raise ScaffoldError(
            f"{what} {name!r} must be lower_snake_case: a lowercase letter, then lowercase letters, digits and "
            f"single underscores, {2}-{MAX_NAME} characters{hint}"
        )
    if keyword.iskeyword(name) or name in RESERVED:
        raise ScaffoldError(f"{what} {name!r} is reserved; choose another")
    return name


def title_case(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def distribution_name(name: str) -> str:
    return "hub-adapter-" + name.replace("_", "-")


def render(template: str, values: dict[str, str]) -> str:
    text = resources.files("hub.plugins.templates").joinpath(template).read_text(encoding="utf-8")
    return Template(text).substitute(values)


def create_adapter(name: str, dest: Path, *, package_name: str | None = None) -> Path:
    """Write the adapter package `hub-adapter-<name>` into `dest` and return its folder.

    The package declares its entry point in group `hub.adapters`, offers a JSON order file parser
    and a file sink, and carries fixtures and a conformance test that pass as generated.
    """
    check_name(name)
    package = check_name(package_name, what="package name") if package_name is not None else name
    root = Path(dest) / distribution_name(name)
    if root.exists() and any(root.iterdir()):
        raise ScaffoldError(f"{root} already exists and is not empty; remove it or choose another --dest")
    values = {"name": name, "package": package, "title": title_case(name), "dist": distribution_name(name)}
    rendered = [(root / path.format(package=package), render(template, values)) for path, template in FILES]
    for target, text in rendered:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


__all__ = ["ScaffoldError", "check_name", "create_adapter"]
