"""sftp_wms over a real OpenSSH sshd (tests/support/sshd.py): upload and rename, polling, partial files,
connections dropped mid-transfer, pinned host key, authentication failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import pytest

from adapters.sftp_wms import SftpWmsConfig
from adapters.sftp_wms.poller import SftpPoller
from adapters.sftp_wms.remote import RemoteEntry
from adapters.sftp_wms.sftp import SftpFiles, connect, fingerprint
from adapters.sftp_wms.sink import SftpOrderSink
from hub.errors import ConfigError, TransientError
from hub.plugins.config import build_config
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Cursor, OutboundMessage
from tests.support.sshd import KeyPair, SshServer, sshd_server_fixture  # noqa: F401 - the session fixture

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sftp_wms"
CONTEXT = ConnectionContext(connection="northwind", channel="northwind")
INBOUND = [{"pattern": "STK_*.txt", "layout": "sftp_wms/northwind/stock.layout"}]
SNAPSHOT = (FIXTURES / "inbound" / "STK_20240503.txt").read_bytes()
RELEASE = {
    "id": "ord_9",
    "external_id": "SFTP-9",
    "ship_to": {"name": "Grace Hopper", "country_code": "US"},
    "lines": [{"line_no": 1, "sku": "SKU-A", "quantity": "3", "unit_price": "1"}],
}


def sftp_config(server: SshServer, folder: str, secrets: dict[str, str] | None = None, **extra: Any) -> SftpWmsConfig:
    """A config for `server` whose folders live under `folder` (one per test); secrets come from the environment."""
    secrets = secrets if secrets is not None else {"private_key": server.client_key.private_openssh}
    options = {
        **server.options(),
        "inbound": INBOUND,
        "stable_seconds": 0,
        "order_layout": "sftp_wms/northwind/orders.layout",
        "outbound_folder": f"{folder}/out",
        "inbound_folder": f"{folder}/in",
        "archive_folder": f"{folder}/in/archive",
        "error_folder": f"{folder}/in/error",
        "timeout_seconds": 10,
        **extra,
    }
    refs = {name: f"SFTP_TEST_{name.upper()}" for name in secrets}
    environ = {refs[name]: value for name, value in secrets.items()}
    return build_config(SftpWmsConfig, options, refs, adapter="sftp_wms", connection="northwind", environ=environ)  # type: ignore[return-value]


def release(key: str = "order_release:ord_9:r1") -> OutboundMessage:
    return OutboundMessage(id="o", kind="order_release", connection="northwind", idempotency_key=key, body=RELEASE)


def inbound(server: SshServer, folder: str) -> Path:
    path = server.root / folder / "in"
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- the happy paths over real SFTP -----------------------------------------------------------------------------


def test_order_file_is_uploaded_under_a_temporary_name_and_renamed(sshd_server: SshServer) -> None:
    config = sftp_config(sshd_server, "upload")
    SftpOrderSink(config, CONTEXT).deliver(release())
    written = list((sshd_server.root / "upload" / "out").iterdir())
    assert len(written) == 1, written
    assert written[0].name.startswith("ORD_SFTP-9_order_release_ord_9_r1") and written[0].suffix == ".csv"
    lines = written[0].read_text().splitlines()
    assert lines[1].startswith("SFTP-9,ord_9,1,SKU-A,3,EA,Grace Hopper")


def test_poll_reads_then_archives_over_sftp(sshd_server: SshServer) -> None:
    folder = inbound(sshd_server, "poll")
    (folder / "STK_20240503.txt").write_bytes(SNAPSHOT)
    poller = SftpPoller(sftp_config(sshd_server, "poll"), CONTEXT)
    page = poller.poll(Cursor(), limit=10)
    [message] = page.messages
    assert message.body == SNAPSHOT and message.filename == "STK_20240503.txt"
    assert poller.poll(Cursor.from_json(page.next_cursor.to_json()), limit=10).messages == []
    assert (folder / "archive" / "STK_20240503.txt").read_bytes() == SNAPSHOT
    assert not (folder / "STK_20240503.txt").exists()


class Writing:
    """Delegates to an SFTP session; before each listing, the 3PL's own session writes one more chunk."""

    def __init__(self, files: SftpFiles, writer: Any, chunks: list[bytes]) -> None:
        self.files = files
        self.writer = writer
        self.chunks = chunks

    def list(self, folder: str) -> list[RemoteEntry]:
        if self.chunks:
            self.writer.write(self.chunks.pop(0))
            self.writer.flush()
        return self.files.list(folder)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.files, name)


def test_a_file_being_written_over_sftp_is_not_read_until_complete(sshd_server: SshServer) -> None:
    inbound(sshd_server, "partial")
    config = sftp_config(sshd_server, "partial")
    writer_session = connect(config)
    try:
        writer = writer_session.client.open("partial/in/STK_20240503.txt", "wb")  # each flush waits for the server
        chunks = [SNAPSHOT[:7], SNAPSHOT[7:30], SNAPSHOT[30:]]
        poller = SftpPoller(config, CONTEXT, files=lambda: Writing(connect(config), writer, chunks))
        first = poller.poll(Cursor(), limit=10)
        assert first.messages == []
        second = poller.poll(first.next_cursor, limit=10)
        writer.close()
        [message] = second.messages
        assert message.body == SNAPSHOT
    finally:
        writer_session.close()


def test_done_file_mode_over_sftp(sshd_server: SshServer) -> None:
    folder = inbound(sshd_server, "done")
    (folder / "STK_1.txt").write_bytes(SNAPSHOT[:20])  # partial, no marker
    poller = SftpPoller(sftp_config(sshd_server, "done", ready="done_file"), CONTEXT)
    assert poller.poll(Cursor(), limit=10).messages == []
    (folder / "STK_1.txt").write_bytes(SNAPSHOT)
    (folder / "STK_1.txt.done").write_bytes(b"")
    page = poller.poll(Cursor(), limit=10)
    assert [m.body for m in page.messages] == [SNAPSHOT]
    poller.poll(page.next_cursor, limit=10)
    assert sorted(p.name for p in folder.iterdir()) == ["archive"]


# -- faults ---------------------------------------------------------------------------------------------------


class DropOnOpen:
    """Delegates to an SFTP session and kills the server's sessions when a file is opened in `mode`."""

    def __init__(self, files: SftpFiles, server: SshServer, mode: str) -> None:
        self.files = files
        self.server = server
        self.mode = mode

    def open(self, path: str, mode: str) -> BinaryIO:
        handle = self.files.open(path, mode)
        if mode == self.mode:
            assert self.server.drop_sessions() >= 1
        return handle

    def __getattr__(self, name: str) -> Any:
        return getattr(self.files, name)


def test_connection_dropped_mid_upload_is_transient_and_leaves_no_final_file(sshd_server: SshServer) -> None:
    config = sftp_config(sshd_server, "drop-upload")
    broken = SftpOrderSink(config, CONTEXT, files=lambda: DropOnOpen(connect(config), sshd_server, "wb"))
    with pytest.raises(TransientError):
        broken.deliver(release())
    out = sshd_server.root / "drop-upload" / "out"
    assert not [p for p in out.iterdir() if not p.name.endswith(".part")]
    SftpOrderSink(config, CONTEXT).deliver(release())  # the outbox retries: the file arrives whole
    [final] = [p for p in out.iterdir() if not p.name.endswith(".part")]
    assert final.read_text().count("\n") == 2


def test_server_killed_mid_poll_loses_nothing(sshd_server: SshServer) -> None:
    folder = inbound(sshd_server, "drop-poll")
    (folder / "STK_20240503.txt").write_bytes(SNAPSHOT)
    config = sftp_config(sshd_server, "drop-poll")
    broken = SftpPoller(config, CONTEXT, files=lambda: DropOnOpen(connect(config), sshd_server, "rb"))
    with pytest.raises(TransientError):
        broken.poll(Cursor(), limit=10)
    assert (folder / "STK_20240503.txt").read_bytes() == SNAPSHOT
    [message] = SftpPoller(config, CONTEXT).poll(Cursor(), limit=10).messages
    assert message.body == SNAPSHOT


def test_changed_host_key_refuses_to_connect(sshd_server: SshServer) -> None:
    other = KeyPair.generate().public_line
    with pytest.raises(ConfigError, match="host key mismatch") as caught:
        connect(sftp_config(sshd_server, "hk", known_host=other))
    assert caught.value.code == "host_key_mismatch"
    assert sshd_server.client_key.private_openssh[40:80] not in str(caught.value)


def test_pinning_by_fingerprint(sshd_server: SshServer) -> None:
    import paramiko

    blob = paramiko.Ed25519Key(data=__import__("base64").b64decode(sshd_server.host_key.public_line.split()[1]))
    session = connect(sftp_config(sshd_server, "fp", known_host=fingerprint(blob)))
    session.close()


def test_wrong_password_and_wrong_key_are_config_errors(sshd_server: SshServer) -> None:
    with pytest.raises(ConfigError, match="authentication failed") as caught:
        connect(sftp_config(sshd_server, "auth", secrets={"password": "wrong-Pa55"}))
    assert "wrong-Pa55" not in str(caught.value)
    with pytest.raises(ConfigError, match="authentication failed"):
        connect(sftp_config(sshd_server, "auth", secrets={"private_key": KeyPair.generate().private_openssh}))


def test_encrypted_key_needs_its_passphrase(sshd_server: SshServer) -> None:
    encrypted = sshd_server.client_key.encrypted("s3cret phrase")
    connect(
        sftp_config(sshd_server, "pp", secrets={"private_key": encrypted, "private_key_passphrase": "s3cret phrase"})
    ).close()
    with pytest.raises(ConfigError, match="passphrase"):
        connect(sftp_config(sshd_server, "pp", secrets={"private_key": encrypted}))
    with pytest.raises(ConfigError, match="could not be loaded"):
        connect(sftp_config(sshd_server, "pp", secrets={"private_key": encrypted, "private_key_passphrase": "nope"}))


def test_nothing_listening_is_transient(sshd_server: SshServer) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TransientError, match="cannot connect"):
        connect(sftp_config(sshd_server, "x", port=port))
