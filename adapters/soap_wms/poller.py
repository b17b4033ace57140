"""POLLER: despatches (-> Shipment) or stock levels (-> StockLevel, applied as a partial snapshot) after a cursor.

The cursor's lower bound is a record time (ISO 8601, UTC) read closed (`>=`), with the ids already taken at
that time; a poll stops at its start minus `lag_seconds`. One raw message per despatch; one per poll page of
stock levels. Parsing maps the stored rows with the profile's mapping: pure, replayable.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import ValidationError
from zeep.transports import Transport

from adapters.soap_wms.config import SoapWmsConfig
from adapters.soap_wms.dialects import Record
from adapters.soap_wms.wms import SoapWms
from hub.errors import DecodeError, Location, ValidationFailed
from hub.model.shipment import Shipment
from hub.model.stock import StockLevel
from hub.plugins.capabilities import Capability
from hub.plugins.manifest import ConnectionContext
from hub.plugins.messages import Cursor, Page, ParseResult, RawMessage

STREAM_HEADER = "x-hub-soap-stream"
FETCHED_HEADER = "x-hub-soap-fetched-at"


def stamp(when: datetime) -> str:
    """A cursor value: sortable as text, exact to the microsecond."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def unstamp(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class SoapPoller:
    capability: ClassVar[Capability] = Capability.POLLER

    def __init__(
        self,
        config: SoapWmsConfig,
        context: ConnectionContext,
        *,
        transport: Transport | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.context = context
        self.clock = clock
        self.wms = SoapWms(config, transport=transport)
        self.stream = self.wms.profile.despatches if config.poll == "despatches" else self.wms.profile.stock

    # -- receiving ------------------------------------------------------------------------------------------
    def poll(self, cursor: Cursor, *, limit: int) -> Page:
        now = self.clock()
        upper = now - timedelta(seconds=self.config.lag_seconds)
        lower = unstamp(cursor.lower) if cursor.lower else None
        fresh: list[Record] = []
        has_more = False
        for record in self.wms.dialect.records(self.stream, lower):
            if lower is not None and (record.at < lower or (record.at == lower and record.id in cursor.seen_at_lower)):
                continue
            if record.at > upper:
                break  # ascending: the rest is newer still, for the next poll
            if len(fresh) == limit:
                has_more = True
                break
            fresh.append(record)
        next_cursor = cursor.advance([(stamp(r.at), r.id) for r in fresh])
        return Page(self._messages(fresh, now), next_cursor, has_more=has_more)

    def _messages(self, fresh: list[Record], now: datetime) -> list[RawMessage]:
        if not fresh:
            return []
        stream = self.config.poll
        headers = {STREAM_HEADER: stream, FETCHED_HEADER: stamp(now)}
        batches = [[r] for r in fresh] if stream == "despatches" else [fresh]
        out = []
        for batch in batches:
            body, content_type = self.wms.dialect.encode([row for r in batch for row in r.rows])
            first, last = batch[0], batch[-1]
            ident = f"{first.id}@{stamp(first.at)}" + (f"..{last.id}@{stamp(last.at)}" if len(batch) > 1 else "")
            suffix = "csv" if content_type == "text/csv" else "json"
            out.append(
                RawMessage(
                    body=body,
                    connection=self.context.connection,
                    transport="poll",
                    transport_id=f"{stream}:{ident}",
                    filename=f"{stream}-{first.id}.{suffix}",
                    content_type=content_type,
                    headers=headers,
                    tenant=self.context.tenant,
                )
            )
        return out

    # -- parsing ----------------------------------------------------------------------------------------------
    def parse(self, message: RawMessage) -> ParseResult:
        name = message.filename or message.transport_id or f"({self.config.poll})"
        rows = self.wms.dialect.decode(message.body, name)
        if not rows:
            raise DecodeError(f"{name}: no records", code="soap_empty", location=Location(file=name))
        fetched = _header(message.headers, FETCHED_HEADER)
        context = {
            "channel": self.context.channel,
            "connection": self.context.connection,
            "node": self.config.node,
            "fetched_at": fetched,
        }
        source = {"context": context, "rows": rows}
        mapping = self.wms.profile.mapping(self.stream.mapping)
        mapped = mapping.apply(source)
        try:
            if self.config.poll == "despatches":
                mapped["parcels"] = _parcels(mapped.get("parcels") or [])
                documents: list[Any] = [Shipment.model_validate({**mapped, "tenant": self.context.tenant})]
            else:
                levels = mapped.get("levels") or []
                documents = [StockLevel.model_validate({**lv, "tenant": self.context.tenant}) for lv in levels]
        except ValidationError as exc:
            err = exc.errors(include_input=False, include_url=False)[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ValidationFailed(
                f"{name}: {where}: {err['msg']}", location=Location(file=name, field=where)
            ) from None
        return ParseResult(documents=documents, format=f"soap_wms:{self.wms.profile.name}:{self.config.poll}")


def _parcels(parcels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parcels as mapped, less a tracking without a number (a despatch not yet tracked) and empty parcels."""
    out = []
    for parcel in parcels:
        tracking = parcel.get("tracking") or {}
        if not tracking.get("number"):
            parcel = {k: v for k, v in parcel.items() if k != "tracking"}
        elif not tracking.get("carrier"):
            parcel = {**parcel, "tracking": {**tracking, "carrier": "unknown"}}
        if parcel:
            out.append(parcel)
    return out


def _header(headers: Any, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None
