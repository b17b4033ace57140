"""How a service frames its data: `peoplevox` (login session, CSV inside IntegrationResponse) or `document`.

A dialect sends one outbound step (the mapped arguments of an operation), reads a stream's records in
ascending (time, id) order from a lower bound, and turns a stored raw message back into rows (pure).
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from zeep.helpers import serialize_object

from adapters.soap_wms.client import SoapClient
from adapters.soap_wms.config import SoapWmsConfig
from adapters.soap_wms.faults import SessionExpired, classify
from adapters.soap_wms.profile import Profile, Step, Stream
from hub.errors import ConfigError, DecodeError, Location, RecordError

MAX_LIMIT = 10_000


@dataclass(frozen=True)
class Record:
    """One item of a stream: its id, its time (UTC) and the rows it is made of."""

    id: str
    at: datetime
    rows: list[dict[str, Any]]


class Dialect(Protocol):
    def send(self, step: Step, body: Mapping[str, Any], *, what: str) -> None: ...

    def records(self, stream: Stream, since: datetime | None) -> Iterator[Record]: ...

    def encode(self, rows: list[dict[str, Any]]) -> tuple[bytes, str]: ...

    def decode(self, body: bytes, name: str) -> list[dict[str, Any]]: ...


def parse_time(value: Any, stream: Stream, *, where: str) -> datetime:
    """A stream record's time as an aware UTC datetime; DecodeError naming the field otherwise."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value or "").strip()
    try:
        if stream.time_format:
            return datetime.strptime(text, stream.time_format).replace(tzinfo=UTC)
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DecodeError(
            f"{where}: {stream.time_field} {text!r} is not a time", location=Location(field=stream.time_field)
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _text(value: Any) -> Any:
    if isinstance(value, datetime):  # naive: UTC, as parse_time reads it (not the machine's local time)
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value


# -- peoplevox ---------------------------------------------------------------------------------------------


class PeoplevoxDialect:
    """Authenticate (base64 password) -> `clientId,sessionId` in Detail -> UserSessionCredentials header.

    A result with ResponseId other than 0 is a failure whose Detail the profile's rules classify; a session
    the service no longer knows is renewed once per call.
    """

    def __init__(self, config: SoapWmsConfig, profile: Profile, client: Callable[[], SoapClient]) -> None:
        self.config = config
        self.profile = profile
        self._client = client
        self._session: tuple[str, str] | None = None

    def _login(self) -> tuple[str, str]:
        config = self.config
        if not (config.client_id and config.username and config.password):
            raise ConfigError("Peoplevox login needs client_id, username and password", code="soap_credentials")
        password = base64.b64encode(config.password.get_secret_value().encode("utf-8")).decode("ascii")
        operation = self.profile.session.login or "Authenticate"
        result = self._client().call(
            operation, what=f"{operation}", clientId=config.client_id, username=config.username, password=password
        )
        self._check(result, what=operation, default="config")
        parts = str(result.Detail or "").split(",")
        if len(parts) < 2 or not parts[1].strip():
            raise ConfigError(f"{operation}: the answer holds no session", code="soap_no_session")
        self._session = (parts[0].strip(), parts[1].strip())
        return self._session

    def _check(self, result: Any, *, what: str, default: str) -> None:
        response_id = getattr(result, "ResponseId", None)
        if response_id is None:
            raise DecodeError(f"{what}: the answer has no ResponseId", code="soap_shape")
        if response_id == 0:
            return
        statuses = getattr(getattr(result, "Statuses", None), "IntegrationStatusResponse", None) or []
        refused = [s.Reference for s in statuses if s is not None and s.Status == "Error" and s.Reference]
        raise classify(
            self.profile.faults,
            code=f"ResponseId {response_id}",
            text=str(result.Detail or ""),
            default=default,
            what=what,
            reference=refused[0] if refused else None,
        )

    def call(self, operation: str, *, what: str, **kwargs: Any) -> Any:
        for attempt in (1, 2):
            client_id, session = self._session or self._login()
            header = {self.profile.session.header: {"UserId": None, "ClientId": client_id, "SessionId": session}}
            result = self._client().call(operation, what=what, headers=header, **kwargs)
            try:
                self._check(result, what=what, default="record")
            except SessionExpired:
                self._session = None
                if attempt == 2:
                    raise
                continue
            return result
        raise AssertionError("unreachable")

    def send(self, step: Step, body: Mapping[str, Any], *, what: str) -> None:
        mapped = self.profile.mapping(step.mapping).apply(body)
        rows = mapped.get("rows") or []
        if not rows:
            raise RecordError(f"{what}: mapping {step.mapping} produced no rows", code="soap_nothing_to_send")
        csv_data = write_csv(step.columns or list(rows[0]), rows)
        request = {"TemplateName": step.template, "CsvData": csv_data, "Action": step.action}
        self.call(step.operation, what=what, saveRequest=request)

    def records(self, stream: Stream, since: datetime | None) -> Iterator[Record]:
        clause = None
        if since is not None:
            s = since.astimezone(UTC)
            clause = f"{stream.time_field} >= DateTime({s.year},{s.month},{s.day},{s.hour},{s.minute},{s.second})"
        page, size, read = 1, self.config.page_size, 0
        group: list[dict[str, Any]] = []
        while True:
            request = {"TemplateName": stream.template, "PageNo": page, "ItemsPerPage": size, "SearchClause": clause}
            what = f"{stream.operation} {stream.template} page {page}"
            result = self.call(stream.operation, what=what, getRequest=request)
            rows = read_csv(str(result.Detail or "").encode("utf-8"), what)
            for row in rows:
                if group and row.get(stream.id_field) != group[0].get(stream.id_field):
                    yield self._record(stream, group, what)
                    group = []
                group.append(row)
            read += len(rows)
            if not rows or len(rows) < size or read >= int(result.TotalCount or 0):
                break
            page += 1
        if group:
            yield self._record(stream, group, what)

    @staticmethod
    def _record(stream: Stream, rows: list[dict[str, Any]], what: str) -> Record:
        ident = str(rows[0].get(stream.id_field) or "").strip()
        if not ident:
            raise DecodeError(f"{what}: a row has no {stream.id_field}", location=Location(field=stream.id_field))
        return Record(ident, parse_time(rows[0].get(stream.time_field), stream, where=what), rows)

    def encode(self, rows: list[dict[str, Any]]) -> tuple[bytes, str]:
        return write_csv(list(rows[0]), rows).encode("utf-8"), "text/csv"

    def decode(self, body: bytes, name: str) -> list[dict[str, Any]]:
        return read_csv(body, name)


def write_csv(columns: list[str], rows: list[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _text(row.get(c)) for c in columns])
    return out.getvalue()


def read_csv(body: bytes, name: str) -> list[dict[str, Any]]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DecodeError(f"{name}: CSV data is not UTF-8", code="soap_bad_csv", location=Location(file=name)) from None
    text = text.lstrip("\r\n")
    if not text.strip():
        return []
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise DecodeError(
                f"{name}: CSV line {number} has {len(values)} value(s), the header {len(header)}",
                code="soap_bad_csv",
                location=Location(file=name, line=number),
            )
        rows.append(dict(zip(header, values, strict=True)))
    return rows


# -- document ----------------------------------------------------------------------------------------------


class DocumentDialect:
    """Structured elements; the API key travels in the profile's SOAP header on every call."""

    def __init__(self, config: SoapWmsConfig, profile: Profile, client: Callable[[], SoapClient]) -> None:
        self.config = config
        self.profile = profile
        self._client = client

    def _headers(self) -> dict[str, Any]:
        session = self.profile.session
        if session.key_field is None:
            return {}
        if self.config.api_key is None:
            raise ConfigError(f"profile {self.profile.name} needs `api_key`", code="soap_credentials")
        return {session.header: {session.key_field: self.config.api_key.get_secret_value()}}

    def send(self, step: Step, body: Mapping[str, Any], *, what: str) -> None:
        arguments = self.profile.mapping(step.mapping).apply(body)
        self._client().call(step.operation, what=what, headers=self._headers(), **arguments)

    def records(self, stream: Stream, since: datetime | None) -> Iterator[Record]:
        limit, given = self.config.page_size, set[tuple[str, datetime]]()
        while True:
            what = f"{stream.operation} since {since.isoformat() if since else 'the start'}"
            result = self._client().call(stream.operation, what=what, headers=self._headers(), Since=since, Limit=limit)
            items = serialize_object(result)
            if isinstance(items, dict):
                items = items.get(stream.items or "", [])
            items = [_text(dict(i)) for i in items or []]
            fresh = []
            for item in items:
                ident = str(item.get(stream.id_field) or "").strip()
                if not ident:
                    raise DecodeError(f"{what}: an item has no {stream.id_field}", code="soap_shape")
                at = parse_time(item.get(stream.time_field), stream, where=what)
                if (ident, at) not in given:
                    fresh.append(Record(ident, at, [item]))
            yield from fresh
            given |= {(r.id, r.at) for r in fresh}
            if len(items) < limit:
                return
            if fresh:
                since = fresh[-1].at
            elif limit < MAX_LIMIT:
                limit = min(limit * 2, MAX_LIMIT)  # a whole page at one time, all given: widen it
            else:
                raise DecodeError(f"{what}: more than {MAX_LIMIT} items share one time", code="soap_page_stuck")

    def encode(self, rows: list[dict[str, Any]]) -> tuple[bytes, str]:
        return json.dumps(rows, ensure_ascii=False, sort_keys=True).encode("utf-8"), "application/json"

    def decode(self, body: bytes, name: str) -> list[dict[str, Any]]:
        try:
            data = json.loads(body, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            raise DecodeError(f"{name}: not JSON", code="soap_bad_json", location=Location(file=name)) from None
        if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
            raise DecodeError(f"{name}: expected a JSON list of records", code="soap_bad_json")
        return data


DIALECTS: dict[str, type[PeoplevoxDialect] | type[DocumentDialect]] = {
    "peoplevox": PeoplevoxDialect,
    "document": DocumentDialect,
}
