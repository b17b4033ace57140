"""Writing outbound files safely: file-name-safe keys, atomic writes, and what a failed write means."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
from pathlib import Path

from hub.errors import ConfigError, HubError, TransientError

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


def write_outbound(path: Path, data: bytes, *, what: str) -> None:
    """Write `data` to `path` atomically, raising the hub error that says whether to retry or stop."""
    try:
        write_atomically(path, data)
    except OSError as exc:
        kind = OS_ERRORS.get(exc.errno or 0, TransientError)
        reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__
        raise kind(f"cannot write {what} to {path}: {reason}") from exc
