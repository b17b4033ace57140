"""Postal codes as the geo lookups compare them: normalised text, UK outward codes and areas, valid prefixes."""

from __future__ import annotations

import re

UK_STYLE = frozenset({"GB", "GG", "JE", "IM"})
"""Countries whose postcodes are `AREA DISTRICT SECTOR UNIT` (matched by outward code, then area letters)."""

_PREFIX = re.compile(r"^[0-9A-Z]+$")
_UK_PREFIX = re.compile(r"^[A-Z]{1,2}(?:[0-9][0-9A-Z]?)?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def normalize_code(postal_code: str | None) -> str:
    """Upper case with spaces and hyphens removed: `sw1a 1aa` -> `SW1A1AA`, `00-950` -> `00950`."""
    if not postal_code:
        return ""
    return postal_code.replace(" ", "").replace("-", "").upper()


def uk_outward(code: str) -> str:
    """The outward code of a normalised UK-style postcode (`SW1A1AA` -> `SW1A`); a bare outward code stays."""
    return code[:-3] if len(code) >= 5 else code


def uk_area(code: str) -> str:
    """The postcode area: the leading letters (`M11AE` -> `M`, `SW1A1AA` -> `SW`)."""
    end = 0
    while end < len(code) and end < 2 and code[end].isalpha():
        end += 1
    return code[:end]


def uk_candidates(code: str) -> tuple[str, ...]:
    """The prefixes a UK-style postcode answers to, most specific first: outward code, district, area.

    `SW1A1AA` -> (`SW1A`, `SW1`, `SW`); `PA200AA` -> (`PA20`, `PA`): so `PA2` never matches `PA20`.
    """
    outward = uk_outward(code)
    found = [outward]
    if len(outward) > 2 and outward[-1].isalpha() and any(c.isdigit() for c in outward):
        found.append(outward[:-1])
    area = uk_area(code)
    if area and area not in found:
        found.append(area)
    return tuple(found)


def check_country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased; ValueError otherwise."""
    code = value.strip().upper()
    if not _COUNTRY.match(code):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def check_prefix(country: str, value: str) -> str:
    """A postal prefix, normalised like a postal code; UK-style prefixes must be an area or an outward code."""
    prefix = normalize_code(value)
    if not prefix:
        raise ValueError("a postal prefix must not be empty")
    if country in UK_STYLE:
        if not _UK_PREFIX.match(prefix):
            raise ValueError(f"{value!r} is not a postcode area (e.g. 'SW') or outward code (e.g. 'SW1A')")
    elif not _PREFIX.match(prefix):
        raise ValueError(f"{value!r} is not a postal prefix (letters and digits only)")
    return prefix
