"""File sinks: each outbound message becomes one JSON file, written atomically, named by its idempotency key."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import ClassVar

from adapters.order_files.config import OrderFilesConfig
from hub.errors import ConfigError, HubError, TransientError
from hub.jsonable import to_jsonable
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import OutboundMessage

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 120

OS_ERRORS: dict[int, type[HubError]] = {
    errno.ENOSPC: TransientError,
    errno.EAGAIN: TransientError,
    errno.EBUSY: TransientError,
    errno.EINTR: TransientError,
    errno.EIO: TransientError,
    errno.EDQUOT: TransientError,
    errno.EMFILE: TransientError,
    errno.ENFILE: TransientError,
    errno.EACCES: ConfigError,
    errno.EPERM: ConfigError,
    errno.EROFS: ConfigError,
    errno.ENOTDIR: ConfigError,
    errno.EISDIR: ConfigError,
    errno.ENAMETOOLONG: ConfigError,
}
"""What a failed write means: retry later (disk full, busy) or stop and alert (permissions, read-only)."""


def safe(key: str) -> str:
    """A file-name-safe form of an idempotency key, unique per key (a short hash is added when it had to change)."""
    cleaned = _UNSAFE.sub("_", key).strip("._") or "key"
    if cleaned == key and len(key) <= _MAX_NAME:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return f"{cleaned[:_MAX_NAME]}~{digest}"


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over `path` (all or nothing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _FileSink:
    """Shared delivery: `<outbound_dir>/<kind>-<safe key>.json`; re-delivery of a key overwrites its file."""

    capability: ClassVar[Capability]

    def __init__(self, config: OrderFilesConfig, context: ConnectionContext) -> None:
        self.config = config
        self.context = context

    def target(self, message: OutboundMessage) -> Path:
        return self.context.outbound_dir / f"{message.kind}-{safe(message.idempotency_key)}.json"

    def deliver(self, message: OutboundMessage) -> None:
        path = self.target(message)
        data = json.dumps(to_jsonable(dict(message.body)), ensure_ascii=False, indent=2, sort_keys=True)
        try:
            write_atomically(path, (data + "\n").encode("utf-8"))
        except OSError as exc:
            kind = OS_ERRORS.get(exc.errno or 0, TransientError)
            reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__
            raise kind(f"cannot write {message.kind} message to {path}: {reason}") from exc


class FileOrderSink(_FileSink):
    """Releases orders to a node as JSON files in the connection's outbound folder."""

    capability = Capability.ORDER_SINK


class FileStockSink(_FileSink):
    """Publishes availability as one JSON file per SKU (`stock-<sku>.json`), overwritten with the latest state."""

    capability = Capability.STOCK_SINK

    def target(self, message: OutboundMessage) -> Path:
        sku = message.body.get("sku")
        if not sku:
            return super().target(message)
        return self.context.outbound_dir / f"stock-{safe(str(sku))}.json"


class FileNotificationSink(_FileSink):
    """Writes customer notifications (a delay, a broken promise) for the channel to pick up, one file each."""

    capability = Capability.NOTIFICATION_SINK
