"""Where partner profiles live: the `partners` table (`hub partners add`) and `partners/*.yaml` in mapping folders."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, delete, select

from hub.errors import ConfigError, Location
from hub.mapping.loader import search_path
from hub.model.ids import utcnow
from hub.partners.directory import PartnerDirectory, profiles_changed
from hub.partners.profile import PartnerProfile
from hub.store.db import read_only
from hub.store.sql import upsert
from hub.store.tables import partners
from hub.validation import first_problem
from hub.yamlio import parse_yaml

PARTNER_FOLDER = "partners"


class PartnerError(ConfigError):
    code = "partner_error"


def profile_from_data(data: object, *, file: str | None = None) -> PartnerProfile:
    """A profile from parsed YAML/JSON, or a PartnerError naming the file and the key that is wrong."""
    try:
        return PartnerProfile.model_validate(data)
    except ValidationError as exc:
        where, message = first_problem(exc)
        raise PartnerError(f"partner profile: {where}: {message}", location=Location(file=file, field=where)) from None


def load_file(path: Path) -> PartnerProfile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PartnerError(f"partner file {path} cannot be read: {exc}", location=Location(file=str(path))) from None
    try:
        data = parse_yaml(text)
    except Exception as exc:  # yaml's own errors carry line and column in their text
        raise PartnerError(f"partner file {path} is not valid YAML: {exc}", location=Location(file=str(path))) from None
    return profile_from_data(data, file=str(path))


def file_profiles(folders: Sequence[Path] | None = None) -> list[PartnerProfile]:
    """Profiles from `partners/*.yaml` in each mapping folder; the first folder that names a partner wins."""
    found: dict[str, PartnerProfile] = {}
    for folder in folders if folders is not None else search_path():
        directory = folder / PARTNER_FOLDER
        if not directory.is_dir():
            continue
        for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
            profile = load_file(path)
            found.setdefault(profile.name, profile)
    return list(found.values())


def stored_profiles(conn: Connection, tenant: str) -> list[PartnerProfile]:
    rows = conn.execute(select(partners.c.name, partners.c.profile).where(partners.c.tenant == tenant).order_by("name"))
    return [profile_from_data(r.profile, file=f"partners table: {r.name}") for r in rows]


def all_profiles(conn: Connection, tenant: str, folders: Sequence[Path] | None = None) -> list[PartnerProfile]:
    """Stored profiles, then file profiles whose names are not stored (a stored profile overrides its file)."""
    stored = stored_profiles(conn, tenant)
    names = {p.name for p in stored}
    return stored + [p for p in file_profiles(folders) if p.name not in names]


def save_profile(conn: Connection, tenant: str, profile: PartnerProfile) -> None:
    for other in all_profiles(conn, tenant):
        if other.name == profile.name:
            continue
        if profile.x12 and other.x12 == profile.x12:
            raise PartnerError(f"partner {other.name!r} already has X12 identity {profile.x12}")
        if _same_edifact(profile, other):
            raise PartnerError(f"partner {other.name!r} already has EDIFACT identity {other.edifact}")
    stmt = upsert(conn, partners, ["tenant", "name"], {"profile": None, "updated_at": None})
    conn.execute(
        stmt.values(tenant=tenant, name=profile.name, profile=profile.model_dump(mode="json"), updated_at=utcnow())
    )
    profiles_changed()


def _same_edifact(one: PartnerProfile, other: PartnerProfile) -> bool:
    """Two EDIFACT identities clash when one id could match both (a missing qualifier matches any)."""
    if not (one.edifact and other.edifact) or one.edifact.id != other.edifact.id:
        return False
    return one.edifact.qualifier is None or other.edifact.qualifier in (None, one.edifact.qualifier)


def remove_profile(conn: Connection, tenant: str, name: str) -> bool:
    removed = conn.execute(delete(partners).where(partners.c.tenant == tenant, partners.c.name == name)).rowcount
    profiles_changed()
    return bool(removed)


def directory_for(engine: Engine, tenant: str) -> PartnerDirectory:
    """A directory that reads the stored and file profiles, again when they change."""

    def load() -> list[PartnerProfile]:
        with read_only(engine) as conn:
            return all_profiles(conn, tenant)

    return PartnerDirectory(loader=load)
