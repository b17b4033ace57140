"""Allocation rules: stored versions, the YAML of one, validate a candidate, simulate it over past orders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from hub.allocation.allocator import Allocator
from hub.allocation.profiles import load_node_profiles
from hub.api.security import Problem
from hub.api.v1.deps import VIEWER, Caller, refused
from hub.errors import HubError
from hub.jsonable import to_jsonable
from hub.rules.loader import load_rule_set_text
from hub.rules.ruleset import RuleSet
from hub.rules.simulate import simulate
from hub.rules.store import list_rule_sets, rule_set_text
from hub.store.db import read_only

router = APIRouter(prefix="/rules", tags=["rules"])

_EARLIEST, _LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


class Candidate(BaseModel):
    """A rule set as YAML text (what `hub rules check FILE` reads)."""

    model_config = ConfigDict(extra="forbid")

    yaml: str = Field(min_length=1, max_length=200_000)


class SimulateBody(Candidate):
    """Replay orders created in [since, until) through the active rules and this candidate."""

    since: AwareDatetime
    until: AwareDatetime | None = None

    @field_validator("since", "until")
    @classmethod
    def _sane(cls, value: datetime | None) -> datetime | None:
        if value is not None and not _EARLIEST <= value <= _LATEST:
            raise ValueError("must be between 2000 and 2100")
        return value


def _compile(text: str) -> RuleSet:
    try:
        return load_rule_set_text(text, "<request body>")
    except HubError as exc:
        raise refused(exc) from None


@router.get("", summary="Stored rule set versions (the active one marked)")
def list_(who: Caller = VIEWER) -> dict[str, Any]:
    with read_only(who.ctx.engine) as conn:
        return {"items": [s.as_dict() for s in list_rule_sets(conn, who.tenant)]}


def _show(who: Caller, version: int | None) -> dict[str, Any]:
    with read_only(who.ctx.engine) as conn:
        found = rule_set_text(conn, who.tenant, version)
    if found is None:
        what = "no active rule set: the built-in default applies" if version is None else f"no rule set v{version}"
        raise Problem(404, what)
    return {"version": found[0], "yaml": found[1], **_compile(found[1]).summary()}


@router.get("/active", summary="The active rule set: its YAML and a summary")
def active(who: Caller = VIEWER) -> dict[str, Any]:
    return _show(who, None)


@router.get("/{version}", summary="A stored rule set version: its YAML and a summary")
def one(version: Annotated[int, Path(ge=1, le=2_000_000_000)], who: Caller = VIEWER) -> dict[str, Any]:
    return _show(who, version)


@router.post("/validate", summary="Check a rule set: its shape, every condition, and the nodes it names")
def validate(body: Candidate, who: Caller = VIEWER) -> dict[str, Any]:
    """200 either way: `ok` false with the error (its code and where) when the rule set is not valid."""
    try:
        rule_set = load_rule_set_text(body.yaml, "<request body>")
    except HubError as exc:
        error = {"code": exc.code, "message": exc.message, "location": exc.location.as_dict()}
        return {"ok": False, "errors": [error], "warnings": []}
    with read_only(who.ctx.engine) as conn:
        known = {n.code for n in load_node_profiles(conn, who.tenant, enabled_only=False)}
    unknown = sorted(rule_set.node_codes() - known)
    warnings = [f"names node(s) the store does not know: {', '.join(unknown)}"] if unknown else []
    return {"ok": True, "errors": [], "warnings": warnings, **rule_set.summary()}


@router.post("/simulate", summary="Replay past orders through a candidate rule set; nothing live is touched")
def simulate_(body: SimulateBody, who: Caller = VIEWER) -> dict[str, Any]:
    candidate = _compile(body.yaml)
    allocator = Allocator.for_hub(who.ctx.environ, who.ctx.home)
    try:
        result = simulate(
            who.ctx.engine, who.tenant, candidate, since=body.since, until=body.until, allocator=allocator
        )
    except HubError as exc:
        raise refused(exc) from None
    return to_jsonable(result.as_dict(), normalize_decimals=True)
