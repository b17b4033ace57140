"""The remote-files seam: list, stat, open, rename, remove, mkdir. A local-folder implementation for tests and drops.

The SFTP implementation is in `adapters.sftp_wms.sftp`; every file semantic (read lock, archive, error folder,
temporary name then rename) is written against this protocol, so it is tested on a local folder as well.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from hub.errors import ConfigError, TransientError


@dataclass(frozen=True)
class RemoteEntry:
    """What a listing says about one entry of a folder."""

    name: str
    size: int
    mtime: int  # whole seconds, as SFTP v3 reports them
    is_file: bool = True


class RemoteGone(TransientError):
    """The file is no longer there (renamed, removed or being replaced by its writer)."""

    code = "remote_file_gone"


@runtime_checkable
class RemoteFiles(Protocol):
    """Paths are relative to the login folder and already confined (see `adapters.sftp_wms.paths.join`)."""

    def list(self, folder: str) -> list[RemoteEntry]: ...

    def stat(self, path: str) -> RemoteEntry | None: ...

    def open(self, path: str, mode: str) -> BinaryIO: ...  # "rb" or "wb"

    def rename(self, source: str, target: str) -> None: ...  # replaces an existing target

    def remove(self, path: str) -> None: ...

    def mkdir(self, path: str) -> None: ...  # no error when it exists

    def close(self) -> None: ...


def os_error(exc: OSError, what: str) -> Exception:
    """An OSError (local or SFTP status) as what the caller should do: gone, retry, or stop and alert."""
    if exc.errno == errno.ENOENT or isinstance(exc, FileNotFoundError):
        return RemoteGone(f"{what}: no such file")
    if exc.errno in (errno.EACCES, errno.EPERM) or isinstance(exc, PermissionError):
        return ConfigError(f"{what}: permission denied")
    return TransientError(f"{what}: {exc.strerror or type(exc).__name__}")


class LocalFiles:
    """A local folder behind the same protocol: a folder-drop connection, and the file semantics' tests."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, path: str) -> Path:
        return self.root / path

    def list(self, folder: str) -> list[RemoteEntry]:
        try:
            with os.scandir(self._path(folder)) as entries:
                out = []
                for entry in entries:
                    st = entry.stat(follow_symlinks=False)
                    out.append(
                        RemoteEntry(entry.name, st.st_size, int(st.st_mtime), entry.is_file(follow_symlinks=False))
                    )
                return out
        except OSError as exc:
            raise os_error(exc, f"list {folder}") from None

    def stat(self, path: str) -> RemoteEntry | None:
        try:
            st = self._path(path).stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise os_error(exc, f"stat {path}") from None
        return RemoteEntry(Path(path).name, st.st_size, int(st.st_mtime), self._path(path).is_file())

    def open(self, path: str, mode: str) -> BinaryIO:
        try:
            return open(self._path(path), mode)
        except OSError as exc:
            raise os_error(exc, f"open {path}") from None

    def rename(self, source: str, target: str) -> None:
        try:
            os.replace(self._path(source), self._path(target))
        except OSError as exc:
            raise os_error(exc, f"rename {source}") from None

    def remove(self, path: str) -> None:
        try:
            self._path(path).unlink()
        except OSError as exc:
            raise os_error(exc, f"remove {path}") from None

    def mkdir(self, path: str) -> None:
        try:
            self._path(path).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise os_error(exc, f"mkdir {path}") from None

    def close(self) -> None:
        return None
