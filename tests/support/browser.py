"""Browser tests' plumbing: Debian's chromium driven by Playwright (never a downloaded browser), the app served by
uvicorn on a loopback port in a thread, and screenshots kept as test artifacts.

Without /usr/bin/chromium or the playwright package the tests skip with the reason, except under CI=true, where
they fail (CI installs chromium).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hub.testing.databases import in_ci

CHROMIUM = Path(os.environ.get("HUB_TEST_CHROMIUM", "/usr/bin/chromium"))
REPO = Path(__file__).resolve().parents[2]


def browser_unavailable_reason() -> str | None:
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        return f"no chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the playwright package is not installed ({exc})"
    return None


def require_browser() -> None:
    reason = browser_unavailable_reason()
    if reason:
        if in_ci():
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """One headless chromium for the session (the Debian binary, no sandbox inside containers)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="console-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def artifacts_dir() -> Path:
    """HUB_TEST_ARTIFACTS (default `.artifacts/` in the repo root, git-ignored), `console/` inside it. Not emptied:
    with xdist, workers running tests of the same module share it (each screenshot's name says what it shows)."""
    root = Path(os.environ.get("HUB_TEST_ARTIFACTS") or REPO / ".artifacts")
    folder = root / "console"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Screenshots:
    """Numbered full-page screenshots, in the order a test takes them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def take(self, page: Any, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
