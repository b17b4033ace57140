"""Reading an outbound message body: typed fields by dotted path, errors naming the missing or bad field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.errors import Location, MappingError


class BodyReader:
    """One outbound message body: required fields raise MappingError naming the field (kind.path)."""

    def __init__(self, body: Mapping[str, Any], kind: str) -> None:
        self.body = body
        self.kind = kind

    def fail(self, path: str, message: str) -> MappingError:
        return MappingError(f"{self.kind} message: {path}: {message}", code="bad_body", location=Location(field=path))

    def get(self, path: str, default: Any = None) -> Any:
        """A dotted path into the body ("order.ship_to.name"); `default` when any part is absent."""
        value: Any = self.body
        for part in path.split("."):
            if not isinstance(value, Mapping) or part not in value or value[part] is None:
                return default
            value = value[part]
        return value

    def require(self, path: str) -> Any:
        value = self.get(path)
        if value is None or value == "" or value == []:
            raise self.fail(path, "is missing")
        return value

    def decimal(self, path: str, value: Any = None) -> Decimal:
        raw = self.require(path) if value is None else value
        try:
            number = Decimal(str(raw))
        except InvalidOperation:
            raise self.fail(path, f"{raw!r} is not a number") from None
        if not number.is_finite():
            raise self.fail(path, f"{raw!r} is not a number")
        return number

    def moment(self, path: str, value: Any = None) -> datetime:
        raw = self.require(path) if value is None else value
        if isinstance(raw, datetime):
            return raw
        try:
            return datetime.fromisoformat(str(raw))
        except ValueError:
            raise self.fail(path, f"{raw!r} is not an ISO 8601 date-time") from None

    def lines(self, path: str) -> list[tuple[str, Mapping[str, Any]]]:
        """The list at `path` as (its path, line object) pairs; each must be an object with a line_no."""
        out: list[tuple[str, Mapping[str, Any]]] = []
        for index, line in enumerate(self.require(path)):
            where = f"{path}.{index}"
            if not isinstance(line, Mapping):
                raise self.fail(where, "is not an object")
            if line.get("line_no") is None:
                raise self.fail(f"{where}.line_no", "is missing")
            out.append((where, line))
        return out
