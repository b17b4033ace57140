"""Render EDIFACT text: segments with the partner's service characters and whole interchanges (UNA, UNB..UNZ).

API (stable; the mapping helper codes against it):

    render_interchange(*, sender, recipient, reference, messages, syntax="UNOC:3", service=None,
                       created_at, test=False, una=True, application_reference=None,
                       ack_request=False, suffix=None) -> str

- `messages`: a sequence of `(message_reference, identifier, body_rows)`. `identifier` is the
  UNH S009, either text ("ORDRSP:D:96A:UN", "ORDRSP:D:96A:UN:EAN005") or a list of components
  (see `message_identifier`). `body_rows` are the segments BETWEEN UNH and UNT: the writer adds
  UNH (0062 + S009) and UNT (segment count including UNH and UNT, 0062), then UNB/UNZ
  (UNZ 0036 = number of messages, 0020 = `reference`).
- A row is `[tag, element, ...]`; an element is a str (or an int/Decimal, written with `str`),
  None (empty), or a list of components. Trailing empty components and elements are dropped.
- `service`: `adapters.edifact.syntax.ServiceChars`, `hub.partners.profile.EdifactDelimiters`
  or anything with `component`, `element`, `decimal`, `release`, `segment` (and optionally
  `repetition`, `suffix`). Default: `:+.? '`. `suffix` (e.g. "\\n") is written after every
  segment terminator; the argument overrides the service's own `suffix`.
- Service characters in data are escaped with the release character. Without a release
  character, such data raises `MappingError("edifact_service_char_in_data")`.
- Character sets: the text must fit the syntax identifier (`ENCODINGS`): UNOA data is
  upper-cased (level A has no lower case letters), other characters outside the repertoire, or
  characters the set cannot encode, and control characters (CR/LF included) raise
  `MappingError("edifact_character_set")`. Encode the returned text with `encoding_for(syntax)`.
- Syntax version 4: UNB 0017 is CCYYMMDD (YYMMDD before), and the UNA declares the repetition
  separator ("*" unless the service names one or "*" is taken), which is then escaped in data too.

Deterministic: the date and time come from `created_at` (converted to UTC when it has a zone).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from adapters.edifact.syntax import ServiceChars
from adapters.edifact.tokenizer import CHARSETS, LEVEL_A, LEVEL_B
from hub.errors import Location, MappingError

Value = str | int | Decimal | None
Element = Value | Sequence[Value]
Row = Sequence[Element]

MAX_REFERENCE = 14  # 0020 an..14
MAX_MESSAGE_REFERENCE = 14  # 0062 an..14


class ServiceLike(Protocol):
    """ServiceChars, EdifactDelimiters, or anything with the same service characters."""

    component: str
    element: str
    decimal: str
    segment: str


class IdentityLike(Protocol):
    """hub.partners.profile.EdifactIdentity: id (0004/0010) and optional qualifier (0007)."""

    id: str
    qualifier: str | None


def encoding_for(syntax: str) -> str:
    """The Python codec for a syntax identifier ("UNOC:3" or "UNOC" -> "latin-1", "UNOY" -> "utf-8")."""
    syntax_id = syntax.split(":", 1)[0]
    if syntax_id not in CHARSETS:
        raise MappingError(f"syntax identifier {syntax_id!r} is not supported", code="edifact_syntax")
    return CHARSETS[syntax_id][0]


def message_identifier(message_type: str, directory: str = "D96A", association: str | None = None) -> list[str]:
    """The UNH S009 components for a message type and directory: ("ORDRSP", "D96A") -> ORDRSP:D:96A:UN."""
    if len(directory) < 2:
        raise MappingError(f"EDIFACT directory {directory!r} is not like D96A", code="edifact_directory")
    parts = [message_type, directory[0], directory[1:], "UN"]
    if association:
        parts.append(association)
    return parts


def format_decimal(value: Decimal | int | float | str, mark: str = ".") -> str:
    """A number as EDIFACT writes it: no exponent, no trailing zeros after the mark, `mark` as decimal mark."""
    number = Decimal(str(value))
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", mark)


def _service(service: ServiceLike | None, syntax_version: str) -> ServiceChars:
    if service is None:
        chars = ServiceChars()
    elif isinstance(service, ServiceChars):
        chars = service
    else:
        chars = ServiceChars(
            component=service.component,
            element=service.element,
            decimal=service.decimal,
            release=getattr(service, "release", None) or None,
            repetition=getattr(service, "repetition", None) or None,
            segment=service.segment,
        )
    if syntax_version >= "4" and chars.repetition is None:
        taken = {chars.component, chars.element, chars.decimal, chars.release, chars.segment}
        repetition = next(c for c in "*^#|@" if c not in taken)  # "*" unless the other characters use it
        chars = ServiceChars(chars.component, chars.element, chars.decimal, chars.release, repetition, chars.segment)
    if syntax_version < "4" and chars.repetition is not None:
        chars = ServiceChars(chars.component, chars.element, chars.decimal, chars.release, None, chars.segment)
    used = [chars.component, chars.element, chars.segment, *(c for c in (chars.release, chars.repetition) if c)]
    if len(set(used)) != len(used) or any(len(c) != 1 or c.isalnum() or c == " " for c in used):
        raise MappingError(f"unusable EDIFACT service characters {chars.una()[3:]!r}", code="edifact_service_chars")
    return chars


class _Escaper:
    """Checks and escapes data values for one service-character set and character repertoire."""

    def __init__(self, service: ServiceChars, syntax_id: str) -> None:
        self.release = service.release
        self.specials = set(service.specials())
        codec, repertoire = CHARSETS[syntax_id]
        self.codec = codec
        self.upper = repertoire == "A"
        allowed = {"A": LEVEL_A, "B": LEVEL_B}.get(repertoire or "")
        self.allowed = set(allowed) if allowed else None
        self._cache: dict[str, str] = {}

    def __call__(self, value: str, tag: str, position: int) -> str:
        cached = self._cache.get(value)
        if cached is not None:
            return cached
        text = value.upper() if self.upper else value
        out: list[str] = []
        for char in text:
            if char in self.specials:
                if self.release is None:
                    raise MappingError(
                        f"{tag} element {position} value {value!r} holds service character {char!r} "
                        "and the service characters declare no release character",
                        code="edifact_service_char_in_data",
                        location=Location(segment=tag, field=f"{tag}{position:02d}"),
                    )
                out.append(self.release)
            elif not self._fits(char):
                raise MappingError(
                    f"{tag} element {position} value {value!r}: {char!r} is not in the character set",
                    code="edifact_character_set",
                    location=Location(segment=tag, field=f"{tag}{position:02d}"),
                )
            out.append(char)
        result = "".join(out)
        if len(self._cache) < 4096:
            self._cache[value] = result
        return result

    def _fits(self, char: str) -> bool:
        code = ord(char)
        if code < 32 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF:
            return False
        if self.allowed is not None:
            return char in self.allowed
        try:
            char.encode(self.codec)
        except UnicodeEncodeError:
            return False
        return True


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise MappingError(f"a boolean {value!r} is not an EDIFACT value", code="edifact_bad_row")
    if isinstance(value, int | Decimal):
        return str(value)
    raise MappingError(f"{value!r} ({type(value).__name__}) is not an EDIFACT value", code="edifact_bad_row")


def _render_rows(rows: Sequence[Row], service: ServiceChars, escape: _Escaper, end: str) -> list[str]:
    element, component = service.element, service.component
    out: list[str] = []
    for row in rows:
        if not row or not isinstance(row[0], str) or len(row[0]) != 3 or not row[0].isalnum() or not row[0].isupper():
            raise MappingError(f"segment row {list(row)[:3]!r} has no 3-letter tag", code="edifact_bad_row")
        tag = row[0]
        values: list[str] = []
        for position, value in enumerate(row[1:], start=1):
            if value is None or isinstance(value, str | int | Decimal):
                values.append(escape(_text(value), tag, position))
                continue
            parts = [escape(_text(part), tag, position) for part in value]
            while parts and parts[-1] == "":
                parts.pop()
            values.append(component.join(parts))
        while values and values[-1] == "":
            values.pop()
        out.append(element.join([tag, *values]) + end)
    return out


def render_segments(
    rows: Sequence[Row], service: ServiceLike | None = None, *, syntax: str = "UNOC:3", suffix: str = ""
) -> str:
    """Segments as text with escaping (no envelope added)."""
    syntax_id, _, version = syntax.partition(":")
    encoding_for(syntax_id)
    chars = _service(service, version or "3")
    return "".join(_render_rows(rows, chars, _Escaper(chars, syntax_id), chars.segment + suffix))


def _identity(identity: IdentityLike) -> list[str]:
    return [identity.id, identity.qualifier or ""]


def render_interchange(
    *,
    sender: IdentityLike,
    recipient: IdentityLike,
    reference: int | str,
    messages: Sequence[tuple[str, str | Sequence[str], Sequence[Row]]],
    syntax: str = "UNOC:3",
    service: ServiceLike | None = None,
    created_at: datetime,
    test: bool = False,
    una: bool = True,
    application_reference: str | None = None,
    ack_request: bool = False,
    suffix: str | None = None,
) -> str:
    """One interchange: [UNA] UNB, each message as UNH + body + UNT, UNZ (see the module docstring)."""
    if not messages:
        raise MappingError("an EDIFACT interchange needs at least one message", code="edifact_empty_interchange")
    syntax_id, _, version = syntax.partition(":")
    version = version or "3"
    encoding_for(syntax_id)
    if version not in ("1", "2", "3", "4"):
        raise MappingError(f"syntax version {version!r} is not 1..4", code="edifact_syntax")
    control = str(reference)
    if not control or len(control) > MAX_REFERENCE:
        raise MappingError(f"interchange reference {control!r} is not 1..14 characters", code="edifact_reference")
    chars = _service(service, version)
    line_end = suffix if suffix is not None else getattr(service, "suffix", "") or ""
    end = chars.segment + line_end
    escape = _Escaper(chars, syntax_id)
    stamp = created_at.astimezone(UTC) if created_at.tzinfo else created_at
    date = stamp.strftime("%Y%m%d" if version >= "4" else "%y%m%d")
    unb: list[Element] = [
        "UNB",
        [syntax_id, version],
        _identity(sender),
        _identity(recipient),
        [date, stamp.strftime("%H%M")],
        control,
        None,  # S005 recipient's reference/password
        application_reference,
        None,  # 0029 processing priority
        "1" if ack_request else None,
        None,  # 0032 interchange agreement identifier
        "1" if test else None,
    ]
    out = [chars.una() + line_end] if una else []
    out += _render_rows([unb], chars, escape, end)
    for message_reference, identifier, body in messages:
        ref = str(message_reference)
        if not ref or len(ref) > MAX_MESSAGE_REFERENCE:
            raise MappingError(f"message reference {ref!r} is not 1..14 characters", code="edifact_reference")
        s009 = identifier.split(":") if isinstance(identifier, str) else list(identifier)
        rows: list[Row] = [["UNH", ref, s009], *body, ["UNT", str(len(body) + 2), ref]]
        out += _render_rows(rows, chars, escape, end)
    out += _render_rows([["UNZ", str(len(messages)), control]], chars, escape, end)
    return "".join(out)
