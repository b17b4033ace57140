"""The reader over one inbound transaction set: finds segments, reads typed elements (numbers, dates,
SKUs, N1 addresses) and raises mapping errors naming the segment and element to blame."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from adapters.x12.envelope import TransactionSet
from adapters.x12.inbound.errors import SetMappingError, SetValidationError
from adapters.x12.inbound.parties import PartyLoop
from adapters.x12.inbound.values import override, parse_date, parse_time
from adapters.x12.syntax import Segment
from hub.errors import Location
from hub.geo.countries import ALPHA3_TO_ALPHA2
from hub.model.ids import DEFAULT_TENANT
from hub.model.party import Address, Party
from hub.partners.profile import PartnerProfile
from hub.validation import first_problem

M = TypeVar("M", bound=BaseModel)

DEFAULT_SKU_QUALIFIER = "VP"
DEFAULT_COUNTRY = "US"
EPOCH_2000 = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class MapSettings:
    """What a mapping needs besides the set and the partner: defaults from the connection config."""

    currency: str = "USD"
    tenant: str = DEFAULT_TENANT
    zone: tzinfo = UTC
    file: str | None = None


class SetReader:
    """One transaction set being mapped: lookups, typed element reads, and errors that say where."""

    def __init__(self, ts: TransactionSet, partner: PartnerProfile, settings: MapSettings | None = None) -> None:
        self.ts = ts
        self.partner = partner
        self.settings = settings or MapSettings()
        self._ordinals = {id(seg): index + 1 for index, seg in enumerate(ts.segments)}

    # -- errors -----------------------------------------------------------------------------------------
    def set_position(self, seg: Segment) -> int:
        """Position of `seg` in the set, ST = 1 (AK302)."""
        return self._ordinals.get(id(seg), 0)

    def _location(self, seg: Segment, tag: str, element: int | None, component: int | None) -> Location:
        name = f"{tag}{element:02d}" if element else None
        if name and component:
            name = f"{name}-{component}"
        return Location(file=self.settings.file, segment=tag, position=seg.position or None, field=name)

    def error(
        self,
        code: str,
        message: str,
        seg: Segment | None = None,
        element: int | None = None,
        *,
        component: int | None = None,
        element_code: str = "7",
    ) -> SetMappingError:
        """A mapping error about `seg` (default: the ST) and optionally one of its elements."""
        seg = seg if seg is not None else self.ts.segments[0]
        value = seg.get(element) if element else ""
        return SetMappingError(
            f"{self.ts.set_id} {self.ts.control_number}: {message}",
            code=code,
            location=self._location(seg, seg.tag, element, component),
            segment_tag=seg.tag,
            set_position=self.set_position(seg),
            element=element,
            component=component,
            value=value,
            element_code=element_code,
        )

    def missing_segment(self, code: str, tag: str, message: str, *, near: Segment | None = None) -> SetMappingError:
        """A mandatory segment (for the mapping) is absent: AK304 code 3, reported where it was expected."""
        near = near if near is not None else self.ts.segments[-1]
        return SetMappingError(
            f"{self.ts.set_id} {self.ts.control_number}: {message}",
            code=code,
            location=self._location(near, tag, None, None),
            segment_tag=tag,
            set_position=self.set_position(near),
            segment_code="3",
        )

    def build(self, model: type[M], seg: Segment | None = None, **data: Any) -> M:
        """`model(**data)`, a pydantic failure becoming a SetValidationError about `seg`."""
        try:
            return model(**data)
        except ValidationError as exc:
            where, message = first_problem(exc)
            seg = seg if seg is not None else self.ts.segments[0]
            return_error = SetValidationError(
                f"{self.ts.set_id} {self.ts.control_number}: {model.__name__} {where}: {message}",
                code="invalid_document",
                location=self._location(seg, seg.tag, None, None),
                segment_tag=seg.tag,
                set_position=self.set_position(seg),
            )
            raise return_error from None

    # -- segments -----------------------------------------------------------------------------------------
    def first(self, tag: str, segments: Sequence[Segment] | None = None) -> Segment | None:
        return next((s for s in (segments if segments is not None else self.ts.body) if s.tag == tag), None)

    def all(self, tag: str, segments: Sequence[Segment] | None = None) -> list[Segment]:
        return [s for s in (segments if segments is not None else self.ts.body) if s.tag == tag]

    def require(self, tag: str, code: str, what: str, segments: Sequence[Segment] | None = None) -> Segment:
        seg = self.first(tag, segments)
        if seg is None:
            raise self.missing_segment(code, tag, f"{what} ({tag}) is missing")
        return seg

    # -- elements -----------------------------------------------------------------------------------------
    def text(self, seg: Segment, index: int, *, code: str | None = None, what: str = "") -> str:
        """Element `index` stripped; when `code` is given it is required (AK4 code 1 when absent)."""
        value = seg.get(index).strip()
        if not value and code:
            raise self.error(code, f"{what or f'{seg.tag}{index:02d}'} is missing", seg, index, element_code="1")
        return value

    def decimal(self, seg: Segment, index: int, *, code: str, what: str, required: bool = True) -> Decimal | None:
        """Element `index` as an exact Decimal (R type); None when absent and not required."""
        raw = self.text(seg, index, code=code if required else None, what=what)
        if not raw:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise self.error(code, f"{what} {raw!r} is not a number", seg, index, element_code="6")
        return value

    def positive(self, seg: Segment, index: int, *, code: str, what: str) -> Decimal:
        value = self.decimal(seg, index, code=code, what=what)
        assert value is not None
        if value <= 0:
            raise self.error(code, f"{what} must be positive, got {seg.get(index).strip()}", seg, index)
        return value

    def moment(
        self, seg: Segment, index: int, *, time_index: int | None = None, code: str, what: str, required: bool = True
    ) -> datetime | None:
        """Date element `index` (plus time element `time_index`) as an aware datetime in the connection's zone."""
        raw = self.text(seg, index, code=code if required else None, what=what)
        if not raw:
            return None
        day = parse_date(raw)
        if day is None:
            raise self.error(code, f"{what} {raw!r} is not a date (CCYYMMDD)", seg, index, element_code="8")
        at = time(0)
        if time_index is not None and seg.get(time_index).strip():
            parsed = parse_time(seg.get(time_index))
            if parsed is None:
                raise self.error(
                    code, f"{what} time {seg.get(time_index)!r} is not a time", seg, time_index, element_code="9"
                )
            at = parsed
        return datetime.combine(day, at, tzinfo=self.settings.zone)

    def group_moment(self) -> datetime:
        """When the partner's translator made the group (GS04/GS05), else the interchange (ISA09/ISA10)."""
        group = self.ts.group
        day = parse_date(group.date) or parse_date(group.interchange.date) or date(2000, 1, 1)
        at = parse_time(group.time) or parse_time(group.interchange.time) or time(0)
        return datetime.combine(day, at, tzinfo=self.settings.zone)

    def revision_stamp(self) -> int:
        """A revision for a replacing document: minutes since 2000-01-01 of the group, so later replaces win."""
        minutes = int((self.group_moment() - EPOCH_2000).total_seconds() // 60)
        return max(minutes, 2)

    # -- business values ----------------------------------------------------------------------------------
    def sku(self, seg: Segment, ids: dict[str, str], first: int) -> str:
        """The hub SKU among a line's product ids: the profile's sku_qualifier (default VP), then
        `overrides.sku_fallback` qualifiers in order."""
        wanted = [self.partner.sku_qualifier or DEFAULT_SKU_QUALIFIER, *override(self.partner, "", "sku_fallback", [])]
        for qualifier in wanted:
            if ids.get(qualifier):
                return ids[qualifier]
        if not ids:
            raise self.error("sku_missing", "the line has no product id", seg, first, element_code="1")
        raise self.error(
            "sku_missing",
            f"the line has no {wanted[0]} product id (the partner's sku_qualifier); it has {', '.join(ids)}",
            seg,
            first,
        )

    def convert(self, quantity: Decimal, uom: str | None) -> tuple[Decimal, str, Decimal]:
        """A partner quantity in the hub's unit, the unit, and the factor applied (1 when not converted)."""
        converted, unit = self.partner.convert(quantity, uom)
        factor = converted / quantity if quantity else Decimal(1)
        return converted, (unit or "EA").upper(), factor

    def currency(self, segments: Sequence[Segment]) -> str:
        """CUR02 of the header, else the partner's currency, else the connection's default."""
        cur = self.first("CUR", segments)
        if cur is not None and cur.get(2).strip():
            return cur.get(2).strip().upper()
        return (self.partner.currency or self.settings.currency).upper()

    def address(self, loop: PartyLoop) -> Address:
        """An N1 loop as a postal address; the country is N404, else `overrides.default_country`, else US."""
        n4 = loop.n4
        country = n4.get(4).strip().upper() if n4 is not None else ""
        if len(country) == 3:
            country = ALPHA3_TO_ALPHA2.get(country, country)
        if not country:
            country = str(override(self.partner, "", "default_country", DEFAULT_COUNTRY)).upper()
        if len(country) != 2 or not country.isalpha():
            assert n4 is not None
            raise self.error("bad_country", f"country {country!r} is not an ISO 3166 code", n4, 4)
        name = loop.name or (loop.names[0] if loop.names else "") or loop.id or loop.code
        return self.build(
            Address,
            loop.n1,
            name=name,
            country_code=country,
            postal_code=(n4.get(3).strip() or None) if n4 is not None else None,
            city=(n4.get(1).strip() or None) if n4 is not None else None,
            region=(n4.get(2).strip() or None) if n4 is not None else None,
            line1=loop.street[0] if loop.street else None,
            line2=" ".join(loop.street[1:]) or None,
            phone=loop.contact("TE"),
            email=loop.contact("EM"),
        )

    def party(self, loop: PartyLoop) -> Party:
        return self.build(
            Party,
            loop.n1,
            name=loop.name or loop.id or loop.code,
            id=loop.id or None,
            qualifier=loop.id_qualifier or None,
        )

    def envelope_refs(self) -> dict[str, str]:
        """Where the set came from, for attributes: interchange, group and set control numbers, version."""
        group = self.ts.group
        return {
            "interchange": group.interchange.control_number,
            "group": group.control_number,
            "set": self.ts.control_number,
            "version": group.version,
        }
