"""Trading partners: the tenant's stored profiles and those from mappings/partners (shared by every tenant)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hub.api.security import Problem
from hub.api.v1.deps import VIEWER, Caller
from hub.partners.profile import PartnerProfile
from hub.partners.store import all_profiles, stored_profiles
from hub.store.db import read_only

router = APIRouter(prefix="/partners", tags=["partners"])


def _row(profile: PartnerProfile, stored: set[str]) -> dict[str, Any]:
    data = profile.model_dump(mode="json", exclude_none=True)
    data["x12"] = str(profile.x12) if profile.x12 else None
    data["edifact"] = str(profile.edifact) if profile.edifact else None
    data["ack_x12"] = profile.x12_ack() if profile.x12 else None
    data["origin"] = "stored" if profile.name in stored else "file"
    return data


def _profiles(who: Caller) -> list[dict[str, Any]]:
    with read_only(who.ctx.engine) as conn:
        profiles = all_profiles(conn, who.tenant)
        stored = {p.name for p in stored_profiles(conn, who.tenant)}
    return [_row(p, stored) for p in profiles]


@router.get("", summary="Partners (stored for this tenant, and from mappings/partners)")
def list_(who: Caller = VIEWER) -> dict[str, Any]:
    return {"items": _profiles(who)}


@router.get("/{name}", summary="One partner's whole profile")
def one(name: str, who: Caller = VIEWER) -> dict[str, Any]:
    found = next((p for p in _profiles(who) if p["name"] == name), None)
    if found is None:
        raise Problem(404, f"no partner named {name!r}")
    return found
