"""POLLER: read ready 3PL files from the inbound folder, hand them to the hub raw, then archive them.

A file is read only when ready (stable: size and mtime unchanged over `stable_seconds`, never empty; or its done
file is present), and handed over only when it did not change while being read. It is moved to `archive/` (or
`error/` with a `.reason` file when it cannot be parsed) on the poll after the one that handed it over, once the
hub committed its raw with the cursor (see `adapters.sftp_wms.ledger`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from adapters.sftp_wms.config import SftpWmsConfig
from adapters.sftp_wms.ledger import Handed, cursor_for, file_key, pending
from adapters.sftp_wms.parser import WmsFileReader
from adapters.sftp_wms.paths import join
from adapters.sftp_wms.remote import LocalFiles, RemoteEntry, RemoteFiles, RemoteGone
from hub.errors import RecordError
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Cursor, Page, ParseResult, RawMessage

log = logging.getLogger(__name__)
FilesFactory = Callable[[], RemoteFiles]
TEMP_MARKERS = (".part", ".tmp", ".filepart", ".partial", "~")


def default_files(config: SftpWmsConfig) -> FilesFactory:
    """Connect to the configured server (or open the local folder) for each poll or delivery."""
    if config.local_root is not None:
        root = Path(config.local_root)
        return lambda: LocalFiles(root)
    from adapters.sftp_wms.sftp import connect

    return lambda: connect(config)


class SftpPoller:
    """Shipment confirmations, stock snapshots and receipts from the 3PL's inbound folder (or, with `parse_with`,
    an EDI drop folder whose files go unread to an x12/edifact connection)."""

    capability: ClassVar[Capability] = Capability.POLLER

    def __init__(
        self,
        config: SftpWmsConfig,
        context: ConnectionContext,
        files: FilesFactory | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.context = context
        self.reader = WmsFileReader(config, context)
        self.files = files or default_files(config)
        self.clock = clock
        self.sleep = sleep
        self._observed: dict[str, tuple[int, int, float]] = {}  # name -> size, mtime, first seen so

    def parse(self, message: RawMessage) -> ParseResult:
        return self.reader.parse(message)

    def poll(self, cursor: Cursor, *, limit: int) -> Page:
        files = self.files()
        try:
            inbound = self.config.inbound_folder
            listing = self._listing(files, inbound)
            for handed in pending(cursor):
                self._settle(files, handed, listing.get(handed.name))
                listing.pop(handed.name, None)
            ready = self._ready(files, listing)
            budget = max(1, min(limit, self.config.page_files))
            messages: list[RawMessage] = []
            handed_now: list[Handed] = []
            for entry in ready:
                if len(messages) == budget:
                    break
                got = self._read(files, entry)
                if got is None:
                    continue
                message, handed = got
                messages.append(message)
                handed_now.append(handed)
            has_more = len(messages) == budget and len(ready) > budget
            return Page(messages, cursor_for(handed_now, cursor), has_more=has_more)
        finally:
            files.close()

    # -- what is there and what is ready --------------------------------------------------------------------
    def _listing(self, files: RemoteFiles, folder: str) -> dict[str, RemoteEntry]:
        try:
            return {e.name: e for e in files.list(folder) if e.is_file}
        except RemoteGone:
            files.mkdir(folder)
            return {}

    def _wanted(self, entry: RemoteEntry) -> bool:
        name = entry.name
        if name.startswith(".") or name.endswith(TEMP_MARKERS) or name.endswith(self.config.done_suffix):
            return False
        return self.config.parse_with is not None or self.config.rule_for(name) is not None

    def _ready(self, files: RemoteFiles, listing: dict[str, RemoteEntry]) -> list[RemoteEntry]:
        wanted = sorted((e for e in listing.values() if self._wanted(e)), key=lambda e: (e.mtime, e.name))
        if self.config.ready == "done_file":
            return [e for e in wanted if f"{e.name}{self.config.done_suffix}" in listing and e.size > 0]
        ready, waiting = self._stable(wanted)
        if waiting:  # look once more after the interval, so a quiet file need not wait for the next poll
            left = max(self.config.stable_seconds - (self.clock() - self._observed[w.name][2]) for w in waiting)
            if left > 0:
                self.sleep(left)
            again = self._listing(files, self.config.inbound_folder)
            more, _ = self._stable([again[w.name] for w in waiting if w.name in again])
            ready = sorted(ready + more, key=lambda e: (e.mtime, e.name))
        return ready

    def _stable(self, entries: list[RemoteEntry]) -> tuple[list[RemoteEntry], list[RemoteEntry]]:
        now = self.clock()
        ready, waiting = [], []
        for e in entries:
            seen = self._observed.get(e.name)
            if seen is None or seen[:2] != (e.size, e.mtime):
                self._observed[e.name] = (e.size, e.mtime, now)
                waiting.append(e)
            elif e.size > 0 and now - seen[2] >= self.config.stable_seconds:
                ready.append(e)
            else:
                waiting.append(e)
        return ready, waiting

    # -- reading --------------------------------------------------------------------------------------------
    def _read(self, files: RemoteFiles, entry: RemoteEntry) -> tuple[RawMessage, Handed] | None:
        path = join(self.config.inbound_folder, entry.name)
        try:
            with files.open(path, "rb") as handle:
                body = handle.read()
            after = files.stat(path)
        except RemoteGone:
            log.info(
                "%s: %s went away while being read; it is taken up under its new name", self.context.connection, path
            )
            self._observed.pop(entry.name, None)
            return None
        if after is None or (after.size, after.mtime) != (entry.size, entry.mtime) or len(body) != entry.size:
            log.info("%s: %s changed while being read; read again when it is stable", self.context.connection, path)
            self._observed.pop(entry.name, None)
            return None
        sha = hashlib.sha256(body).hexdigest()
        key = file_key(entry.name, entry.size, entry.mtime, sha)
        hand_to = self.config.parse_with
        message = RawMessage(
            body=body,
            connection=hand_to or self.context.connection,
            transport="sftp" if hand_to else "poll",  # "sftp": the receiving connection's file parser reads it
            transport_id=key,
            filename=entry.name,
            headers={"sftp_path": path, "size": str(entry.size), "mtime": str(entry.mtime), "sha256": sha},
            tenant=self.context.tenant,
        )
        to, why = "archive", None
        try:
            if hand_to is None:  # a drop folder's files are judged (and acknowledged) by the receiving connection
                self.reader.parse(message)
        except RecordError as exc:
            to, why = "error", f"{exc.code}: {exc.message}"
        self._observed.pop(entry.name, None)
        return message, Handed(entry.name, entry.size, entry.mtime, sha, to, why)

    # -- after the hub committed ----------------------------------------------------------------------------
    def _settle(self, files: RemoteFiles, handed: Handed, entry: RemoteEntry | None) -> None:
        """Move a committed file to archive/ or error/ (with its reason); gone or replaced files are left alone."""
        if entry is None or (entry.size, entry.mtime) != (handed.size, handed.mtime):
            return
        folder = self.config.archive_folder if handed.to == "archive" else self.config.error_folder
        files.mkdir(folder)
        target = join(folder, handed.name)
        if files.stat(target) is not None:
            target = join(folder, f"{handed.name}.{handed.sha256[:12]}")
        try:
            files.rename(join(self.config.inbound_folder, handed.name), target)
        except RemoteGone:
            return
        if handed.to == "error":
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            text = f"{handed.why or 'rejected'}\nfile: {handed.key}\nmoved: {stamp}\n"
            write_atomically(files, f"{target}.reason", text.encode("utf-8"), self.config.temp_suffix)
        done = join(self.config.inbound_folder, f"{handed.name}{self.config.done_suffix}")
        if self.config.ready == "done_file" and files.stat(done) is not None:
            with contextlib.suppress(RemoteGone):
                files.remove(done)


def write_atomically(files: RemoteFiles, path: str, data: bytes, temp_suffix: str) -> None:
    """Write under a temporary name, then rename: a reader never sees a partial file under the final name."""
    temp = f"{path}{temp_suffix}"
    with files.open(temp, "wb") as handle:
        handle.write(data)
    files.rename(temp, path)
