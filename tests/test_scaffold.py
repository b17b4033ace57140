"""`hub adapter new`'s engine: a scaffolded package really installs, loads through entry points and passes the kit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.plugins.scaffold import ScaffoldError, create_adapter

REPO = Path(__file__).resolve().parent.parent


def run(args: list[str], *, cwd: Path, pythonpath: list[Path]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in pythonpath), "PIP_NO_INDEX": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("AcmeShop", "must be lower_snake_case"),
        ("acme-shop", "try 'acme_shop'"),
        ("1shop", "must be lower_snake_case"),
        ("a", "2-40 characters"),
        ("shop__eu", "single underscores"),
        ("x" * 41, "2-40 characters"),
        ("class", "is reserved"),
        ("hub", "is reserved"),
    ],
)
def test_bad_names_are_refused_clearly(name: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match=message):
        create_adapter(name, tmp_path)
    assert not any(tmp_path.iterdir())


def test_bad_package_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="package name 'Acme'"):
        create_adapter("acme", tmp_path, package_name="Acme")


def test_refuses_to_write_over_a_non_empty_folder(tmp_path: Path) -> None:
    root = create_adapter("acme_shop", tmp_path)
    with pytest.raises(ScaffoldError, match="already exists"):
        create_adapter("acme_shop", tmp_path)
    assert (root / "acme_shop" / "__init__.py").is_file()


def test_layout_and_package_name(tmp_path: Path) -> None:
    root = create_adapter("acme_shop", tmp_path, package_name="hub_acme")
    assert root == tmp_path / "hub-adapter-acme-shop"
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "fixtures/malformed/truncated.json",
        "fixtures/orders/orders-1001-1002.json",
        "hub_acme/__init__.py",
        "hub_acme/config.py",
        "hub_acme/parser.py",
        "hub_acme/sinks.py",
        "pyproject.toml",
        "tests/test_conformance.py",
    ]
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert '[project.entry-points."hub.adapters"]\nacme_shop = "hub_acme:ADAPTER"' in pyproject
    assert 'name="acme_shop"' in (root / "hub_acme" / "__init__.py").read_text(encoding="utf-8")


def test_generated_code_is_ruff_clean(tmp_path: Path) -> None:
    root = create_adapter("acme_shop", tmp_path)
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip(f"ruff is not installed next to {sys.executable}")
    for args in (["check"], ["format", "--check"]):
        done = run([str(ruff), *args, "--no-cache", "."], cwd=root, pythonpath=[])
        assert done.returncode == 0, done.stdout + done.stderr


def test_scaffolded_package_installs_loads_and_passes_the_kit(tmp_path: Path) -> None:
    root = create_adapter("acme_shop", tmp_path / "src")
    site = tmp_path / "site"
    pip = run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--target", str(site), str(root)],
        cwd=tmp_path,
        pythonpath=[],
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    assert (site / "acme_shop" / "parser.py").is_file()

    discover = run(
        [
            sys.executable,
            "-c",
            "from hub.plugins import Registry; r = Registry.discover(); "
            "print('names:', ','.join(r.names())); print('failures:', r.failures)",
        ],
        cwd=tmp_path,
        pythonpath=[site],
    )
    assert discover.returncode == 0, discover.stderr
    names = discover.stdout.split("names:", 1)[1].splitlines()[0].strip().split(",")
    assert "acme_shop" in names, discover.stdout
    assert "acme_shop" not in discover.stdout.split("failures:", 1)[1]

    tests = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"],
        cwd=root,
        pythonpath=[site, REPO],
    )
    output = tests.stdout + tests.stderr
    assert tests.returncode == 0, output
    assert "passed" in output and "failed" not in output
    where = run([sys.executable, "-c", "import acme_shop; print(acme_shop.__file__)"], cwd=tmp_path, pythonpath=[site])
    assert where.stdout.strip().startswith(str(site)), "the installed copy, not the source tree, was tested"
