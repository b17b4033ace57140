"""Read a 3PL file (shipment confirmations, stock snapshots, receipts) into canonical documents: pure, no I/O.

The file's name picks the inbound rule and so the layout; the layout reads records and names the mapping that
turns each record into a document of the mapping's `document` type.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ValidationError

from adapters.sftp_wms.config import SftpWmsConfig
from adapters.sftp_wms.layouts import LayoutSpec, SourceRecord, load_layout, read_records
from hub.errors import ConfigError, DecodeError, Location, MappingError, ValidationFailed
from hub.mapping import Mapping, load_named_mapping
from hub.model import Shipment, StockLevel, StockMovement
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Envelope, ParseResult, RawMessage

DOCUMENTS: dict[str, type[BaseModel]] = {
    "shipment": Shipment,
    "stock_level": StockLevel,
    "stock_movement": StockMovement,
}


def file_envelope_key(connection: str, name: str, body: bytes) -> str:
    """The pipeline dedups a file on connection, name and content (size is implied by the content hash)."""
    return f"sftp_wms|{connection}|{name[:200]}|{hashlib.sha256(body).hexdigest()}"


class UnknownFile(DecodeError):
    """No inbound rule of the connection matches the file's name."""

    code = "unknown_file"


class WmsFileReader:
    """Shared by the poller (which checks a file before it archives it) and the pipeline's parse step."""

    def __init__(self, config: SftpWmsConfig, context: ConnectionContext) -> None:
        self.config = config
        self.context = context
        self._loaded: dict[str, tuple[LayoutSpec, Mapping]] = {}
        for rule in config.inbound:  # fail at start-up, not on the first file
            self.layout(rule.layout)

    def layout(self, ref: str) -> tuple[LayoutSpec, Mapping]:
        if ref not in self._loaded:
            spec = load_layout(ref)
            mapping = load_named_mapping(spec.mapping)
            if mapping.document not in DOCUMENTS:
                raise ConfigError(
                    f"layout {ref}: mapping {spec.mapping} makes {mapping.document!r} documents; "
                    f"inbound files make one of {', '.join(sorted(DOCUMENTS))}"
                )
            self._loaded[ref] = (spec, mapping)
        return self._loaded[ref]

    def parse(self, message: RawMessage) -> ParseResult:
        name = message.filename or message.transport_id or "(unnamed)"
        rule = self.config.rule_for(name)
        if rule is None:
            patterns = ", ".join(r.pattern for r in self.config.inbound) or "none configured"
            raise UnknownFile(f"{name}: matches no inbound pattern ({patterns})", location=Location(file=name))
        spec, mapping = self.layout(rule.layout)
        model = DOCUMENTS[mapping.document]
        documents = [self._document(r, mapping, model, name) for r in read_records(spec, message.body, name)]
        # The file is claimed once by name and content: the same file dropped again adds nothing.
        envelope = Envelope(key=file_envelope_key(self.context.connection, name, message.body), documents=documents)
        return ParseResult(format=spec.layout, envelopes=[envelope])  # the inbox format column is short

    def _document(self, record: SourceRecord, mapping: Mapping, model: type[BaseModel], name: str) -> BaseModel:
        try:
            mapped: dict[str, Any] = mapping.apply(record.data)
        except MappingError as exc:
            raise MappingError(
                f"{name}: {exc.message}", location=replace(exc.location, file=name, line=record.line)
            ) from None
        mapped["tenant"] = self.context.tenant
        if "source" in model.model_fields:
            mapped["source"] = self.context.channel
        if "node" in model.model_fields and not mapped.get("node") and self.config.node:
            mapped["node"] = self.config.node
        try:
            return model.model_validate(mapped)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_input=False)
            where = ".".join(str(p) for p in errors[0]["loc"])
            more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
            raise ValidationFailed(
                f"{name}: line {record.line}: {model.__name__} {where}: {errors[0]['msg']}{more}",
                location=Location(file=name, line=record.line, field=where or None),
            ) from None
