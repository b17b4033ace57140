"""ORDER_SINK: one order file per released order, written under a temporary name and renamed when complete."""

from __future__ import annotations

import re
from typing import ClassVar

from adapters.sftp_wms.config import SftpWmsConfig
from adapters.sftp_wms.layouts import load_layout, write_file
from adapters.sftp_wms.paths import check_name, join
from adapters.sftp_wms.poller import FilesFactory, default_files, write_atomically
from hub.errors import ConfigError, Location, MappingError
from hub.mapping import load_named_mapping
from hub.outfiles import safe
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import OutboundMessage

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class SftpOrderSink:
    """Releases orders to the 3PL as files in its layout; a re-delivery rewrites the same file name."""

    capability: ClassVar[Capability] = Capability.ORDER_SINK

    def __init__(self, config: SftpWmsConfig, context: ConnectionContext, files: FilesFactory | None = None) -> None:
        if config.order_layout is None:
            raise ConfigError(
                f"connection {context.connection!r}: order_layout is not set; no order files can be written"
            )
        self.config = config
        self.context = context
        self.spec = load_layout(config.order_layout)
        self.mapping = load_named_mapping(self.spec.mapping)
        self.files = files or default_files(config)

    def file_name(self, message: OutboundMessage) -> str:
        values = {
            "external_id": str(message.body.get("external_id") or ""),
            "order_id": str(message.body.get("id") or ""),
            "node": str(message.body.get("node") or ""),
            "key": message.idempotency_key,
        }
        return check_name(_PLACEHOLDER.sub(lambda m: safe(values[m.group(1)] or "none"), self.config.order_filename))

    def render(self, message: OutboundMessage) -> bytes:
        what = f"order release {message.idempotency_key}"
        try:
            mapped = self.mapping.apply(dict(message.body))
        except MappingError as exc:
            raise MappingError(f"{what}: {exc.message}", location=Location(field=exc.location.field)) from None
        return write_file(self.spec, mapped, what)

    def deliver(self, message: OutboundMessage) -> None:
        data = self.render(message)
        name = self.file_name(message)
        files = self.files()
        try:
            files.mkdir(self.config.outbound_folder)
            write_atomically(files, join(self.config.outbound_folder, name), data, self.config.temp_suffix)
        finally:
            files.close()
