"""The reader over one inbound EDIFACT message: finds segments, reads typed components (numbers, DTM dates,
SKUs, NAD addresses) and raises mapping errors naming the segment, element and component to blame."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from adapters.edifact.envelope import Message
from adapters.edifact.inbound.errors import MessageMappingError, MessageValidationError
from adapters.edifact.inbound.parties import PartyGroup
from adapters.edifact.inbound.values import envelope_moment, override, parse_moment
from adapters.edifact.syntax import INVALID_VALUE, MISSING, Segment
from hub.errors import Location
from hub.model.ids import DEFAULT_TENANT
from hub.model.party import Address, Party
from hub.partners.profile import PartnerProfile
from hub.validation import first_problem

M = TypeVar("M", bound=BaseModel)

EPOCH_2000 = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class MapSettings:
    """What a mapping needs besides the message and the partner: defaults from the connection config."""

    currency: str = "EUR"
    tenant: str = DEFAULT_TENANT
    zone: tzinfo = UTC
    file: str | None = None


class MessageReader:
    """One message being mapped: lookups, typed component reads, and errors that say where."""

    def __init__(self, message: Message, partner: PartnerProfile, settings: MapSettings | None = None) -> None:
        self.message = message
        self.partner = partner
        self.settings = settings or MapSettings()
        self.label = f"{message.type} {message.reference}"

    # -- errors -----------------------------------------------------------------------------------------
    def _location(self, seg: Segment, tag: str, element: int | None, component: int | None) -> Location:
        name = f"{tag}{element:02d}" if element else None
        if name and component and component > 1:
            name = f"{name}-{component}"
        return Location(file=self.settings.file, segment=tag, position=seg.position or None, field=name)

    def error(
        self,
        code: str,
        message: str,
        seg: Segment | None = None,
        element: int | None = None,
        *,
        component: int = 1,
        syntax_code: str = INVALID_VALUE,
    ) -> MessageMappingError:
        """A mapping error about `seg` (default: the UNH) and optionally one of its elements/components (the
        component is named for CONTRL only when the element is composite in the data, or it is not the first)."""
        seg = seg if seg is not None else self.message.segments[0]
        return MessageMappingError(
            f"{self.label}: {message}",
            code=code,
            location=self._location(seg, seg.tag, element, component),
            segment_tag=seg.tag,
            message_position=self.message.position_of(seg),
            element=element,
            component=component if element and (component > 1 or len(seg.element(element)) > 1) else None,
            value=seg.get(element, component) if element else "",
            syntax_code=syntax_code,
        )

    def missing_segment(self, code: str, tag: str, message: str, *, near: Segment | None = None) -> MessageMappingError:
        """A segment the mapping needs is absent: syntax code 13, reported where it was expected."""
        near = near if near is not None else self.message.segments[-1]
        return MessageMappingError(
            f"{self.label}: {message}",
            code=code,
            location=self._location(near, tag, None, None),
            segment_tag=tag,
            message_position=self.message.position_of(near),
            syntax_code=MISSING,
        )

    def build(self, model: type[M], seg: Segment | None = None, **data: Any) -> M:
        """`model(**data)`, a pydantic failure becoming a MessageValidationError about `seg`."""
        try:
            return model(**data)
        except ValidationError as exc:
            where, message = first_problem(exc)
            seg = seg if seg is not None else self.message.segments[0]
            error = MessageValidationError(
                f"{self.label}: {model.__name__} {where}: {message}",
                code="invalid_document",
                location=self._location(seg, seg.tag, None, None),
                segment_tag=seg.tag,
                message_position=self.message.position_of(seg),
            )
            raise error from None

    # -- segments -----------------------------------------------------------------------------------------
    def first(
        self, tag: str, segments: Sequence[Segment] | None = None, qualifier: str | None = None
    ) -> Segment | None:
        """The first `tag` segment (whose first component is `qualifier`, when given)."""
        for seg in segments if segments is not None else self.message.body:
            if seg.tag == tag and (qualifier is None or seg.get(1, 1).strip() == qualifier):
                return seg
        return None

    def all(self, tag: str, segments: Sequence[Segment] | None = None) -> list[Segment]:
        return [s for s in (segments if segments is not None else self.message.body) if s.tag == tag]

    def require(self, tag: str, code: str, what: str, segments: Sequence[Segment] | None = None) -> Segment:
        seg = self.first(tag, segments)
        if seg is None:
            raise self.missing_segment(code, tag, f"{what} ({tag}) is missing")
        return seg

    # -- components ---------------------------------------------------------------------------------------
    def text(self, seg: Segment, element: int, component: int = 1, *, code: str | None = None, what: str = "") -> str:
        """A component stripped; when `code` is given it is required (syntax code 13 when absent)."""
        value = seg.get(element, component).strip()
        if not value and code:
            where = what or f"{seg.tag}{element:02d}"
            raise self.error(code, f"{where} is missing", seg, element, component=component, syntax_code=MISSING)
        return value

    def decimal(
        self, seg: Segment, element: int, component: int = 1, *, code: str, what: str, required: bool = True
    ) -> Decimal | None:
        """A numeric component as an exact Decimal (the interchange's decimal mark accepted); None when absent."""
        raw = self.text(seg, element, component, code=code if required else None, what=what)
        if not raw:
            return None
        mark = self.message.interchange.service.decimal if self.message.interchange else "."
        try:
            value = Decimal(raw.replace(mark, ".") if mark != "." else raw.replace(",", "."))
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise self.error(code, f"{what} {raw!r} is not a number", seg, element, component=component)
        return value

    def moment(self, seg: Segment, *, code: str, what: str) -> datetime:
        """A DTM's C507 (2380 value in its 2379 format) as an aware datetime."""
        raw = self.text(seg, 1, 2, code=code, what=what)
        parsed = parse_moment(raw, seg.get(1, 3), self.settings.zone)
        if parsed is None:
            raise self.error(
                code, f"{what} {raw!r} is not a date in format {seg.get(1, 3) or '(none)'}", seg, 1, component=2
            )
        return parsed

    def dated(self, qualifier: str, segments: Sequence[Segment], *, what: str) -> datetime | None:
        """The DTM with 2005 `qualifier` among `segments`, read; None when there is none."""
        seg = self.first("DTM", segments, qualifier)
        return self.moment(seg, code="bad_date", what=what) if seg is not None else None

    def interchange_moment(self) -> datetime:
        """When the partner's translator made the interchange (UNB 0017/0019)."""
        interchange = self.message.interchange
        if interchange is None:
            return EPOCH_2000
        return envelope_moment(interchange.date, interchange.time, self.settings.zone)

    def revision_stamp(self) -> int:
        """A revision for a replacing document: minutes since 2000-01-01 of the interchange, so later replaces win."""
        minutes = int((self.interchange_moment() - EPOCH_2000).total_seconds() // 60)
        return max(minutes, 2)

    # -- business values ----------------------------------------------------------------------------------
    def sku(self, lin: Segment, number: str, ids: dict[str, str]) -> str:
        """The hub SKU of a line: the LIN item number, or the id of the profile's sku_qualifier (SA, IN, BP...)
        among LIN and PIA ids, then `overrides.sku_fallback` qualifiers in order."""
        fallback = [str(q) for q in override(self.partner, "", "sku_fallback", [])]
        wanted = [self.partner.sku_qualifier, *fallback] if self.partner.sku_qualifier else []
        for qualifier in wanted:
            if ids.get(qualifier):
                return ids[qualifier]
        if not wanted and number:
            return number
        if not ids or not wanted:  # the SKU is the LIN item number, which is missing
            others = f"; it has {', '.join(ids)} (set the partner's sku_qualifier to use one)" if ids else ""
            raise self.error(
                "sku_missing", f"the line has no item number (LIN 7140){others}", lin, 3, syntax_code=MISSING
            )
        raise self.error(
            "sku_missing",
            f"the line has no {wanted[0]} id (the partner's sku_qualifier); it has {', '.join(ids)}",
            lin,
            3,
            syntax_code=MISSING,
        )

    def convert(self, quantity: Decimal, uom: str | None) -> tuple[Decimal, str, Decimal]:
        """A partner quantity in the hub's unit, the unit, and the factor applied (1 when not converted)."""
        converted, unit = self.partner.convert(quantity, uom)
        factor = converted / quantity if quantity else Decimal(1)
        return converted, (unit or "EA").upper(), factor

    def currency(self, segments: Sequence[Segment]) -> str:
        """CUX C504 6345 of the header, else the partner's currency, else the connection's default."""
        cux = self.first("CUX", segments)
        if cux is not None and cux.get(1, 2).strip():
            return cux.get(1, 2).strip().upper()
        return (self.partner.currency or self.settings.currency).upper()

    def address(self, party: PartyGroup) -> Address:
        """A NAD as a postal address; the country is NAD 3207, else `overrides.default_country`."""
        country = party.country or str(override(self.partner, "", "default_country", "")).upper()
        if not country:
            raise self.error(
                "bad_country", f"party {party.code} names no country (NAD 3207)", party.nad, 9, syntax_code=MISSING
            )
        if len(country) != 2 or not country.isalpha():
            raise self.error("bad_country", f"country {country!r} is not an ISO 3166 code", party.nad, 9)
        street = party.street
        return self.build(
            Address,
            party.nad,
            name=party.name or party.id or party.code,
            country_code=country,
            postal_code=party.postal_code or None,
            city=party.city or None,
            region=party.region or None,
            line1=street[0] if street else None,
            line2=" ".join(street[1:]) or None,
            phone=party.contacts.get("TE"),
            email=party.contacts.get("EM"),
        )

    def party(self, party: PartyGroup) -> Party:
        return self.build(
            Party,
            party.nad,
            name=party.name or party.id or party.code,
            id=party.id or None,
            qualifier=("GLN" if party.agency == "9" else party.agency) or None,
        )

    def envelope_refs(self) -> dict[str, str]:
        """Where the message came from, for attributes: interchange and message references, directory."""
        interchange = self.message.interchange
        return {
            "interchange": interchange.control_reference if interchange is not None else "",
            "message": self.message.reference,
            "message_type": self.message.type,
            "version": self.message.directory,
        }
