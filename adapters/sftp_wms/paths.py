"""Remote paths confined to the configured folders: no `..`, no absolute paths, no separators in file names."""

from __future__ import annotations

import posixpath
import re

from hub.errors import ConfigError, Location, RecordError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnsafePath(RecordError):
    """A file name (from the server's listing or built from an order) would leave its folder."""

    code = "unsafe_path"


def check_folder(folder: str) -> str:
    """A configured folder: relative, normalised, without `..`; `.` is the login folder. Raises ConfigError."""
    text = (folder or "").strip()
    if not text or text == ".":
        return "."
    if text.startswith("/") or "\\" in text or _CONTROL.search(text):
        raise ConfigError(f"folder {folder!r} must be a relative path under the login folder (no '/', '\\' start)")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise ConfigError(f"folder {folder!r} must not contain '..'")
    return "/".join(parts) or "."


def check_name(name: str) -> str:
    """A file name inside a folder: one path component, not `.`/`..`, no separators or control characters."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or _CONTROL.search(name) or posixpath.isabs(name):
        raise UnsafePath(f"file name {name!r} would leave its folder", location=Location(file=name))
    return name


def join(folder: str, name: str) -> str:
    """`folder/name` after checking both; the only way the adapter builds a remote path."""
    folder = check_folder(folder)
    name = check_name(name)
    return name if folder == "." else f"{folder}/{name}"
