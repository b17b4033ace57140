"""A real OpenSSH sshd on a loopback high port for SFTP tests: generated host and client keys, internal-sftp.

`sshd_server` (session scope; import `sshd_server_fixture` into a test module) starts
`/usr/sbin/sshd -D -e -f <generated config>` with `UsePAM no`,
`StrictModes no`, `AuthorizedKeysFile` in the temporary folder and a chroot-less `internal-sftp -d <root>`,
waits until the port answers, and always stops it. As root it logs in as root (sshd needs its privilege
separation folder /run/sshd, created when missing, as the openssh-server package does); otherwise sshd runs
as the current user and only that user can log in. Without sshd the tests skip with the reason; under CI=true
they fail instead.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.testing.databases import in_ci

SSHD = Path(os.environ.get("HUB_TEST_SSHD", "/usr/sbin/sshd"))
PRIVSEP_DIR = Path("/run/sshd")


@dataclass(frozen=True)
class KeyPair:
    private_openssh: str
    public_line: str  # "ssh-ed25519 AAAA..."

    @classmethod
    def generate(cls) -> KeyPair:
        key = Ed25519PrivateKey.generate()
        private = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
        ).decode()
        public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        return cls(private, public.decode())

    def encrypted(self, passphrase: str) -> str:
        key = serialization.load_ssh_private_key(self.private_openssh.encode(), password=None)
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.BestAvailableEncryption(passphrase.encode()),
        ).decode()


@dataclass
class SshServer:
    """A running sshd: where it listens, who may log in, its pinned key, and the folder SFTP starts in."""

    host: str
    port: int
    user: str
    root: Path
    host_key: KeyPair
    client_key: KeyPair
    work: Path
    process: subprocess.Popen[bytes]
    log: Path
    restarts: list[int] = field(default_factory=list)

    def session_pids(self) -> list[int]:
        """Every process below the listening sshd: the per-connection sshd children."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
        out, todo = [], [self.process.pid]
        while todo:
            for child in children.get(todo.pop(), []):
                out.append(child)
                todo.append(child)
        return out

    def drop_sessions(self) -> int:
        """Kill the sessions (not the listener): the connection drops as if the server went away."""
        pids = self.session_pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return len(pids)

    def options(self) -> dict[str, object]:
        """Connection options for this server (the private key is a secret: pass it through the environment)."""
        return {"host": self.host, "port": self.port, "username": self.user, "known_host": self.host_key.public_line}

    def stop(self) -> None:
        self.drop_sessions()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def unavailable_reason() -> str | None:
    if not SSHD.is_file() or not os.access(SSHD, os.X_OK):
        return f"OpenSSH server {SSHD} is not installed (apt-get install openssh-server)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(work: Path, port: int, root: Path, user: str) -> str:
    return "\n".join(
        [
            "ListenAddress 127.0.0.1",
            f"Port {port}",
            f"HostKey {work / 'host_key'}",
            "PidFile none",
            "UsePAM no",
            "StrictModes no",
            f"AuthorizedKeysFile {work / 'authorized_keys'}",
            "PubkeyAuthentication yes",
            "PasswordAuthentication yes",  # no account has a usable password: proves a wrong one is refused
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password" if user == "root" else f"AllowUsers {user}",
            "MaxStartups 50",
            "ClientAliveInterval 0",
            "LogLevel VERBOSE",
            f"Subsystem sftp internal-sftp -d {root}",
            "",
        ]
    )


def start_sshd(work: Path) -> SshServer:
    """Start sshd in `work` and wait for its port; raises RuntimeError with its log when it does not come up."""
    work.mkdir(parents=True, exist_ok=True)
    root = work / "sftp-root"
    root.mkdir(exist_ok=True)
    host_key, client_key = KeyPair.generate(), KeyPair.generate()
    (work / "host_key").write_text(host_key.private_openssh)
    (work / "host_key").chmod(0o600)
    (work / "authorized_keys").write_text(client_key.public_line + "\n")
    user = getpass.getuser()
    if os.geteuid() == 0:
        user = "root"
        PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
    last = ""
    for _ in range(3):  # the free port may be taken between choosing and binding it
        port = _free_port()
        config = work / "sshd_config"
        config.write_text(_config(work, port, root, user))
        log = work / "sshd.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(SSHD), "-D", "-e", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        server = SshServer("127.0.0.1", port, user, root, host_key, client_key, work, process, log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                    if sock.recv(4).startswith(b"SSH-"):
                        return server
            except OSError:
                time.sleep(0.02)
        server.stop()
        last = log.read_text(errors="replace")
    raise RuntimeError(f"sshd did not come up: {last}")


@pytest.fixture(scope="session", name="sshd_server")
def sshd_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    reason = unavailable_reason()
    if reason:
        if in_ci():
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    try:
        yield server
    finally:
        server.stop()
