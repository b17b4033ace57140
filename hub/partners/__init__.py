"""Trading partners: profiles (identities, versions, delimiters, acknowledgment policy) and where they are kept."""

from hub.partners.directory import PartnerDirectory, profiles_changed
from hub.partners.profile import (
    EdifactDelimiters,
    EdifactIdentity,
    PartnerProfile,
    UnitConversion,
    X12Delimiters,
    X12Identity,
)

__all__ = [
    "EdifactDelimiters",
    "EdifactIdentity",
    "PartnerDirectory",
    "PartnerProfile",
    "UnitConversion",
    "X12Delimiters",
    "X12Identity",
    "profiles_changed",
]
