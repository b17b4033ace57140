"""Run the API under uvicorn, tuned for the webhook intake's latency."""

from __future__ import annotations

import gc
import sys
from typing import Any

GIL_SWITCH_INTERVAL = 0.001
"""Seconds a busy thread keeps the GIL while another waits (CPython's default is 0.005). The intake's writer
thread gives the GIL up at every database call and must then win it back from the event loop; at the default,
each such hand-over could cost it 5 ms under load, which added tens of milliseconds to a storm's p99."""


def run_api(app: Any, host: str, port: int) -> None:
    """Serve `app` until stopped (SIGTERM or Ctrl-C)."""
    import uvicorn

    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    # What exists now (modules, the app, the ORM's metadata) lives as long as the process: keep it out of the
    # collector's full passes, which otherwise walk it all (over 100 ms measured) while requests wait.
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_level="info")
