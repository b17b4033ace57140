"""The operator console: server-rendered pages over the core (orders and their timeline, raw messages, exceptions,
failed and dead-lettered messages, connections, stock), signed in with an API token; see docs/console.md."""

from __future__ import annotations

from hub.console.routes import console_router

__all__ = ["console_router"]
