"""The remote-files protocol over SFTP (paramiko): pinned host key, key or password auth, typed errors.

Unknown or changed host key and failed authentication are ConfigError (stop and alert); a refused or dropped
connection and timeouts are TransientError (retry); a file that vanished is RemoteGone.
"""

from __future__ import annotations

import base64
import hashlib
import io
import socket
import stat
from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar

import paramiko

from adapters.sftp_wms.config import SftpWmsConfig
from adapters.sftp_wms.remote import RemoteEntry, RemoteGone, os_error
from hub.errors import ConfigError, HubError, TransientError

T = TypeVar("T")
KEY_TYPES: tuple[type[paramiko.PKey], ...] = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's SHA256 fingerprint of a public key (`SHA256:` and unpadded base64)."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def check_host_key(key: paramiko.PKey, pinned: str, where: str) -> None:
    """Refuse any key but the pinned one: `ssh-ed25519 AAAA...` (known_hosts form) or `SHA256:...`."""
    pinned = pinned.strip()
    got = fingerprint(key)
    if pinned.startswith("SHA256:"):
        expected = pinned.rstrip("=")
    else:
        parts = pinned.split()
        if len(parts) < 2:
            raise ConfigError(f"{where}: known_host must be 'type base64' (a known_hosts key) or 'SHA256:...'")
        try:
            blob = base64.b64decode(parts[1], validate=True)
        except ValueError:
            raise ConfigError(f"{where}: known_host's key is not valid base64") from None
        expected = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    if got != expected:
        raise ConfigError(
            f"{where}: host key mismatch: the server offers {key.get_name()} {got}, the connection pins {expected}; "
            "refusing to connect (check with the 3PL, then update known_host)",
            code="host_key_mismatch",
        )


def load_private_key(text: str, passphrase: str | None) -> paramiko.PKey:
    """A private key from its text (OpenSSH or PEM); a missing or wrong passphrase is ConfigError."""
    encrypted = False
    for kind in KEY_TYPES:
        try:
            return kind.from_private_key(io.StringIO(text), password=passphrase)
        except paramiko.PasswordRequiredException:
            encrypted = True
        except (paramiko.SSHException, ValueError):
            continue
    if encrypted and passphrase is None:
        raise ConfigError("private_key is encrypted and no private_key_passphrase is set")
    raise ConfigError("private_key could not be loaded (not an ed25519/ecdsa/rsa key, or a wrong passphrase)")


def connect(config: SftpWmsConfig) -> SftpFiles:
    """Open an SFTP session: TCP, key exchange, host key check, authentication."""
    assert config.host is not None and config.username and config.known_host
    where = f"sftp://{config.username}@{config.host}:{config.port}"
    try:
        sock = socket.create_connection((config.host, config.port), timeout=config.timeout_seconds)
    except OSError as exc:
        raise TransientError(f"{where}: cannot connect: {exc.strerror or type(exc).__name__}") from None
    transport = paramiko.Transport(sock)
    transport.banner_timeout = config.timeout_seconds
    transport.auth_timeout = config.timeout_seconds
    try:
        transport.start_client(timeout=config.timeout_seconds)
        check_host_key(transport.get_remote_server_key(), config.known_host, where)
        if config.private_key is not None:
            phrase = config.private_key_passphrase.get_secret_value() if config.private_key_passphrase else None
            transport.auth_publickey(config.username, load_private_key(config.private_key.get_secret_value(), phrase))
        else:
            assert config.password is not None
            transport.auth_password(config.username, config.password.get_secret_value())
        client = paramiko.SFTPClient.from_transport(transport)
        if client is None:
            raise TransientError(f"{where}: the server opened no SFTP session")
        client.get_channel().settimeout(config.timeout_seconds)
    except HubError:
        transport.close()
        raise
    except paramiko.AuthenticationException:
        transport.close()
        raise ConfigError(
            f"{where}: authentication failed (check username and credentials)", code="auth_failed"
        ) from None
    except (paramiko.SSHException, EOFError, OSError) as exc:
        transport.close()
        raise TransientError(f"{where}: SSH session failed: {type(exc).__name__}: {exc}") from None
    return SftpFiles(client, transport, where)


class SftpFiles:
    """RemoteFiles over one SFTP session. Any transport failure is TransientError; the session is then unusable."""

    def __init__(self, client: paramiko.SFTPClient, transport: paramiko.Transport, where: str) -> None:
        self.client = client
        self.transport = transport
        self.where = where

    def _call(self, what: str, op: Callable[[], T]) -> T:
        try:
            return op()
        except HubError:
            raise
        except OSError as exc:
            if exc.errno is not None or isinstance(exc, FileNotFoundError | PermissionError):
                raise os_error(exc, f"{self.where}: {what}") from None
            raise TransientError(f"{self.where}: {what}: {exc}") from None
        except (paramiko.SSHException, EOFError) as exc:
            raise TransientError(f"{self.where}: {what}: connection lost ({type(exc).__name__})") from None

    def list(self, folder: str) -> list[RemoteEntry]:
        attrs = self._call(f"list {folder}", lambda: self.client.listdir_attr(folder))
        return [
            RemoteEntry(a.filename, a.st_size or 0, int(a.st_mtime or 0), stat.S_ISREG(a.st_mode or 0)) for a in attrs
        ]

    def stat(self, path: str) -> RemoteEntry | None:
        try:
            a = self._call(f"stat {path}", lambda: self.client.stat(path))
        except RemoteGone:
            return None
        return RemoteEntry(path.rsplit("/", 1)[-1], a.st_size or 0, int(a.st_mtime or 0), stat.S_ISREG(a.st_mode or 0))

    def open(self, path: str, mode: str) -> BinaryIO:
        handle: Any = self._call(f"open {path}", lambda: self.client.open(path, mode))
        if "w" in mode:
            handle.set_pipelined(True)
        return _Guarded(handle, self, path)

    def rename(self, source: str, target: str) -> None:
        self._call(f"rename {source} to {target}", lambda: self.client.posix_rename(source, target))

    def remove(self, path: str) -> None:
        self._call(f"remove {path}", lambda: self.client.remove(path))

    def mkdir(self, path: str) -> None:
        done = ""
        for part in path.split("/"):
            done = f"{done}/{part}" if done else part
            if part == "." or self.stat(done) is not None:
                continue
            try:
                self._call(f"mkdir {done}", lambda d=done: self.client.mkdir(d))  # type: ignore[misc]
            except TransientError:
                if self.stat(done) is None:  # a concurrent mkdir is fine
                    raise

    def close(self) -> None:
        """Close the session; a session the server already dropped closes quietly."""
        try:
            self.client.close()
        except (OSError, EOFError, paramiko.SSHException):
            pass
        finally:
            self.transport.close()


class _Guarded(io.RawIOBase):
    """A remote file whose reads, writes and close raise the hub's typed errors."""

    def __init__(self, handle: Any, files: SftpFiles, path: str) -> None:
        self.handle = handle
        self.files = files
        self.path = path

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        return self.files._call(f"read {self.path}", lambda: self.handle.read(None if size < 0 else size))

    def flush(self) -> None:
        if not self.closed:
            self.files._call(f"flush {self.path}", self.handle.flush)

    def readall(self) -> bytes:
        return self.read()

    def write(self, data: Any) -> int:  # type: ignore[override]
        self.files._call(f"write {self.path}", lambda: self.handle.write(bytes(data)))
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self.files._call(f"close {self.path}", self.handle.close)
            finally:
                super().close()


__all__ = ["SftpFiles", "check_host_key", "connect", "fingerprint", "load_private_key"]
